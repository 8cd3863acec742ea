import type { IncomingMessage } from 'node:http';
import { ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { resolveTelemetryConfig } from './config/resolve.js';
import {
  createInstrumentations,
  httpEdgeHooks,
  httpRules,
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

describe('httpEdgeHooks (TELEMETRY_HTTP_INSTRUMENTATION=upstream)', () => {
  const hook = (trustedProxies: string[]) =>
    httpEdgeHooks(
      httpRules(
        resolveTelemetryConfig({
          env: {
            TELEMETRY_HTTP_INSTRUMENTATION: 'upstream',
            TELEMETRY_HTTP_TRUSTED_PROXIES: trustedProxies.join(','),
          },
          defaultServiceName: 'svc',
        }),
      ),
    ).startIncomingSpanHook as (
      req: IncomingMessage,
    ) => Record<string, unknown>;
  const req = (peer: string) =>
    ({
      url: '/rolldice?rolls=1&myPassword=x&otp=1',
      headers: {
        host: 'dice.internal:5000',
        'x-forwarded-host': 'evil.example:notaport',
        forwarded: 'host=evil.example',
      },
      socket: { remoteAddress: peer },
    }) as unknown as IncomingMessage;

  it('overrides server.address/server.port with Host for an untrusted peer', () => {
    expect(hook([])(req('192.0.2.7'))).toMatchObject({
      'server.address': 'dice.internal',
      'server.port': 5000,
      'url.query': 'rolls=1&myPassword=REDACTED&otp=REDACTED',
    });
  });

  it('believes a trusted proxy, and removes a port that is not one', () => {
    const attributes = hook(['10.0.0.0/8'])(req('10.0.0.2'));
    expect(attributes['server.address']).toBe('evil.example');
    // present and undefined: it replaces the instrumentation's NaN, and the SDK drops it
    expect('server.port' in attributes).toBe(true);
    expect(attributes['server.port']).toBeUndefined();
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
  const config = (env: Record<string, string>) =>
    resolveTelemetryConfig({ env, defaultServiceName: 'svc' });
  const names = (env: Record<string, string>) =>
    createInstrumentations(config(env)).map((i) => i.instrumentationName);

  it('builds http and express only, by default, with the lean server spans (the rest start on first use)', () => {
    expect(names({})).toEqual([
      '@otel-dice/telemetry/http-server',
      '@opentelemetry/instrumentation-http',
      '@otel-dice/telemetry/express-errors',
      '@otel-dice/telemetry/express-route',
    ]);
  });

  it('uses the upstream instrumentations for everything when asked', () => {
    const upstream = createInstrumentations(
      config({ TELEMETRY_HTTP_INSTRUMENTATION: 'upstream' }),
    );
    expect(upstream.map((i) => i.instrumentationName)).toEqual([
      '@opentelemetry/instrumentation-http',
      '@otel-dice/telemetry/express-errors',
      '@opentelemetry/instrumentation-express',
    ]);
    for (const instrumentation of upstream) instrumentation.disable();
  });

  it('leaves incoming requests to the lean server spans, and layer spans to upstream Express', () => {
    const [server, client, errors, express] = createInstrumentations(
      config({}),
      {
        expressLayerSpans: ['request_handler'],
      },
    );
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

  it('builds none of the others: they start when the app loads what they patch', () => {
    const loaded = createInstrumentations(
      config({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,express,pg' }),
    );
    expect(loaded.map((i) => i.instrumentationName).sort()).toEqual([
      '@opentelemetry/instrumentation-http',
      '@otel-dice/telemetry/express-errors',
      '@otel-dice/telemetry/express-route',
      '@otel-dice/telemetry/http-server',
    ]);
    for (const instrumentation of loaded) instrumentation.disable();
  });

  it('refuses a name auto-instrumentations-node does not provide, naming the near miss', () => {
    expect(() =>
      createInstrumentations(
        config({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,ioredi' }),
      ),
    ).toThrow(/"ioredi" \(did you mean ioredis\?\) is not an instrumentation/);
  });

  it('captures the HTTP headers instrumentation/development names, on both paths', () => {
    const overrides = {
      'instrumentation/development': {
        general: {
          http: {
            server: { request_captured_headers: ['X-Request-Id'] },
            client: { response_captured_headers: ['Content-Type'] },
          },
        },
      },
    };
    const upstream = createInstrumentations(
      resolveTelemetryConfig({
        env: { TELEMETRY_HTTP_INSTRUMENTATION: 'upstream' },
        defaultServiceName: 'svc',
        overrides,
      }),
    );
    expect(upstream[0].getConfig()).toMatchObject({
      headersToSpanAttributes: {
        server: { requestHeaders: ['X-Request-Id'], responseHeaders: [] },
        client: { requestHeaders: [], responseHeaders: ['Content-Type'] },
      },
    });
    for (const instrumentation of upstream) instrumentation.disable();
  });
});
