import { metricsRouteInstructions } from './server-wiring';

describe('metricsRouteInstructions', () => {
  it.each([
    [
      'fastify',
      'reply.hijack(); telemetry.metricsHandler(request.raw, reply.raw)',
    ],
    ['koa', 'ctx.respond = false; telemetry.metricsHandler(ctx.req, ctx.res)'],
    [
      'nest',
      "app.getHttpAdapter().get('/metrics', (req, res) => telemetry.metricsHandler(req, res))",
    ],
    [
      'express',
      "app.get('/metrics', (req, res) => telemetry.metricsHandler(req, res))",
    ],
    ['node', 'No HTTP framework found in src/app.ts'],
  ] as const)('for %s', (framework, expected) => {
    expect(metricsRouteInstructions(framework, 'src/app.ts')).toContain(
      expected,
    );
  });

  it('uses the library handler in an ES module app', () => {
    expect(metricsRouteInstructions('express', 'src/main.ts', 'esm')).toContain(
      "import { metricsHandler } from '@otel-dice/telemetry';",
    );
  });
});
