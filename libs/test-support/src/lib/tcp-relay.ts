import { connect, createServer, type Socket } from 'node:net';

export interface TcpRelayOptions {
  /** Interface to accept connections on. */
  listenHost: string;
  /** Port to accept connections on; 0 lets the kernel choose. */
  listenPort: number;
  /** Where every accepted connection is forwarded (default 127.0.0.1). */
  targetHost?: string;
  targetPort: number;
}

export interface TcpRelay {
  /** The port actually bound. */
  readonly port: number;
  /** Stops accepting and cuts every open connection; resolves once the port is released. */
  close(): Promise<void>;
}

/**
 * Forwards TCP connections byte for byte from listenHost:listenPort to targetHost:targetPort.
 *
 * The OTLP receiver binds 127.0.0.1 only, by design. Inside the receiver container the exporter
 * connects from another container, so the container entry publishes the loopback listener on the
 * container's own interface through this relay instead of widening the receiver. gRPC (HTTP/2 over
 * plain TCP) passes through unchanged; a failure on either side closes both.
 */
export function startTcpRelay(options: TcpRelayOptions): Promise<TcpRelay> {
  const targetHost = options.targetHost ?? '127.0.0.1';
  const open = new Set<Socket>();

  const server = createServer((client) => {
    const upstream = connect(options.targetPort, targetHost);
    open.add(client);
    open.add(upstream);
    const closeBoth = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', closeBoth).on('close', () => {
      open.delete(client);
      upstream.end();
    });
    upstream.on('error', closeBoth).on('close', () => {
      open.delete(upstream);
      client.end();
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });

  return new Promise((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new Error(
          `TCP relay could not listen on ${options.listenHost}:${options.listenPort}: ${error.message}`,
          { cause: error },
        ),
      ),
    );
    server.listen(options.listenPort, options.listenHost, () => {
      const address = server.address();
      const port =
        address !== null && typeof address === 'object'
          ? address.port
          : options.listenPort;
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const socket of open) socket.destroy();
          }),
      });
    });
  });
}
