/**
 * `http.server.request.duration` recorded through cells found by the request's own values —
 * method, scheme, protocol version, status code, route — in nested Maps, so an answered request
 * builds no attributes object and hashes none: the attributes (http-server-attributes.ts'
 * durationAttributes) are built once per combination, when its cell is bound. Requests that end
 * with an error take the histogram's ordinary path (rare, and their attributes carry the error).
 */
import type { Histogram } from '@opentelemetry/api';
import type { Bindable, Recorder } from './cells/instruments.js';
import {
  durationAttributes,
  type HttpScheme,
} from './http-server-attributes.js';

/** Combinations kept; beyond them a request records through the histogram's own lookup. */
const MAX_COMBINATIONS = 1024;

type Level<T> = Map<unknown, T>;

export class DurationRecorders {
  private readonly root: Level<Level<Level<Level<Level<Recorder>>>>> =
    new Map();
  private size = 0;

  constructor(private readonly histogram: Histogram & Bindable) {}

  record(
    seconds: number,
    method: string | undefined,
    scheme: HttpScheme,
    httpVersion: string | undefined,
    statusCode: number,
    route: string | undefined,
  ): void {
    const byScheme = step(this.root, method);
    const byVersion = step(byScheme, scheme);
    const byStatus = step(byVersion, httpVersion);
    const byRoute = step(byStatus, statusCode);
    let recorder = byRoute.get(route);
    if (recorder === undefined) {
      const attributes = durationAttributes(method, scheme, httpVersion, {
        statusCode,
        route,
      });
      if (this.size >= MAX_COMBINATIONS) {
        this.histogram.record(seconds, attributes);
        return;
      }
      recorder = this.histogram.bind(attributes);
      byRoute.set(route, recorder);
      this.size++;
    }
    // The histogram instrument's check (a duration is never negative, but a clock can step).
    if (seconds >= 0) recorder.record(seconds);
  }
}

function step<T>(level: Level<Level<T>>, key: unknown): Level<T> {
  let next = level.get(key);
  if (next === undefined) {
    next = new Map();
    level.set(key, next);
  }
  return next;
}
