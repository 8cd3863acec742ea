import { addKoaMetricsRoute } from './koa';

/** main.ts of `nx g @nx/node:app --framework=koa` (Nx 23). */
const NX_TEMPLATE = `import koa from 'koa';

const host = process.env.HOST ?? 'localhost';
const port = process.env.PORT ? Number(process.env.PORT) : 3000;

const app = new koa();

app.use(async ctx =>{
    ctx.body = { 'message': 'Hello API'};
});

app.listen(port, host, () => {
    console.log(\`[ ready ] http://\${host}:\${port}\`);
});
`;

describe('addKoaMetricsRoute', () => {
  it('puts the scrape middleware first, names the server and closes it on shutdown', () => {
    const edit = addKoaMetricsRoute(NX_TEMPLATE);
    if (edit.kind !== 'added') throw new Error(edit.kind);
    expect(edit.closesServer).toBe(true);
    const newLines = edit.content
      .split('\n')
      .filter((line) => !NX_TEMPLATE.split('\n').includes(line));
    expect(newLines).toEqual([
      "import { onShutdown } from './shutdown.js';",
      "import { telemetry } from './telemetry.js';",
      '// Prometheus scrape endpoint (@otel-dice/telemetry), ahead of the other middleware; the library records no span for it.',
      'app.use(async (ctx, next) => {',
      "  if (ctx.path === '/metrics') {",
      '    ctx.respond = false;',
      '    telemetry.metricsHandler(ctx.req, ctx.res);',
      '  } else {',
      '    await next();',
      '  }',
      'const server = app.listen(port, host, () => {',
      '// Let in-flight requests finish (and their spans end) before telemetry is flushed on SIGTERM/SIGINT.',
      'onShutdown(() => new Promise<void>((resolve) => server.close(() => resolve())));',
    ]);
    expect(edit.content.indexOf("ctx.path === '/metrics'")).toBeLessThan(
      edit.content.indexOf("ctx.body = { 'message'"),
    );
  });

  it('uses the library handler in an ES module app', () => {
    const edit = addKoaMetricsRoute(NX_TEMPLATE, 'esm');
    if (edit.kind !== 'added') throw new Error(edit.kind);
    expect(edit.content).toContain('    metricsHandler(ctx.req, ctx.res);');
    expect(edit.content).toContain(
      'process.once(signal, () => server.close())',
    );
  });

  it('leaves a source alone that creates the app elsewhere', () => {
    expect(
      addKoaMetricsRoute(
        "import Koa from 'koa';\nexport const app = make(Koa);\n",
      ),
    ).toEqual({ kind: 'not-found' });
  });
});
