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

  it('switches on http and express only, by default', () => {
    expect(names({})).toEqual([
      '@opentelemetry/instrumentation-http',
      '@opentelemetry/instrumentation-express',
    ]);
  });

  it('follows OTEL_NODE_DISABLED_INSTRUMENTATIONS', () => {
    expect(names({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'express' })).toEqual([
      '@opentelemetry/instrumentation-http',
    ]);
  });

  it('loads others from auto-instrumentations-node on demand, never a second http/express', () => {
    // auto-instrumentations-node reads this variable from process.env itself
    const saved = process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS;
    process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS = 'http,express,pg';
    try {
      const loaded = createInstrumentations({ env: process.env });
      expect(loaded.map((i) => i.instrumentationName).sort()).toEqual([
        '@opentelemetry/instrumentation-express',
        '@opentelemetry/instrumentation-http',
        '@opentelemetry/instrumentation-pg',
      ]);
      for (const instrumentation of loaded) instrumentation.disable();
    } finally {
      if (saved === undefined)
        delete process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS;
      else process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS = saved;
    }
  });
});
