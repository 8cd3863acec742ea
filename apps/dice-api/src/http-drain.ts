/**
 * Draining an HTTP server: stop accepting, let in-flight requests finish, then close.
 *
 * `server.close()` alone is not enough with keep-alive clients. Node closes the connections that
 * are idle at that moment, but a connection whose request is still running stays open after its
 * response and keeps `close()` waiting until the keep-alive timeout. So once draining, every
 * response still able to send headers says `Connection: close` (Node then ends the socket after
 * it), and every response that completes triggers another sweep of idle connections.
 */
import type { Server, ServerResponse } from 'node:http';

export type DrainOutcome = 'drained' | 'forced';

export interface HttpDrainer {
  /**
   * Stops accepting connections and resolves once all are closed. After `timeoutMs` the
   * remaining connections are destroyed and the outcome is 'forced'. Calling it again returns
   * the same promise.
   */
  drain(timeoutMs: number): Promise<DrainOutcome>;
}

/** Must be called before the server handles requests, so it sees every in-flight response. */
export function trackForDrain(server: Server): HttpDrainer {
  const inFlight = new Set<ServerResponse>();
  let draining: Promise<DrainOutcome> | undefined;

  server.on('request', (_req, res: ServerResponse) => {
    inFlight.add(res);
    // A request that arrives on an already open keep-alive connection while draining.
    if (draining) closeConnectionAfter(res);
    res.once('close', () => {
      inFlight.delete(res);
      if (draining) server.closeIdleConnections();
    });
  });

  return {
    drain(timeoutMs) {
      draining ??= new Promise<DrainOutcome>((resolve, reject) => {
        let outcome: DrainOutcome = 'drained';
        const deadline = setTimeout(() => {
          outcome = 'forced';
          server.closeAllConnections();
        }, timeoutMs);
        server.close((error) => {
          clearTimeout(deadline);
          if (error) reject(error);
          else resolve(outcome);
        });
        for (const res of inFlight) closeConnectionAfter(res);
      });
      return draining;
    },
  };
}

function closeConnectionAfter(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('Connection', 'close');
}
