/**
 * The error that ended an Express request, kept on the request so the server span can record
 * it when the response is a 5xx (exception.ts).
 *
 * Express turns all four ways a handler fails into one: a throw, `next(err)`, a rejected promise
 * (Express 5 itself; Express 4 through the usual async wrapper that calls `next(err)`) and a
 * failed database call all hand an error to the router, which passes it along the remaining
 * layers — calling each layer's error entry point (`Layer#handle_error` in Express 4,
 * `Layer#handleError` in the `router` package of Express 5) — to an error-handling middleware,
 * or, when none answers, to the final handler (the `finalhandler` package) that sends the 500.
 * Those two places are patched here, once each when the module loads; a request pays only when
 * it fails, plus one closure for the final handler Express creates for every request anyway.
 *
 * The error is noted whatever the status turns out to be; the server span decides (a 404 from
 * an error handler is not a failure of the request).
 */
import type { IncomingMessage } from 'node:http';
import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
  isWrapped,
} from '@opentelemetry/instrumentation';

const kError = Symbol.for('@otel-dice/telemetry.request-error');

type WithError = IncomingMessage & { [kError]?: unknown };

/** Notes the error a request is failing with; `route`/`router` are Express's skip signals. */
export function noteRequestError(req: unknown, error: unknown): void {
  if (
    error === undefined ||
    error === null ||
    error === 'route' ||
    error === 'router' ||
    typeof req !== 'object' ||
    req === null
  )
    return;
  (req as WithError)[kError] = error;
}

/** The error noted for `req`, if any. */
export function requestError(req: IncomingMessage): unknown {
  return (req as WithError)[kError];
}

type ErrorEntry = (
  this: unknown,
  error: unknown,
  req: unknown,
  res: unknown,
  next: unknown,
) => unknown;

interface LayerPrototype {
  handle_error: ErrorEntry;
  handleError: ErrorEntry;
}

type FinalHandler = (
  req: unknown,
  res: unknown,
  options?: unknown,
) => (error?: unknown) => void;

export const EXPRESS_ERRORS_INSTRUMENTATION_NAME =
  '@otel-dice/telemetry/express-errors';

/** Patches the two places a failing Express request's error passes (see the file comment). */
export class ExpressErrorInstrumentation extends InstrumentationBase {
  constructor() {
    super(EXPRESS_ERRORS_INSTRUMENTATION_NAME, '0.1.0', {});
  }

  protected init() {
    const layer = (method: 'handle_error' | 'handleError') => ({
      patch: (exports: { prototype?: Partial<LayerPrototype> }) => {
        const proto = exports?.prototype as LayerPrototype | undefined;
        if (proto === undefined || typeof proto[method] !== 'function')
          return exports;
        if (isWrapped(proto[method])) this._unwrap(proto, method);
        this._wrap(
          proto,
          method,
          (original: ErrorEntry) =>
            function (this: unknown, error, req) {
              noteRequestError(req, error);
              // eslint-disable-next-line prefer-rest-params
              return original.apply(this, arguments as never);
            },
        );
        return exports;
      },
      unpatch: (exports?: { prototype?: Partial<LayerPrototype> }) => {
        if (exports?.prototype)
          this._unwrap(exports.prototype as LayerPrototype, method);
      },
    });
    const express4 = layer('handle_error');
    const router2 = layer('handleError');
    return [
      // Express 4 routes with its own router.
      new InstrumentationNodeModuleDefinition(
        'express',
        ['>=4.0.0 <5'],
        undefined,
        undefined,
        [
          new InstrumentationNodeModuleFile(
            'express/lib/router/layer.js',
            ['>=4.0.0 <5'],
            express4.patch,
            express4.unpatch,
          ),
        ],
      ),
      // Express 5 routes with the router package.
      new InstrumentationNodeModuleDefinition(
        'router',
        ['>=2.0.0 <3'],
        undefined,
        undefined,
        [
          new InstrumentationNodeModuleFile(
            'router/lib/layer.js',
            ['>=2.0.0 <3'],
            router2.patch,
            router2.unpatch,
          ),
        ],
      ),
      // What both fall back to when no error middleware answers.
      new InstrumentationNodeModuleDefinition(
        'finalhandler',
        ['>=1.0.0 <3'],
        (exports: FinalHandler) => wrapFinalHandler(exports),
        // The wrapper is what the requiring module holds; nothing to take back from the export.
        () => undefined,
      ),
    ];
  }
}

const kOriginal = Symbol('otel-dice.finalhandler.original');

/** `finalhandler(req, res, options)` whose returned callback notes the error it is given. */
export function wrapFinalHandler(original: FinalHandler): FinalHandler {
  if (typeof original !== 'function') return original;
  if ((original as { [kOriginal]?: FinalHandler })[kOriginal]) return original;
  const wrapped = function (
    this: unknown,
    req: unknown,
    res: unknown,
    options?: unknown,
  ) {
    const done = original.call(this, req, res, options);
    return function (this: unknown, error?: unknown) {
      noteRequestError(req, error);
      // eslint-disable-next-line prefer-rest-params
      return done.apply(this, arguments as never);
    };
  } as FinalHandler;
  Object.assign(wrapped, original);
  (wrapped as { [kOriginal]?: FinalHandler })[kOriginal] = original;
  return wrapped;
}
