import nx from '@nx/eslint-plugin';

/**
 * Who may import whom, by the projects' `type:` tags (package.json → nx.tags):
 * - apps (`type:app`) depend on libraries, never on another app;
 * - libraries (`type:lib`) depend on libraries only: never on an app, never on test support;
 * - test support (`type:test-support`: real OTLP receivers, a Prometheus runner) is for tests:
 *   the e2e suites, the benchmark (`type:tool`) and *.spec.ts / *.e2e.ts files anywhere.
 * A violation fails `nx lint`.
 */
const boundaries = (testCode) => [
  'error',
  {
    enforceBuildableLibDependency: true,
    allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'],
    // The apps' main.ts require() the library after reading their own configuration, for the
    // start-up order (telemetry before express), not to split code: a static import elsewhere is
    // fine.
    checkDynamicDependenciesExceptions: ['@otel-dice/telemetry'],
    depConstraints: [
      {
        sourceTag: 'type:app',
        onlyDependOnLibsWithTags: testCode
          ? ['type:lib', 'type:test-support']
          : ['type:lib'],
      },
      {
        sourceTag: 'type:lib',
        onlyDependOnLibsWithTags: testCode
          ? ['type:lib', 'type:test-support']
          : ['type:lib'],
      },
      {
        sourceTag: 'type:test-support',
        onlyDependOnLibsWithTags: ['type:lib', 'type:test-support'],
      },
      {
        sourceTag: 'type:e2e',
        onlyDependOnLibsWithTags: ['type:lib', 'type:test-support'],
      },
      {
        sourceTag: 'type:tool',
        onlyDependOnLibsWithTags: ['type:lib', 'type:test-support'],
      },
    ],
  },
];

const TEST_FILES = [
  '**/*.spec.ts',
  '**/*.test.ts',
  '**/*.e2e.ts',
  '**/e2e/**/*.ts',
  '**/test-helpers.ts',
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/out-tsc'],
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.jsx'],
    rules: { '@nx/enforce-module-boundaries': boundaries(false) },
  },
  {
    files: TEST_FILES,
    rules: { '@nx/enforce-module-boundaries': boundaries(true) },
  },
  {
    files: [
      '**/*.ts',
      '**/*.tsx',
      '**/*.cts',
      '**/*.mts',
      '**/*.js',
      '**/*.jsx',
      '**/*.cjs',
      '**/*.mjs',
    ],
    // Override or add rules here
    rules: {},
  },
];
