import {
  addFastifyMetricsRoute,
  autoloadNote,
  fastifyInstrumentationTemplate,
} from './fastify';
import { SETUP_MARKER } from './templates';

/** main.ts of `nx g @nx/node:app --framework=fastify` (Nx 23). */
const NX_TEMPLATE = `import Fastify from 'fastify';
import { app } from './app/app';

const host = process.env.HOST ?? 'localhost';
const port = process.env.PORT ? Number(process.env.PORT) : 3000;

// Instantiate Fastify with some config
const server = Fastify({
  logger: true,
});

// Register your application as a normal plugin.
server.register(app);

// Start listening.
server.listen({ port, host }, (err) => {
  if (err) {
    server.log.error(err);
    process.exit(1);
  } else {
    console.log(\`[ ready ] http://\${host}:\${port}\`);
  }
});
`;

function added(source: string, style: 'commonjs' | 'esm' = 'commonjs') {
  const edit = addFastifyMetricsRoute(source, style);
  if (edit.kind !== 'added')
    throw new Error(`expected an edit, got ${edit.kind}`);
  return edit;
}

describe('addFastifyMetricsRoute', () => {
  it('adds the route right after the instance is created and closes it on shutdown', () => {
    const edit = added(NX_TEMPLATE);
    expect(edit.closesServer).toBe(true);
    const newLines = edit.content
      .split('\n')
      .filter((line) => !NX_TEMPLATE.split('\n').includes(line));
    expect(newLines).toEqual([
      "import { onShutdown } from './shutdown.js';",
      "import { telemetry } from './telemetry.js';",
      '// Prometheus scrape endpoint (@otel-dice/telemetry); the library records no span for it.',
      "server.get('/metrics', (request, reply) => {",
      '  reply.hijack();',
      '  telemetry.metricsHandler(request.raw, reply.raw);',
      '// Let in-flight requests finish (and their spans end) before telemetry is flushed on SIGTERM/SIGINT.',
      'onShutdown(() => server.close());',
    ]);
    // Between the instance and the app's plugins, so it is registered before them.
    const route = edit.content.indexOf("server.get('/metrics'");
    expect(route).toBeGreaterThan(edit.content.indexOf('logger: true,\n});'));
    expect(route).toBeLessThan(edit.content.indexOf('server.register(app)'));
  });

  it('uses the library handler and the signals in an ES module app', () => {
    const { content } = added(NX_TEMPLATE, 'esm');
    expect(content).toContain(
      "import { metricsHandler } from '@otel-dice/telemetry';",
    );
    expect(content).toContain('  metricsHandler(request.raw, reply.raw);');
    expect(content).toContain(
      "for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => server.close());",
    );
    expect(content).not.toContain('./telemetry.js');
  });

  it('follows the name fastify is imported under, and leaves a nested instance open', () => {
    const source =
      "const fastify = require('fastify');\nexport function build() {\n  const api = fastify({ logger: false });\n  return api;\n}\n";
    const edit = added(source);
    expect(edit.closesServer).toBe(false);
    expect(edit.content).toContain(
      "  const api = fastify({ logger: false });\n  // Prometheus scrape endpoint (@otel-dice/telemetry); the library records no span for it.\n  api.get('/metrics', (request, reply) => {\n    reply.hijack();",
    );
    expect(edit.content).not.toContain('onShutdown');
  });

  it.each([
    [
      'already serves metrics',
      `${NX_TEMPLATE}\n// telemetry.metricsHandler\n`,
      'already-present',
    ],
    [
      'creates the instance elsewhere',
      "import Fastify from 'fastify';\nexport const server = build(Fastify);\n",
      'not-found',
    ],
    [
      'chains on the creation',
      "import Fastify from 'fastify';\nconst server = Fastify().register(x);\n",
      'not-found',
    ],
  ])('leaves a source alone that %s', (_label, source, kind) => {
    expect(addFastifyMetricsRoute(source)).toEqual({ kind });
  });
});

describe('fastifyInstrumentationTemplate', () => {
  it('creates the instrumentation before any Fastify instance, without hook spans or scrape spans', () => {
    const module = fastifyInstrumentationTemplate();
    expect(module).toContain(SETUP_MARKER);
    expect(module).toContain(
      "import { FastifyOtelInstrumentation } from '@fastify/otel';",
    );
    expect(module).toContain('registerOnInitialization: true,');
    expect(module).toContain('instrumentHooks: false,');
    expect(module).toContain("new Set(['/metrics', '/healthz'])");
  });
});

describe('autoloadNote', () => {
  it('warns only about a bundling build of an app using @fastify/autoload', () => {
    const deps = { fastify: '~5.2.1', '@fastify/autoload': '~6.0.3' };
    expect(autoloadNote(deps, true)).toContain('ENOENT on dist/plugins');
    expect(autoloadNote(deps, false)).toBeUndefined();
    expect(autoloadNote({ fastify: '~5.2.1' }, true)).toBeUndefined();
  });
});
