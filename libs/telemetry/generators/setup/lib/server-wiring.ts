/**
 * GET /metrics and the server's shutdown hook in the app's source, by framework: the edit when
 * the generator can place it, otherwise the lines to add by hand. Pure.
 */
import { addMetricsRoute } from './express';
import { addFastifyMetricsRoute } from './fastify';
import type { Framework } from './framework';
import { addKoaMetricsRoute } from './koa';
import { addNestMetricsRoute } from './nest';
import {
  metricsHandlerCall,
  metricsImport,
  type RouteEdit,
  type RouteStyle,
} from './source-edit';

export function addServerWiring(
  framework: Framework,
  source: string,
  style: RouteStyle,
): RouteEdit {
  switch (framework) {
    case 'express':
      return addMetricsRoute(source, style);
    case 'fastify':
      return addFastifyMetricsRoute(source, style);
    case 'koa':
      return addKoaMetricsRoute(source, style);
    case 'nest':
      return addNestMetricsRoute(source, style);
    case 'node':
      return { kind: 'not-found' };
  }
}

/** What to add by hand when the route could not be added. */
export function metricsRouteInstructions(
  framework: Framework,
  appFile: string,
  style: RouteStyle = 'commonjs',
): string {
  const importLine = `  ${metricsImport(style)}`;
  const handler = metricsHandlerCall(style);
  switch (framework) {
    case 'fastify':
      return [
        `Serve /metrics from your Fastify server (${appFile}):`,
        importLine,
        `  server.get('/metrics', (request, reply) => { reply.hijack(); ${handler}(request.raw, reply.raw); });`,
      ].join('\n');
    case 'koa':
      return [
        `Serve /metrics from your Koa app (${appFile}), before other middleware:`,
        importLine,
        `  app.use(async (ctx, next) => { if (ctx.path !== '/metrics') return next(); ctx.respond = false; ${handler}(ctx.req, ctx.res); });`,
      ].join('\n');
    case 'nest':
      return [
        `Serve /metrics from your Nest app (${appFile}), after NestFactory.create():`,
        importLine,
        `  app.getHttpAdapter().get('/metrics', (req, res) => ${handler}(req, res));`,
      ].join('\n');
    case 'express':
      return [
        `Add the route where your Express app is created (${appFile}):`,
        importLine,
        `  app.get('/metrics', (req, res) => ${handler}(req, res));`,
      ].join('\n');
    case 'node':
      return [
        `No HTTP framework found in ${appFile}. Serve ${handler}(req, res) on GET /metrics of`,
        `the app's HTTP server, e.g. with node:http:`,
        importLine,
        `  createServer((req, res) => req.url === '/metrics' ? ${handler}(req, res) : yourHandler(req, res));`,
      ].join('\n');
  }
}
