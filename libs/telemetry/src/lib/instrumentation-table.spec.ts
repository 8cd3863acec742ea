/**
 * The instrumentation table is generated, and this test is the generator: it loads every
 * instrumentation package @opentelemetry/auto-instrumentations-node depends on (from that
 * package's own dependency tree, as the lazy loader does), reads each one's module definitions —
 * the packages and builtins it patches and the files inside them (knex patches only
 * `knex/lib/...`) — and requires the committed table to say exactly that. After an upgrade of
 * auto-instrumentations-node:
 *
 *   UPDATE_INSTRUMENTATION_TABLE=1 npx nx test telemetry --testFile=instrumentation-table
 *
 * rewrites instrumentation-table.ts (then run prettier on it); the diff shows what changed.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import {
  INSTRUMENTATION_TABLE,
  INSTRUMENTATION_PACKAGE_PREFIX,
  type InstrumentationEntry,
} from './instrumentation-table.js';

const AUTO = '@opentelemetry/auto-instrumentations-node';
const autoMain = require.resolve(AUTO);
const autoRequire = createRequire(autoMain);

interface Definition {
  name: string;
  files?: { name: string }[];
}

type InstrumentationClass = new (config: {
  enabled: boolean;
}) => Instrumentation & {
  getModuleDefinitions(): Definition[];
};

/** What auto-instrumentations-node offers: its @opentelemetry/instrumentation-* dependencies. */
function offeredPackages(): string[] {
  const manifest = JSON.parse(
    readFileSync(join(dirname(autoMain), '..', 'package.json'), 'utf8'),
  ) as { dependencies: Record<string, string> };
  return Object.keys(manifest.dependencies)
    .filter((name) => name.startsWith(INSTRUMENTATION_PACKAGE_PREFIX))
    .sort();
}

/** One package's entry, read from a live (disabled) instance of its instrumentation. */
function describePackage(packageName: string): InstrumentationEntry {
  const exports = autoRequire(packageName) as Record<string, unknown>;
  const found = Object.entries(exports).filter(
    ([key, value]) =>
      key.endsWith('Instrumentation') &&
      typeof value === 'function' &&
      typeof (value as { prototype?: { getModuleDefinitions?: unknown } })
        .prototype?.getModuleDefinitions === 'function',
  );
  if (found.length !== 1)
    throw new Error(
      `${packageName} exports ${found.length} instrumentation classes`,
    );
  const [className, Class] = found[0] as [string, InstrumentationClass];
  const definitions = new Class({ enabled: false }).getModuleDefinitions();
  return {
    name: packageName.slice(INSTRUMENTATION_PACKAGE_PREFIX.length),
    className,
    modules: [...new Set(definitions.map((d) => d.name))],
    files: [
      ...new Set(
        definitions.flatMap((d) => (d.files ?? []).map((f) => f.name)),
      ),
    ].sort(),
  };
}

function render(entries: readonly InstrumentationEntry[]): string {
  const source = readFileSync(
    join(__dirname, 'instrumentation-table.ts'),
    'utf8',
  );
  const start = source.indexOf('export const INSTRUMENTATION_TABLE');
  const head = source.slice(0, start);
  return `${head}export const INSTRUMENTATION_TABLE: readonly InstrumentationEntry[] = ${JSON.stringify(entries, null, 2)};\n`;
}

describe('the instrumentation table', () => {
  const live = offeredPackages().map(describePackage);

  if (process.env['UPDATE_INSTRUMENTATION_TABLE'] === '1')
    writeFileSync(join(__dirname, 'instrumentation-table.ts'), render(live));

  it('lists every instrumentation auto-instrumentations-node offers, with its module definitions', () => {
    expect(INSTRUMENTATION_TABLE).toEqual(live);
  });

  it('is what getNodeAutoInstrumentations itself instantiates', () => {
    const { getNodeAutoInstrumentations } = autoRequire(AUTO) as {
      getNodeAutoInstrumentations(
        config: Record<string, { enabled: boolean }>,
      ): Instrumentation[];
    };
    const all = getNodeAutoInstrumentations(
      Object.fromEntries(
        INSTRUMENTATION_TABLE.map((e) => [
          `${INSTRUMENTATION_PACKAGE_PREFIX}${e.name}`,
          { enabled: true },
        ]),
      ),
    );
    for (const instrumentation of all) instrumentation.disable();
    expect(all.map((i) => i.instrumentationName).sort()).toEqual(
      INSTRUMENTATION_TABLE.map(
        (e) => `${INSTRUMENTATION_PACKAGE_PREFIX}${e.name}`,
      ).sort(),
    );
  });

  it('names every patched file inside a package the entry triggers on', () => {
    for (const entry of INSTRUMENTATION_TABLE)
      for (const file of entry.files)
        expect({
          entry: entry.name,
          file,
          covered: entry.modules.some((m) => file.startsWith(`${m}/`)),
        }).toEqual({
          entry: entry.name,
          file,
          covered: true,
        });
  });

  it('shares one @opentelemetry/instrumentation with every instrumentation (one require hook, loaded once)', () => {
    // Each copy of @opentelemetry/instrumentation installs a require hook of its own and is
    // loaded again for every instrumentation that brings it: keep the library's dependency on
    // the version auto-instrumentations-node's instrumentations use.
    const ours = require.resolve('@opentelemetry/instrumentation');
    const theirs = INSTRUMENTATION_TABLE.map((e) =>
      createRequire(
        autoRequire.resolve(`${INSTRUMENTATION_PACKAGE_PREFIX}${e.name}`),
      ).resolve('@opentelemetry/instrumentation'),
    );
    expect([...new Set(theirs)]).toEqual([ours]);
  });

  it('tells ioredis from redis, and knex by its internal files', () => {
    const byName = new Map(INSTRUMENTATION_TABLE.map((e) => [e.name, e]));
    expect(byName.get('ioredis')?.modules).toEqual(['ioredis']);
    expect(byName.get('redis')?.modules).not.toContain('ioredis');
    expect(byName.get('knex')?.files).toContain('knex/lib/execution/runner.js');
  });
});
