/**
 * The Express application: routes and their HTTP contract. No listening, no process concerns.
 *
 * Errors are JSON everywhere except the seed's plain-text single roll; no response ever carries
 * a stack trace (unexpected errors go to the access log, see logging.ts).
 */
import type { Counter } from '@opentelemetry/api';
import type { Telemetry } from '@otel-dice/telemetry';
import express, {
  type ErrorRequestHandler,
  type Express,
  type RequestHandler,
} from 'express';
import {
  createDice,
  createRollCounter,
  isValidFace,
  type Dice,
  type DiceFault,
  type RandomInt,
} from './dice.js';
import { attachErrorToRequestLog } from './logging.js';
import { checkQueryLength, parseRolls } from './validation.js';

/** The part of @otel-dice/telemetry the routes use; tests can supply just this. */
export type AppTelemetry = Pick<
  Telemetry,
  'tracer' | 'meter' | 'requestCounter' | 'metricsHandler'
>;

export interface AppDeps {
  readonly telemetry: AppTelemetry;
  readonly diceFault: DiceFault;
  /** Random source for the dice; tests inject one to force a face. */
  readonly random?: RandomInt;
}

/** Text of the seed's failure response, kept verbatim. */
export const ROLL_FAILURE_MESSAGE = 'something went wrong!';

export function createApp({ telemetry, diceFault, random }: AppDeps): Express {
  const dice = createDice({
    tracer: telemetry.tracer,
    rollCounter: createRollCounter(telemetry.meter),
    fault: diceFault,
    random,
  });

  const app = express();
  app.disable('x-powered-by');
  // A roll is random: an ETag would let a client's If-None-Match turn a fresh roll into a 304.
  app.set('etag', false);
  // Express 5's default, set explicitly because validation.ts relies on its shapes
  // (string | string[] | undefined, no nested objects).
  app.set('query parser', 'simple');
  // Exact routes: `/Metrics` or `/metrics/` answering like `/metrics` would let a request slip
  // past a proxy rule written for the exact path.
  app.set('case sensitive routing', true);
  app.set('strict routing', true);

  app.get('/rolldice', rollDiceHandler(dice, telemetry.requestCounter));
  app.get('/metrics', (req, res) => telemetry.metricsHandler(req, res));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}

function rollDiceHandler(dice: Dice, requestCounter: Counter): RequestHandler {
  return (req, res) => {
    requestCounter.add(1);
    res.set('Cache-Control', 'no-store');

    const tooLong = checkQueryLength(req.url);
    if (tooLong !== undefined) {
      res.status(400).json(tooLong);
      return;
    }
    const request = parseRolls(req.query['rolls']);
    if (request.kind === 'invalid') {
      res.status(400).json(request.error);
      return;
    }

    const results =
      request.kind === 'multiple'
        ? dice.rollMany(request.count)
        : [dice.roll()];
    dice.doImportantJob();
    const allValid = results.every(isValidFace);

    if (request.kind === 'single') {
      // The seed's contract: the face as plain text, or 500 with a fixed message.
      res
        .status(allValid ? 200 : 500)
        .type('text/plain')
        .send(allValid ? String(results[0]) : ROLL_FAILURE_MESSAGE);
    } else if (allValid) {
      res.json(results);
    } else {
      res
        .status(500)
        .json({ error: 'roll_out_of_range', message: ROLL_FAILURE_MESSAGE });
    }
  };
}

const notFoundHandler: RequestHandler = (_req, res) => {
  res.status(404).json({ error: 'not_found', message: 'no such route' });
};

/**
 * Last-resort handler. Client errors raised by Express itself (e.g. a malformed percent-encoding,
 * which carries `status: 400` and `expose: true`) keep their status; anything else is a 500.
 */
const errorHandler: ErrorRequestHandler = (error: unknown, _req, res, next) => {
  if (res.headersSent) {
    // Too late for a clean error response; Express's default handler closes the connection.
    next(error);
    return;
  }
  const status = clientErrorStatus(error);
  if (status !== undefined) {
    res
      .status(status)
      .json({ error: 'bad_request', message: 'malformed request' });
    return;
  }
  attachErrorToRequestLog(res, error);
  res
    .status(500)
    .json({ error: 'internal_error', message: 'internal server error' });
};

function clientErrorStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, expose } = error as { status?: unknown; expose?: unknown };
  if (expose !== true || typeof status !== 'number') return undefined;
  return status >= 400 && status < 500 ? status : undefined;
}
