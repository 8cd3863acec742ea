/**
 * Koa: GET /metrics and closing the server on shutdown, for the shape
 * `nx g @nx/node:app --framework=koa` writes (`const app = new Koa()`, middleware, `app.listen`).
 * Pure.
 *
 * Route names: Koa itself has no routes; a router (@koa/router) does, and
 * @opentelemetry/instrumentation-koa writes its matched route into the server span. That
 * instrumentation comes from @opentelemetry/auto-instrumentations-node, which the library loads
 * by name (`koaRouteNote`), not from code the generator writes.
 */
import { nameListeningServer } from './express';
import {
  addImportLines,
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

export function addKoaMetricsRoute(
  source: string,
  style: RouteStyle = 'commonjs',
): RouteEdit {
  if (servesMetrics(source)) return { kind: 'already-present' };
  const koa = importedName(source, 'koa') ?? 'Koa';
  const match = new RegExp(
    `^([ \\t]*)(?:const|let|var)\\s+([A-Za-z_$][\\w$]*)\\s*=\\s*new\\s+${koa}\\s*\\(`,
    'm',
  ).exec(source);
  const at =
    match === null
      ? undefined
      : endOfCallStatement(source, match.index + match[0].length - 1);
  if (match === null || at === undefined) return { kind: 'not-found' };

  const indent = match[1] ?? '';
  const app = match[2] ?? 'app';
  // First in the chain, so no other middleware (or its span) runs for a scrape.
  let content = insertLinesAfter(source, at, indent, [
    metricsComment(style, ', ahead of the other middleware'),
    `${app}.use(async (ctx, next) => {`,
    "  if (ctx.path === '/metrics') {",
    '    ctx.respond = false;',
    `    ${metricsHandlerCall(style)}(ctx.req, ctx.res);`,
    '  } else {',
    '    await next();',
    '  }',
    '});',
  ]);
  const listen = nameListeningServer(content, app, style);
  const imports = [metricsImport(style)];
  if (listen !== undefined && style === 'commonjs')
    imports.unshift(shutdownImport());
  content = addImportLines(listen ?? content, imports);
  return { kind: 'added', content, closesServer: listen !== undefined };
}

/**
 * Route names of a Koa router come from @opentelemetry/instrumentation-koa, which the library
 * does not load by default today: this says how to switch it on.
 */
export function koaRouteNote(): string {
  return 'Koa routes (@koa/router) name the server spans once the Koa instrumentation runs: add koa to OTEL_NODE_ENABLED_INSTRUMENTATIONS (e.g. http,express,koa) where the app is started.';
}
