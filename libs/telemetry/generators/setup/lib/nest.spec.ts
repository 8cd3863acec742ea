import { addNestMetricsRoute } from './nest';

/** main.ts of `nx g @nx/node:app --framework=nest` (@nx/nest 23). */
const NX_TEMPLATE = `/**
 * This is not a production server yet!
 * This is only a minimal backend to get started.
 */

import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app/app.module';

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  const globalPrefix = 'api';
  app.setGlobalPrefix(globalPrefix);
  const port = process.env.PORT || 3000;
  await app.listen(port);
  Logger.log(\`🚀 Application is running on: http://localhost:\${port}/\${globalPrefix}\`);
}

bootstrap();
`;

describe('addNestMetricsRoute', () => {
  it('serves /metrics on the HTTP adapter and closes the app on shutdown, inside bootstrap()', () => {
    const edit = addNestMetricsRoute(NX_TEMPLATE);
    if (edit.kind !== 'added') throw new Error(edit.kind);
    expect(edit.closesServer).toBe(true);
    expect(edit.content).toContain(
      [
        '  const app = await NestFactory.create(AppModule);',
        "  // Prometheus scrape endpoint (@otel-dice/telemetry), outside Nest's routing and global prefix; the library records no span for it.",
        "  app.getHttpAdapter().get('/metrics', (req, res) => telemetry.metricsHandler(req, res));",
        '',
        '  // Let in-flight requests finish (and their spans end) before telemetry is flushed on SIGTERM/SIGINT.',
        '  onShutdown(() => app.close());',
        "  const globalPrefix = 'api';",
      ].join('\n'),
    );
    expect(edit.content).toContain(
      "import { onShutdown } from './shutdown.js';\nimport { telemetry } from './telemetry.js';\nimport { Logger } from '@nestjs/common';",
    );
  });

  it('leaves a source alone without NestFactory.create', () => {
    expect(
      addNestMetricsRoute("import { NestFactory } from '@nestjs/core';\n"),
    ).toEqual({
      kind: 'not-found',
    });
  });
});
