/**
 * Adds GET /metrics (and, where it is safe, a server-close shutdown hook) to an Express app's
 * source. Pure text edits on the shapes `nx g @nx/node:app --framework=express` writes; anything
 * else is left alone and reported, so the generator can print what to add by hand instead of
 * guessing in someone's code.
 *
 * Two styles. `commonjs`: the app module is loaded by the generated entry after telemetry
 * started, and imports `telemetry` and `onShutdown` from the generated files. `esm`: telemetry
 * runs from a start module the app never imports (`node --import`), so the route uses the
 * library's `metricsHandler` (the running telemetry's) and the server is closed by the app's own
 * signal handler, after which the start module's flush lets the process end.
 */
import { SHUTDOWN_MODULE, TELEMETRY_MODULE } from './templates';
import { LIBRARY_PACKAGE } from './workspace';

export type RouteEdit =
  | { readonly kind: 'already-present' }
  | { readonly kind: 'not-express' }
  /** Express is used but no top-level `const app = express()` was found. */
  | { readonly kind: 'no-app-variable' }
  | {
      readonly kind: 'added';
      readonly content: string;
      /** False when `app.listen(...)` was not a top-level statement we could name. */
      readonly closesServer: boolean;
    };

const IMPORTS_EXPRESS =
  /^\s*import\s[^;]*?from\s+['"]express['"]|require\(\s*['"]express['"]\s*\)/m;
/** `const app = express();` on its own line, at any indentation; group 1 indent, 2 the name. */
const APP_VARIABLE =
  /^([ \t]*)(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*express\(\s*\)\s*;?[ \t]*$/m;

export function usesExpress(source: string): boolean {
  return IMPORTS_EXPRESS.test(source);
}

/** Already serving metrics: any use of the library's handler counts, wherever it is mounted. */
export function servesMetrics(source: string): boolean {
  return source.includes('metricsHandler');
}

export type RouteStyle = 'commonjs' | 'esm';

export function addMetricsRoute(
  source: string,
  style: RouteStyle = 'commonjs',
): RouteEdit {
  if (servesMetrics(source)) return { kind: 'already-present' };
  if (!usesExpress(source)) return { kind: 'not-express' };
  const match = APP_VARIABLE.exec(source);
  if (!match) return { kind: 'no-app-variable' };

  const [line, indent, app] = match;
  const route =
    style === 'esm'
      ? [
          `${indent}// Prometheus scrape endpoint of the telemetry started with node --import; no span is recorded for it.`,
          `${indent}${app}.get('/metrics', (req, res) => metricsHandler(req, res));`,
        ]
      : [
          `${indent}// Prometheus scrape endpoint (@otel-dice/telemetry); the library records no span for it.`,
          `${indent}${app}.get('/metrics', (req, res) => telemetry.metricsHandler(req, res));`,
        ];
  const lineEnd = match.index + line.length;
  let content = `${source.slice(0, lineEnd)}\n${route.join('\n')}${source.slice(lineEnd)}`;

  const listen = closeServerOnShutdown(content, app, style);
  content =
    style === 'esm'
      ? addImportLines(listen ?? content, [
          `import { metricsHandler } from '${LIBRARY_PACKAGE}';`,
        ])
      : addImports(listen ?? content, listen !== undefined);
  return { kind: 'added', content, closesServer: listen !== undefined };
}

/**
 * `app.listen(...)` as a top-level statement (column 0) becomes `const server = app.listen(...)`
 * and a hook closing it is appended at the end of the file, where `server` is in scope. Only at
 * the top level: inside a function the appended hook could not see the variable.
 */
function closeServerOnShutdown(
  source: string,
  app: string,
  style: RouteStyle,
): string | undefined {
  if (/\bserver\b/.test(source)) return undefined; // the name is taken; do not shadow or clash
  const listen = new RegExp(`^${escapeRegExp(app)}\\.listen\\(`, 'm');
  const match = listen.exec(source);
  if (!match) return undefined;
  const rewritten = `${source.slice(0, match.index)}const server = ${source.slice(match.index)}`;
  const hook = (
    style === 'esm'
      ? [
          '',
          '// On SIGTERM/SIGINT let in-flight requests finish; the telemetry start module flushes on the same signals.',
          "for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => server.close());",
          '',
        ]
      : [
          '',
          '// Let in-flight requests finish (and their spans end) before telemetry is flushed on SIGTERM/SIGINT.',
          'onShutdown(() => new Promise<void>((resolve) => server.close(() => resolve())));',
          '',
        ]
  ).join('\n');
  return `${rewritten.replace(/\s*$/, '\n')}${hook}`;
}

function addImports(source: string, withShutdown: boolean): string {
  const lines = [`import { telemetry } from './${TELEMETRY_MODULE}.js';`];
  if (withShutdown)
    lines.unshift(`import { onShutdown } from './${SHUTDOWN_MODULE}.js';`);
  return addImportLines(source, lines);
}

/** Before the first top-level import, or at the top (after a shebang) when there is none. */
function addImportLines(source: string, lines: readonly string[]): string {
  const block = `${lines.join('\n')}\n`;
  const firstImport = /^import\s/m.exec(source);
  if (firstImport)
    return `${source.slice(0, firstImport.index)}${block}${source.slice(firstImport.index)}`;
  const shebang = /^#!.*\n/.exec(source);
  const at = shebang ? shebang[0].length : 0;
  return `${source.slice(0, at)}${block}\n${source.slice(at)}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What to add by hand when the route could not be added, by framework found in the source. */
export function metricsRouteInstructions(
  source: string,
  appFile: string,
  style: RouteStyle = 'commonjs',
): string {
  const importLine =
    style === 'esm'
      ? `import { metricsHandler } from '${LIBRARY_PACKAGE}';`
      : `import { telemetry } from './${TELEMETRY_MODULE}.js';`;
  const handler =
    style === 'esm' ? 'metricsHandler' : 'telemetry.metricsHandler';
  if (/from\s+['"]fastify['"]/.test(source)) {
    return [
      `Serve /metrics from your Fastify server (${appFile}):`,
      `  ${importLine}`,
      `  server.get('/metrics', (req, reply) => { reply.hijack(); ${handler}(req.raw, reply.raw); });`,
    ].join('\n');
  }
  if (/from\s+['"]koa['"]/.test(source)) {
    return [
      `Serve /metrics from your Koa app (${appFile}), before other middleware:`,
      `  ${importLine}`,
      `  app.use(async (ctx, next) => { if (ctx.path !== '/metrics') return next(); ctx.respond = false; ${handler}(ctx.req, ctx.res); });`,
    ].join('\n');
  }
  if (usesExpress(source)) {
    return [
      `Add the route where your Express app is created (${appFile}):`,
      `  ${importLine}`,
      `  app.get('/metrics', (req, res) => ${handler}(req, res));`,
    ].join('\n');
  }
  return [
    `No HTTP framework found in ${appFile}. Serve ${handler}(req, res) on GET /metrics of`,
    `the app's HTTP server, e.g. with node:http:`,
    `  ${importLine}`,
    `  createServer((req, res) => req.url === '/metrics' ? ${handler}(req, res) : yourHandler(req, res));`,
  ].join('\n');
}
