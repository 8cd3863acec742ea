/**
 * A switchable TCP link on 127.0.0.1 between the app and the OTLP receiver, to simulate a
 * collector that hangs rather than one that is stopped:
 * - `pass`: bytes flow both ways, the app talks to the receiver as if directly;
 * - `hang`: every connection, open or new, is accepted and held but nothing is forwarded or
 *   answered — a hung collector or a network path that swallows packets. Exports then wait for
 *   their deadline (OTEL_EXPORTER_OTLP_TIMEOUT) instead of failing at once, as they do against a
 *   stopped collector (connection refused), and that is what makes the batch queue overflow.
 * Switching back to `pass` cuts the held connections, so the client reconnects through the link.
 */
import { connect, createServer, type Socket } from 'node:net';

export type LinkMode = 'pass' | 'hang';

export interface TcpLink {
  readonly port: number;
  readonly mode: LinkMode;
  /** Connections accepted since the last switch to `hang`. */
  readonly heldConnections: number;
  setMode(mode: LinkMode): void;
  /** Stops listening and destroys every connection; resolves once the port is free. */
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket | undefined;
}

export function startTcpLink(targetPort: number): Promise<TcpLink> {
  let mode: LinkMode = 'pass';
  let held = 0;
  const pairs = new Set<Pair>();

  const hold = (pair: Pair) => {
    pair.upstream?.unpipe(pair.client);
    pair.upstream?.destroy();
    pair.upstream = undefined;
    pair.client.unpipe();
    pair.client.removeAllListeners('data');
    pair.client.on('data', () => undefined); // read and discard: the sender never blocks, never hears back
    pair.client.resume();
    held += 1;
  };

  const server = createServer((client) => {
    const pair: Pair = { client, upstream: undefined };
    pairs.add(pair);
    client.on('error', () => undefined); // resets are part of the game
    client.once('close', () => {
      pair.upstream?.destroy();
      pairs.delete(pair);
    });
    if (mode === 'hang') {
      hold(pair);
      return;
    }
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    pair.upstream = upstream;
    upstream.on('error', () => client.destroy());
    upstream.once('close', () => {
      if (pair.upstream === upstream) client.destroy();
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error(`unexpected link address ${String(address)}`));
        return;
      }
      resolve({
        port: address.port,
        get mode() {
          return mode;
        },
        get heldConnections() {
          return held;
        },
        setMode(next) {
          if (next === mode) return;
          mode = next;
          if (next === 'hang') {
            held = 0;
            for (const pair of pairs) hold(pair);
          } else {
            for (const pair of pairs) pair.client.destroy();
          }
        },
        close: () =>
          new Promise<void>((done) => {
            for (const pair of pairs) {
              pair.upstream?.destroy();
              pair.client.destroy();
            }
            server.close(() => done());
          }),
      });
    });
  });
}
