/**
 * Fastify: route names, GET /metrics and closing the server on shutdown, for the shape
 * `nx g @nx/node:app --framework=fastify` writes (`const server = Fastify({ ... })` in main.ts,
 * routes in plugins). Pure.
 *
 * The library makes every request's HTTP server span, but cannot see Fastify's routes.
 * `@fastify/otel`, the Fastify team's OpenTelemetry instrumentation (the one
 * @opentelemetry/auto-instrumentations-node points to since it dropped its own), can: it writes
 * the matched route into the request's RPC metadata, which the server span takes its name and
 * `http.route` from. The generator writes it into a module of its own (INSTRUMENTATION_MODULE),
 * imported by the app so it exists before the app calls Fastify(): with `registerOnInitialization`
 * every instance created after it gets the plugin, wherever the app creates it.
 */
import { SETUP_MARKER } from './templates';
import {
  addImportLines,
  appendBlock,
  closeOnShutdown,
  endOfCallStatement,
  importedName,
  insertLinesAfter,
  metricsComment,
  metricsHandlerCall,
  metricsImport,
  servesMetrics,
  shutdownImport,
  type RouteEdit,
  type RouteStyle,
} from './source-edit';

export const FASTIFY_OTEL_PACKAGE = '@fastify/otel';
/**
 * The range the generator adds. 0.21 is the release this generator was tested with (Fastify 5,
 * the version Nx 23's app generator installs); a caret on 0.x accepts its patch releases only.
 */
export const FASTIFY_OTEL_RANGE = '^0.21.2';
/** The module with the framework instrumentation, next to the entry. */
export const INSTRUMENTATION_MODULE = 'instrumentation';

/** `import './instrumentation.js';`, the line the app file gets. */
export function instrumentationImport(): string {
  return `import './${INSTRUMENTATION_MODULE}.js';`;
}

export function fastifyInstrumentationTemplate(): string {
  return `/**
 * Fastify route names for the HTTP server spans, written by \`nx g ${SETUP_MARKER}\`.
 *
 * @otel-dice/telemetry makes each request's server span; ${FASTIFY_OTEL_PACKAGE}, the Fastify team's
 * OpenTelemetry instrumentation, names it after the matched route (\`GET /users/:id\`,
 * \`http.route\`) and adds a \`request\` span and one per handler under it. The app imports this
 * module so it runs before the app calls Fastify(): with registerOnInitialization every Fastify
 * instance created afterwards gets the plugin.
 */
import { FastifyOtelInstrumentation } from '${FASTIFY_OTEL_PACKAGE}';

/** As for the server spans: scrapes and probes get no spans. */
const IGNORED_PATHS = new Set(['/metrics', '/healthz']);

export const fastifyInstrumentation = new FastifyOtelInstrumentation({
  registerOnInitialization: true,
  // A span per hook would mostly repeat the handler's timing: request and handler spans only.
  instrumentHooks: false,
  ignorePaths: ({ url }) => IGNORED_PATHS.has(url.split('?')[0] ?? url),
});
`;
}

/**
 * `const <name> = Fastify(...)` (any indentation, any name, `fastify` however it is imported),
 * with the call ending the statement. Group 1 indent, 2 the instance's name, 3 the `(`.
 */
function instanceCreation(
  source: string,
): { indent: string; name: string; open: number } | undefined {
  const factory = importedName(source, 'fastify') ?? 'Fastify';
  const pattern = new RegExp(
    `^([ \\t]*)(?:const|let|var)\\s+([A-Za-z_$][\\w$]*)\\s*=\\s*(?:${factory}|${factory}\\.default|${factory}\\.fastify)\\s*\\(`,
    'm',
  );
  const match = pattern.exec(source);
  if (!match) return undefined;
  return {
    indent: match[1] ?? '',
    name: match[2] ?? '',
    open: match.index + match[0].length - 1,
  };
}

/**
 * The route right after the instance is created (before the app's plugins register theirs), the
 * instrumentation import, and — when the instance is a top-level variable — closing it on
 * shutdown (Fastify's close() resolves when in-flight requests are done).
 */
export function addFastifyMetricsRoute(
  source: string,
  style: RouteStyle = 'commonjs',
): RouteEdit {
  if (servesMetrics(source)) return { kind: 'already-present' };
  const instance = instanceCreation(source);
  const at =
    instance === undefined
      ? undefined
      : endOfCallStatement(source, instance.open);
  if (instance === undefined || at === undefined) return { kind: 'not-found' };

  const { indent, name } = instance;
  let content = insertLinesAfter(source, at, indent, [
    metricsComment(style),
    `${name}.get('/metrics', (request, reply) => {`,
    '  reply.hijack();',
    `  ${metricsHandlerCall(style)}(request.raw, reply.raw);`,
    '});',
  ]);
  const topLevel = indent === '';
  if (topLevel)
    content = appendBlock(content, closeOnShutdown(style, `${name}.close()`));
  const imports = [metricsImport(style)];
  if (topLevel && style === 'commonjs') imports.unshift(shutdownImport());
  return {
    kind: 'added',
    content: addImportLines(content, imports),
    closesServer: topLevel,
  };
}

/**
 * Fastify's `@fastify/autoload` (used by Nx's Fastify template) reads the plugin files from disk
 * at start, next to the built code; a bundle has none, so a bundled app stops at start with
 * ENOENT on dist/plugins, with or without telemetry.
 */
export function autoloadNote(
  dependencies: Readonly<Record<string, string>>,
  bundles: boolean,
): string | undefined {
  if (!bundles || dependencies['@fastify/autoload'] === undefined)
    return undefined;
  return 'This build bundles, and @fastify/autoload loads plugins from files next to the built code: the bundled app stops at start (ENOENT on dist/plugins), with or without telemetry. Keep bundle: false for it, or register the plugins by import.';
}
