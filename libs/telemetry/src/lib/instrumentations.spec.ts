import type { IncomingMessage } from 'node:http';
import { ExpressLayerType } from '@opentelemetry/instrumentation-express';
import {
  createInstrumentations,
  ignoredExpressLayers,
  isIgnoredRequest,
  requestPath,
} from './instrumentations.js';

describe('requestPath / isIgnoredRequest', () => {
  it.each([
    [undefined, '/'],
    ['/metrics', '/metrics'],
    ['/metrics?x=1', '/metrics'],
    ['/rolldice?rolls=2', '/rolldice'],
  ])('%s -> %s', (url, path) => {
    expect(requestPath(url)).toBe(path);
  });

  it('ignores only the listed paths, whatever the query', () => {
    const req = (url: string) => ({ url }) as IncomingMessage;
    expect(
      isIgnoredRequest(req('/healthz?probe=1'), ['/metrics', '/healthz']),
    ).toBe(true);
    expect(isIgnoredRequest(req('/rolldice'), ['/metrics', '/healthz'])).toBe(
      false,
    );
    expect(isIgnoredRequest(req('/metrics/extra'), ['/metrics'])).toBe(false);
  });
});

describe('ignoredExpressLayers', () => {
  it('ignores every layer type by default and keeps the ones asked for', () => {
    expect(ignoredExpressLayers([]).sort()).toEqual(
      [
        ExpressLayerType.MIDDLEWARE,
        ExpressLayerType.REQUEST_HANDLER,
        ExpressLayerType.ROUTER,
      ].sort(),
    );
    expect(ignoredExpressLayers(['request_handler']).sort()).toEqual(
      [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER].sort(),
    );
  });
});

describe('createInstrumentations', () => {
  const names = (env: Record<string, string>) =>
    createInstrumentations({ env }).map((i) => i.instrumentationName);

  it('builds http and express only, by default, with the lean server spans (the rest start on first use)', () => {
    expect(names({})).toEqual([
      '@otel-dice/telemetry/http-server',
      '@opentelemetry/instrumentation-http',
      '@otel-dice/telemetry/express-errors',
      '@otel-dice/telemetry/express-route',
    ]);
  });

  it('uses the upstream instrumentations for everything when asked', () => {
    const upstream = createInstrumentations({
      env: {},
      http: {
        instrumentation: 'upstream',
        redactedQueryParams: [],
        trustIncomingContext: true,
        trustedProxies: [],
      },
    });
    expect(upstream.map((i) => i.instrumentationName)).toEqual([
      '@opentelemetry/instrumentation-http',
      '@otel-dice/telemetry/express-errors',
      '@opentelemetry/instrumentation-express',
    ]);
    for (const instrumentation of upstream) instrumentation.disable();
  });

  it('leaves incoming requests to the lean server spans, and layer spans to upstream Express', () => {
    const [server, client, errors, express] = createInstrumentations({
      env: {},
      expressLayerSpans: ['request_handler'],
    });
    expect(server.instrumentationName).toBe('@otel-dice/telemetry/http-server');
    expect(client.getConfig()).toMatchObject({
      disableIncomingRequestInstrumentation: true,
    });
    expect(express.instrumentationName).toBe(
      '@opentelemetry/instrumentation-express',
    );
    for (const instrumentation of [client, errors, express])
      instrumentation.disable();
  });

  it('follows OTEL_NODE_DISABLED_INSTRUMENTATIONS', () => {
    expect(names({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'express' })).toEqual([
      '@otel-dice/telemetry/http-server',
      '@opentelemetry/instrumentation-http',
    ]);
  });

  it('loads other names given from auto-instrumentations-node at once, never a second http/express', () => {
    // auto-instrumentations-node reads this variable from process.env itself
    const saved = process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS;
    process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS = 'http,express,pg';
    try {
      const loaded = createInstrumentations({
        names: ['http', 'express', 'pg'],
      });
      expect(loaded.map((i) => i.instrumentationName).sort()).toEqual([
        '@opentelemetry/instrumentation-http',
        '@opentelemetry/instrumentation-pg',
        '@otel-dice/telemetry/express-errors',
        '@otel-dice/telemetry/express-route',
        '@otel-dice/telemetry/http-server',
      ]);
      for (const instrumentation of loaded) instrumentation.disable();
    } finally {
      if (saved === undefined)
        delete process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS;
      else process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS = saved;
    }
  });
});
