import type { IncomingMessage } from 'node:http';
import {
  ExpressErrorInstrumentation,
  noteRequestError,
  requestError,
  wrapFinalHandler,
} from './express-errors.js';

const request = () => ({}) as IncomingMessage;

describe('the error a request fails with', () => {
  it('is noted, except for Express’s skip signals', () => {
    const req = request();
    noteRequestError(req, 'route');
    noteRequestError(req, 'router');
    noteRequestError(req, undefined);
    expect(requestError(req)).toBeUndefined();
    const error = new Error('x');
    noteRequestError(req, error);
    expect(requestError(req)).toBe(error);
  });

  it('is noted by the final handler’s callback, which still runs', () => {
    const seen: unknown[] = [];
    const finalhandler =
      (req: unknown, res: unknown, options?: unknown) => (error?: unknown) => {
        seen.push([req, res, options, error]);
      };
    const wrapped = wrapFinalHandler(finalhandler);
    const req = request();
    const error = new Error('no handler answered');
    wrapped(req, 'res', { env: 'production' })(error);
    expect(requestError(req)).toBe(error);
    expect(seen).toEqual([[req, 'res', { env: 'production' }, error]]);
    expect(wrapFinalHandler(wrapped)).toBe(wrapped);
  });

  it('is noted when Express 4 and 5 pass it along their layers', () => {
    const instrumentation = new ExpressErrorInstrumentation();
    instrumentation.disable();
    const definitions = (
      instrumentation as unknown as {
        _modules: Array<{
          name: string;
          files: Array<{
            name: string;
            patch: (e: unknown) => unknown;
            unpatch: (e: unknown) => void;
          }>;
        }>;
      }
    )._modules;
    for (const [module, file, method] of [
      ['express', 'express/lib/router/layer.js', 'handle_error'],
      ['router', 'router/lib/layer.js', 'handleError'],
    ] as const) {
      const definition = definitions.find((d) => d.name === module);
      const patcher = definition?.files.find((f) => f.name === file);
      const calls: unknown[] = [];
      const Layer = class Layer {} as unknown as {
        prototype: Record<string, unknown>;
      };
      Layer.prototype[method] = function (
        error: unknown,
        req: unknown,
        res: unknown,
        next: unknown,
      ) {
        calls.push([error, req, res, next]);
      };
      patcher?.patch(Layer);
      const req = request();
      const error = new Error(`${module} failed`);
      (Layer.prototype[method] as (...a: unknown[]) => void).call(
        {},
        error,
        req,
        'res',
        'next',
      );
      expect(requestError(req)).toBe(error);
      expect(calls).toEqual([[error, req, 'res', 'next']]);
      patcher?.unpatch(Layer);
    }
  });
});
