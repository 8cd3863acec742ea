/**
 * Protection of a `node:http` server against clients that send requests but do not read the
 * answers — what Node's own timeouts leave open.
 *
 * `headersTimeout` and `requestTimeout` stop once a request has arrived, `keepAliveTimeout` only
 * runs on an idle connection, and Node parses every request a read brings in (up to 64 KiB, some
 * 1,600 small pipelined GETs) and hands each to the app at once: their responses are rendered
 * and queued in memory behind the one the client is not reading. One socket with 1,800 pipelined
 * `GET /metrics` took dice-api from 93 to 692 MiB, three of them past its memory limit, and the
 * sockets stayed open. Node pauses reading only between reads, when responses are already
 * queued — too late for requests that arrived in one read.
 *
 * What Go's net/http, nginx and HAProxy do instead, done here:
 * - **One request of a connection is handled at a time.** A pipelined request waits — parsed, but
 *   not handed to the app, so nothing is rendered for it — until the response before it has been
 *   written to the socket (Node finishes a response when the kernel took its last byte), and
 *   the connection is not read while requests wait, so TCP pushes back on the client.
 * - **A connection that stuffs more than `maxPipelinedRequests` into the queue is closed**: what
 *   one read brought in cannot be un-parsed, but it need not be kept.
 * - **A connection whose written response bytes are not taken by the client for `sendTimeoutMs`
 *   is closed** (nginx's `send_timeout`). Progress is a completed socket write: a client that
 *   reads nothing, or so little that not even one write completes, is cut.
 *
 * The requests keep their order, and each runs in the async context it arrived in. Works on any
 * `node:http`/`node:https` server, whoever registered its listeners (Express's `app.listen` too):
 * it intercepts the server's `request` event, so every listener — instrumentation, access log,
 * app — sees a waiting request only when its turn comes.
 */
import { AsyncResource } from 'node:async_hooks';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** What guardConnections bounds (DEFAULT_CONNECTION_GUARD when not given). */
export interface ConnectionGuardOptions {
  /**
   * How long response bytes may wait for a client that does not read them before the connection
   * is closed, in ms (nginx's `send_timeout`).
   */
  readonly sendTimeoutMs: number;
  /**
   * How many requests of one connection may wait behind the one being handled; a connection that
   * sends more before reading the answers is closed.
   */
  readonly maxPipelinedRequests: number;
}

/**
 * A stalled reader is cut within ~11 s. 32 waiting requests leave room for HTTP/1.1 benchmarks
 * and proxies that pipeline (16 deep is common) while one connection can hold only a few dozen
 * parsed requests.
 */
export const DEFAULT_CONNECTION_GUARD: ConnectionGuardOptions = {
  sendTimeoutMs: 10_000,
  maxPipelinedRequests: 32,
};

/** A request parsed while another of its connection was being handled. */
interface Waiting {
  readonly args: unknown[];
  /** The async context the request arrived in, restored when it is handed on. */
  readonly scope: AsyncResource;
}

/** What the guard knows about one connection that has sent a request. */
interface ConnectionState {
  busy: boolean;
  readonly waiting: Waiting[];
  /** Reading stopped by the guard (Node may stop it on its own too; see keepPaused). */
  paused: boolean;
  keepPaused?: () => void;
  /** The socket's write progress mark when last looked at, and since when it stands still. */
  sent: number;
  stuckSince: number | undefined;
}

type Emit = (event: string | symbol, ...args: unknown[]) => boolean;

const kGuarded = Symbol('otel-dice.connection-guard');

/**
 * Applies the guard to `server` (before or after it listens), once. Throws a RangeError for an
 * option that is not a positive integer.
 */
export function guardConnections(
  server: Server,
  options: ConnectionGuardOptions = DEFAULT_CONNECTION_GUARD,
): void {
  const { sendTimeoutMs, maxPipelinedRequests } = checkOptions(options);
  const marked = server as Server & { [kGuarded]?: true };
  if (marked[kGuarded])
    throw new Error('connection guard: this server is guarded already');
  marked[kGuarded] = true;
  const states = new WeakMap<Socket, ConnectionState>();
  const watched = new Set<Socket>();
  let sweeper: NodeJS.Timeout | undefined;

  // The server's own emit if it has one, else its prototype's as it is at each call: an
  // instrumentation that patches `Server.prototype.emit` later is still called.
  const own = Object.prototype.hasOwnProperty.call(server, 'emit')
    ? (server.emit as Emit)
    : undefined;
  const forward = (args: unknown[]): boolean => {
    const emit = own ?? (Object.getPrototypeOf(server) as { emit: Emit }).emit;
    return Reflect.apply(emit, server, args);
  };

  const handOn = (
    socket: Socket,
    state: ConnectionState,
    args: unknown[],
  ): boolean => {
    state.busy = true;
    // Added before the app sees the response, so no request context is bound to it.
    (args[2] as ServerResponse).once('close', () => next(socket, state));
    return forward(args);
  };

  const next = (socket: Socket, state: ConnectionState): void => {
    state.busy = false;
    if (socket.destroyed) {
      state.waiting.length = 0;
      return;
    }
    const waiting = state.waiting.shift();
    if (state.waiting.length === 0) resumeReading(socket, state);
    if (waiting !== undefined)
      waiting.scope.runInAsyncScope(() => handOn(socket, state, waiting.args));
  };

  const onRequest = (args: unknown[]): boolean => {
    const socket = (args[1] as IncomingMessage).socket;
    let state = states.get(socket);
    if (state === undefined) {
      state = {
        busy: false,
        waiting: [],
        paused: false,
        sent: 0,
        stuckSince: undefined,
      };
      states.set(socket, state);
      watch(socket);
    }
    if (!state.busy) return handOn(socket, state, args);
    if (socket.destroyed) return true;
    if (state.waiting.length >= maxPipelinedRequests) {
      // Node closes the requests it queued for this socket (their responses emit 'close').
      state.waiting.length = 0;
      socket.destroy();
      return true;
    }
    state.waiting.push({
      args,
      scope: new AsyncResource('otel-dice.PipelinedRequest'),
    });
    pauseReading(socket, state);
    return true;
  };

  const watch = (socket: Socket): void => {
    watched.add(socket);
    socket.once('close', () => unwatch(socket));
    sweeper ??= setInterval(
      () => sweep(performance.now()),
      sweepIntervalMs(sendTimeoutMs),
    ).unref();
  };

  const unwatch = (socket: Socket): void => {
    watched.delete(socket);
    if (watched.size === 0 && sweeper !== undefined) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };

  const sweep = (now: number): void => {
    for (const socket of watched) {
      const state = states.get(socket);
      if (state === undefined) continue;
      if (isStalled(writeProgress(socket), state, now, sendTimeoutMs))
        socket.destroy();
    }
  };

  const guarded: Emit = (event, ...rest) => {
    // 'checkContinue'/'checkExpectation' replace 'request' for an Expect header when the app
    // listens to them: requests all the same.
    if (
      event === 'request' ||
      event === 'checkContinue' ||
      event === 'checkExpectation'
    )
      return onRequest([event, ...rest]);
    // An upgraded connection (WebSocket, CONNECT) is no longer HTTP's to police.
    if (event === 'upgrade' || event === 'connect') unwatch(rest[1] as Socket);
    return forward([event, ...rest]);
  };
  server.emit = guarded as Server['emit'];
}

/** Bytes a socket has yet to hand to the kernel, and a mark that moves whenever some are. */
export interface WriteProgress {
  readonly pending: number;
  readonly mark: number;
}

/**
 * `bytesWritten` (handed to the socket) minus `writableLength` (writes not completed) moves when
 * a write completes. A large write completes only when the kernel took all of it, so the libuv
 * write queue (what Node's own socket timeout looks at for the same purpose) also counts: it
 * shrinks as a client reads a large response slowly. Where a socket has no such queue (TLS), a
 * completed write is the only sign of progress.
 */
export function writeProgress(socket: Socket): WriteProgress {
  const pending = socket.writableLength;
  const queued = (socket as { _handle?: { writeQueueSize?: unknown } | null })
    ._handle?.writeQueueSize;
  return {
    pending,
    mark:
      (socket.bytesWritten ?? 0) -
      pending -
      (typeof queued === 'number' ? queued : 0),
  };
}

/**
 * Whether bytes have waited `timeoutMs` with no progress; moves the state's mark and clock on
 * progress, and forgets a stall once nothing waits.
 */
export function isStalled(
  { pending, mark }: WriteProgress,
  state: Pick<ConnectionState, 'sent' | 'stuckSince'>,
  now: number,
  timeoutMs: number,
): boolean {
  if (pending === 0) {
    state.stuckSince = undefined;
    return false;
  }
  if (state.stuckSince === undefined || mark !== state.sent) {
    state.sent = mark;
    state.stuckSince = now;
    return false;
  }
  return now - state.stuckSince >= timeoutMs;
}

/** How often stalls are looked for: a quarter of the timeout, between 10 ms and 1 s. */
export function sweepIntervalMs(sendTimeoutMs: number): number {
  return Math.min(1_000, Math.max(10, Math.floor(sendTimeoutMs / 4)));
}

function pauseReading(socket: Socket, state: ConnectionState): void {
  if (state.paused) return;
  state.paused = true;
  socket.pause();
  // Node resumes a socket on its own (after reading a request's body, after it drains);
  // while requests wait, pause it again right away.
  if (state.keepPaused === undefined) {
    const keepPaused = () => {
      if (state.paused) socket.pause();
    };
    state.keepPaused = keepPaused;
    socket.on('resume', keepPaused);
  }
}

function resumeReading(socket: Socket, state: ConnectionState): void {
  if (!state.paused) return;
  state.paused = false;
  socket.resume();
}

function checkOptions(options: ConnectionGuardOptions): ConnectionGuardOptions {
  for (const name of ['sendTimeoutMs', 'maxPipelinedRequests'] as const) {
    const value = options[name];
    if (!Number.isSafeInteger(value) || value < 1)
      throw new RangeError(
        `connection guard: ${name} must be a positive integer, got ${String(value)}`,
      );
  }
  return options;
}
