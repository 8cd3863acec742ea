/**
 * HTTP server spans and the `http.server.request.duration` histogram for `node:http` and
 * `node:https` servers: the server half of `@opentelemetry/instrumentation-http`, with the same
 * span (name, kind, status, stable-semconv attributes, parent from the propagated context) and
 * the same histogram, built so that a request the sampler turns down costs a few microseconds
 * instead of a span's worth.
 *
 * What the upstream instrumentation does for every request, and this one only when the span
 * records: parse the URL (WHATWG), the Host/Forwarded headers and the client address, redact the
 * query, and hand a dozen attributes to the SDK, which validates and copies them before the
 * sampler is even asked. Here the span is started with no attributes, and `isRecording()` decides
 * whether they are built at all (http-server-attributes.ts). The samplers this library
 * configures (always_on/off, traceidratio, parentbased) decide on the trace id and the parent
 * alone, so their answers are the same. What every request still pays: context extraction, the
 * span decision, the request's context, two listeners on the response, and one histogram record.
 *
 * Also different, and cheaper: the route comes from `routeOf(req)` when the response ends (see
 * express-route.ts) unless another instrumentation set the RPC metadata's route, as upstream
 * reads it; the response listeners are shared functions rather than closures; the patch is
 * applied to `http.Server.prototype.emit` and `https.Server.prototype.emit` directly when enabled,
 * so it does not depend on when (or how: `require` or `import`) the app loads `node:http`.
 * Outgoing requests are left to the upstream instrumentation (instrumentations.ts).
 */
import { errorMonitor } from 'node:events';
import {
  Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { Server as HttpsServer } from 'node:https';
import {
  context,
  diag,
  metrics,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  ValueType,
  type Attributes,
  type Context,
  type Histogram,
  type Link,
  type MeterProvider,
  type Span,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import {
  RPCType,
  setRPCMetadata,
  suppressTracing,
  type RPCMetadata,
} from '@opentelemetry/core';
import type {
  Instrumentation,
  InstrumentationConfig,
} from '@opentelemetry/instrumentation';
import {
  ATTR_ERROR_TYPE,
  METRIC_HTTP_SERVER_REQUEST_DURATION,
} from '@opentelemetry/semantic-conventions';
import { recordRequestException, redactMessage } from './exception.js';
import { requestError } from './express-errors.js';
import type { Bindable } from './cells/instruments.js';
import { cellMeterOf } from './cells/registry.js';
import { DurationRecorders } from './http-duration.js';
import type { UntrustedExtractPropagator } from './http-edge.js';
import {
  durationAttributes,
  responseAttributes,
  routeSpanName,
  serverSpanAttributes,
  serverSpanName,
  serverSpanStatus,
  thrownErrorType,
  type EdgeRules,
  type HttpScheme,
} from './http-server-attributes.js';

export const HTTP_SERVER_INSTRUMENTATION_NAME =
  '@otel-dice/telemetry/http-server';
const VERSION = '0.1.0';

/** The upstream instrumentation's buckets for the duration histogram, in seconds. */
export const DURATION_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

export interface HttpServerInstrumentationOptions {
  /** Requests that get no span (e.g. /metrics): handled in a context with tracing suppressed. */
  readonly ignoreIncomingRequest?: (req: IncomingMessage) => boolean;
  /** Query redaction and trusted proxies. */
  readonly edge: EdgeRules;
  /** Set when incoming context is not trusted: the server span links to what the caller sent. */
  readonly untrustedContext?: UntrustedExtractPropagator;
  /** The route of an answered request (e.g. expressRoute), when no RPC metadata names one. */
  readonly routeOf?: (req: IncomingMessage) => string | undefined;
  /**
   * Headers recorded on recording spans, as upstream does (`http.request.header.<name>`,
   * `http.response.header.<name>`, string arrays): the configuration's
   * `instrumentation/development.general.http.server.*_captured_headers`.
   */
  readonly capturedHeaders?: {
    readonly requestHeaders: readonly string[];
    readonly responseHeaders: readonly string[];
  };
}

/** `http.<type>.header.<name>` attributes for the named headers that are present. Pure. */
export function capturedHeaderAttributes(
  type: 'request' | 'response',
  names: readonly string[],
  get: (name: string) => number | string | readonly string[] | undefined,
): Attributes {
  const attributes: Attributes = {};
  for (const name of names) {
    const lower = name.toLowerCase();
    const value = get(lower);
    if (value === undefined) continue;
    attributes[`http.${type}.header.${lower}`] = Array.isArray(value)
      ? [...value]
      : [String(value)];
  }
  return attributes;
}

/** What a response being served needs when it closes; kept on the response itself. */
interface ServerSpanState {
  readonly instrumentation: HttpServerInstrumentation;
  readonly span: Span;
  readonly req: IncomingMessage;
  readonly scheme: HttpScheme;
  readonly rpc: RPCMetadata;
  readonly startedAt: number;
  ended: boolean;
}

const kState = Symbol('otel-dice.http-server.state');
type TrackedResponse = ServerResponse & { [kState]?: ServerSpanState };

type Emit = (
  this: unknown,
  event: string | symbol,
  ...args: unknown[]
) => boolean;

/** A server prototype we patched, and what was there before. */
interface Patch {
  readonly proto: { emit: Emit };
  readonly own: boolean;
  readonly previous: Emit;
  readonly patched: Emit;
  /** Off after disable(): the patch then only passes events on (see disable). */
  readonly state: { active: boolean };
}

export class HttpServerInstrumentation implements Instrumentation {
  readonly instrumentationName = HTTP_SERVER_INSTRUMENTATION_NAME;
  readonly instrumentationVersion = VERSION;
  private tracer: Tracer;
  private duration!: Histogram & Bindable;
  private durations!: DurationRecorders;
  private patches: Patch[] = [];

  constructor(private readonly options: HttpServerInstrumentationOptions) {
    this.tracer = trace.getTracer(HTTP_SERVER_INSTRUMENTATION_NAME, VERSION);
    this.setMeterProvider(metrics.getMeterProvider());
  }

  setTracerProvider(tracerProvider: TracerProvider): void {
    this.tracer = tracerProvider.getTracer(
      HTTP_SERVER_INSTRUMENTATION_NAME,
      VERSION,
    );
  }

  setMeterProvider(meterProvider: MeterProvider): void {
    // The library's meter provider records it in pre-resolved cells (http-duration.ts).
    this.duration = cellMeterOf(
      meterProvider,
      HTTP_SERVER_INSTRUMENTATION_NAME,
      VERSION,
    ).createHistogram(METRIC_HTTP_SERVER_REQUEST_DURATION, {
      description: 'Duration of HTTP server requests.',
      unit: 's',
      valueType: ValueType.DOUBLE,
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
    });
    this.durations = new DurationRecorders(this.duration);
  }

  getConfig(): InstrumentationConfig {
    return { enabled: this.patches.length > 0 };
  }

  setConfig(): void {
    // Configured through the constructor only.
  }

  enable(): void {
    if (this.patches.length > 0) return;
    this.patches = [
      this.patch(HttpServer.prototype as unknown as { emit: Emit }, 'http'),
      this.patch(HttpsServer.prototype as unknown as { emit: Emit }, 'https'),
    ];
  }

  disable(): void {
    for (const {
      proto,
      own,
      previous,
      patched,
      state,
    } of this.patches.reverse()) {
      state.active = false;
      // Only take back what is still ours: someone may have wrapped it since. Then our function
      // stays in their chain, switched off: it passes every event on untouched.
      if (proto.emit !== patched) continue;
      if (own) proto.emit = previous;
      else delete (proto as { emit?: Emit }).emit;
    }
    this.patches = [];
  }

  private patch(proto: { emit: Emit }, scheme: HttpScheme): Patch {
    const own = Object.prototype.hasOwnProperty.call(proto, 'emit');
    const previous = proto.emit;
    const serve = this.serve.bind(this);
    const state = { active: true };
    const patched: Emit = function (this: unknown, event: string | symbol) {
      // eslint-disable-next-line prefer-rest-params
      const args = arguments as unknown as unknown[];
      if (event !== 'request' || !state.active)
        return previous.apply(this, args as never);
      return serve(this, previous, scheme, args);
    };
    proto.emit = patched;
    return { proto, own, previous, patched, state };
  }

  /** A `request` event: the server span around the app's listeners. */
  private serve(
    server: unknown,
    emit: Emit,
    scheme: HttpScheme,
    args: unknown[],
  ): boolean {
    const req = args[1] as IncomingMessage;
    const res = args[2] as TrackedResponse;
    if (this.isIgnored(req)) {
      const suppressed = suppressTracing(context.active());
      context.bind(suppressed, req);
      context.bind(suppressed, res);
      return context.with(suppressed, () => emit.apply(server, args as never));
    }

    const startedAt = performance.now();
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const remote = this.options.untrustedContext?.remoteContextOf(req.headers);
    const links: Link[] | undefined = remote
      ? [{ context: remote }]
      : undefined;
    const span = this.tracer.startSpan(
      serverSpanName(req.method),
      { kind: SpanKind.SERVER, links },
      parent,
    );
    if (span.isRecording()) {
      try {
        span.setAttributes(
          serverSpanAttributes(req, scheme, this.options.edge),
        );
        const captured = this.options.capturedHeaders?.requestHeaders;
        if (captured?.length)
          span.setAttributes(
            capturedHeaderAttributes(
              'request',
              captured,
              (name) => req.headers[name],
            ),
          );
      } catch (error) {
        // Telemetry never takes a request down: the span goes on without its request attributes.
        diag.error(
          'http-server: building the server span attributes failed',
          error,
        );
      }
    }
    const rpc: RPCMetadata = { type: RPCType.HTTP, span };
    const ctx: Context = setRPCMetadata(trace.setSpan(parent, span), rpc);

    res[kState] = {
      instrumentation: this,
      span,
      req,
      scheme,
      rpc,
      startedAt,
      ended: false,
    };
    // Before the response is bound to the context: these need no context, so they are not
    // wrapped in one.
    res.on('close', onResponseClose);
    res.on(errorMonitor, onResponseError);
    context.bind(ctx, req);
    context.bind(ctx, res);
    try {
      return context.with(ctx, () => emit.apply(server, args as never));
    } catch (error) {
      this.endWithError(res[kState] as ServerSpanState, error);
      throw error;
    }
  }

  /** The ignore hook, which must not take the request down if it throws (the request is traced). */
  private isIgnored(req: IncomingMessage): boolean {
    const hook = this.options.ignoreIncomingRequest;
    if (hook === undefined) return false;
    try {
      return hook(req);
    } catch (error) {
      diag.error(
        'http-server: the ignore hook threw; the request is traced',
        error,
      );
      return false;
    }
  }

  /** The response is done (or the connection gone): status, route, end, and the histogram. */
  ended(state: ServerSpanState, res: ServerResponse): void {
    if (state.ended) return;
    state.ended = true;
    const { span, req } = state;
    const statusCode = res.statusCode;
    const route = state.rpc.route ?? this.options.routeOf?.(req);
    if (span.isRecording()) {
      span.setAttributes(responseAttributes(statusCode, route));
      const captured = this.options.capturedHeaders?.responseHeaders;
      if (captured?.length)
        span.setAttributes(
          capturedHeaderAttributes('response', captured, (name) =>
            res.getHeader(name),
          ),
        );
      span.setStatus({ code: serverSpanStatus(statusCode) });
      // Why it failed, when the app's framework handed an error on (express-errors.ts).
      if (statusCode >= 500) {
        const error = requestError(req);
        if (error !== undefined)
          recordRequestException(span, error, this.options.edge.isSensitive);
      }
      const name = routeSpanName(req.method, route);
      if (name !== undefined) span.updateName(name);
    }
    span.end();
    this.durations.record(
      (performance.now() - state.startedAt) / 1000,
      req.method,
      state.scheme,
      req.httpVersion,
      statusCode,
      route,
    );
  }

  /** The response errored, or a request listener threw: the error ends the span. */
  endWithError(state: ServerSpanState, thrown: unknown): void {
    if (state.ended) return;
    state.ended = true;
    const { span, req } = state;
    const error = thrown as Error;
    const type = thrownErrorType(thrown);
    if (type !== undefined) span.setAttribute(ATTR_ERROR_TYPE, type);
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message:
        typeof error?.message === 'string'
          ? redactMessage(error.message, this.options.edge.isSensitive)
          : undefined,
    });
    recordRequestException(span, thrown, this.options.edge.isSensitive);
    span.end();
    this.duration.record(
      (performance.now() - state.startedAt) / 1000,
      durationAttributes(req.method, state.scheme, req.httpVersion, { error }),
    );
  }
}

function onResponseClose(this: TrackedResponse): void {
  const state = this[kState];
  if (state !== undefined) state.instrumentation.ended(state, this);
}

function onResponseError(this: TrackedResponse, error: unknown): void {
  const state = this[kState];
  if (state !== undefined) state.instrumentation.endWithError(state, error);
}
