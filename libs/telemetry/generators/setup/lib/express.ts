/**
 * GET /metrics (and, where it is safe, a server-close shutdown hook) in an Express app's source:
 * the shape `nx g @nx/node:app --framework=express` writes. Pure. Express routes name the server
 * spans without help: the library's own instrumentation tracks them.
 */
import {
  addImportLines,
  appendBlock,
  closeOnShutdown,
  escapeRegExp,
  metricsComment,
  metricsHandlerCall,
  metricsImport,
  servesMetrics,
  shutdownImport,
  type RouteEdit,
  type RouteStyle,
} from './source-edit';

/** `const app = express();` on its own line, at any indentation; group 1 indent, 2 the name. */
const APP_VARIABLE =
  /^([ \t]*)(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*express\(\s*\)\s*;?[ \t]*$/m;

export function addMetricsRoute(
  source: string,
  style: RouteStyle = 'commonjs',
): RouteEdit {
  if (servesMetrics(source)) return { kind: 'already-present' };
  const match = APP_VARIABLE.exec(source);
  if (!match) return { kind: 'not-found' };

  const [line, indent, app] = match;
  const route = [
    `${indent}${metricsComment(style)}`,
    `${indent}${app}.get('/metrics', (req, res) => ${metricsHandlerCall(style)}(req, res));`,
  ];
  const lineEnd = match.index + line.length;
  let content = `${source.slice(0, lineEnd)}\n${route.join('\n')}${source.slice(lineEnd)}`;

  const listen = nameListeningServer(content, app, style);
  const imports = [metricsImport(style)];
  if (listen !== undefined && style === 'commonjs')
    imports.unshift(shutdownImport());
  content = addImportLines(listen ?? content, imports);
  return { kind: 'added', content, closesServer: listen !== undefined };
}

/**
 * `app.listen(...)` as a top-level statement (column 0) becomes `const server = app.listen(...)`
 * and a hook closing it is appended at the end of the file, where `server` is in scope. Only at
 * the top level: inside a function the appended hook could not see the variable. Shared by the
 * frameworks whose `listen` returns a node:http server (Express, Koa).
 */
export function nameListeningServer(
  source: string,
  app: string,
  style: RouteStyle,
): string | undefined {
  if (/\bserver\b/.test(source)) return undefined; // the name is taken; do not shadow or clash
  const listen = new RegExp(`^${escapeRegExp(app)}\\.listen\\(`, 'm');
  const match = listen.exec(source);
  if (!match) return undefined;
  const rewritten = `${source.slice(0, match.index)}const server = ${source.slice(match.index)}`;
  const close =
    style === 'esm'
      ? 'server.close()'
      : 'new Promise<void>((resolve) => server.close(() => resolve()))';
  return appendBlock(rewritten, closeOnShutdown(style, close));
}
