/**
 * NestJS on Express (Nest's default platform): GET /metrics and closing the app on shutdown, for
 * the shape `nx g @nx/node:app --framework=nest` writes (`const app = await NestFactory.create(
 * AppModule)` inside `bootstrap()`). Pure.
 *
 * Nest registers its controllers' routes on the Express app it runs on, so the library's Express
 * route tracking names the server spans (`GET /api`, `http.route`) without anything added here.
 * The route is added on the HTTP adapter, outside Nest's global prefix and guards, where a
 * scraper expects it.
 */
import {
  addImportLines,
  endOfCallStatement,
  insertLinesAfter,
  metricsComment,
  metricsHandlerCall,
  metricsImport,
  servesMetrics,
  shutdownImport,
  type RouteEdit,
  type RouteStyle,
} from './source-edit';

/** `const app = await NestFactory.create(...)`; group 1 indent, 2 the app's name. */
const APP_CREATION =
  /^([ \t]*)(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*await\s+NestFactory\.create(?:<[^>]*>)?\s*\(/m;

export function addNestMetricsRoute(
  source: string,
  style: RouteStyle = 'commonjs',
): RouteEdit {
  if (servesMetrics(source)) return { kind: 'already-present' };
  const match = APP_CREATION.exec(source);
  const at =
    match === null
      ? undefined
      : endOfCallStatement(source, match.index + match[0].length - 1);
  if (match === null || at === undefined) return { kind: 'not-found' };

  const indent = match[1] ?? '';
  const app = match[2] ?? 'app';
  // The app lives inside bootstrap(): the hook is registered there, right after it is created.
  const lines = [
    metricsComment(style, ", outside Nest's routing and global prefix"),
    `${app}.getHttpAdapter().get('/metrics', (req, res) => ${metricsHandlerCall(style)}(req, res));`,
    '',
    style === 'esm'
      ? '// On SIGTERM/SIGINT let in-flight requests finish; the telemetry start module flushes on the same signals.'
      : '// Let in-flight requests finish (and their spans end) before telemetry is flushed on SIGTERM/SIGINT.',
    style === 'esm'
      ? `for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void ${app}.close());`
      : `onShutdown(() => ${app}.close());`,
  ];
  const content = insertLinesAfter(source, at, indent, lines);
  const imports = [metricsImport(style)];
  if (style === 'commonjs') imports.unshift(shutdownImport());
  return {
    kind: 'added',
    content: addImportLines(content, imports),
    closesServer: true,
  };
}
