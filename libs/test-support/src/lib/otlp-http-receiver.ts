import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import {
  contentTypeForEncoding,
  decodeContentEncoding,
  decodeHttpBody,
  DEFAULT_OTLP_HTTP_PATHS,
  encodingForContentType,
  JSON_CONTENT_TYPE,
  OtlpHttpError,
  protocolForEncoding,
  signalForPath,
  statusBody,
  successBody,
  type OtlpHttpEncoding,
  type OtlpHttpPaths,
} from './otlp-http-request.js';
import { ingestExport } from './otlp-ingest.js';
import { isValidPort, type OtlpReceiver } from './otlp-receiver.js';
import { createTelemetryStore, exposeTelemetry } from './otlp-store.js';
import type { OtlpSignal } from './otlp-types.js';
import { httpHeadersToRecord } from './received-headers.js';
import {
  httpsServerOptions,
  socketClientSubject,
  validateTlsOptions,
  type ReceiverTlsOptions,
} from './receiver-tls.js';

export interface OtlpHttpReceiverOptions {
  /** As for createOtlpReceiver: omit for a kernel-chosen port, or reserve one with getFreePort(). */
  port?: number;
  /** Serve HTTPS (`endpoint` becomes https://…); with `requireClientCert`, mTLS. */
  tls?: ReceiverTlsOptions;
  /** Non-default request paths per signal (default /v1/traces, /v1/metrics, /v1/logs). */
  paths?: Partial<Record<OtlpSignal, string>>;
}

/** An OTLP/HTTP receiver: the OtlpReceiver API plus the full URL of each signal's path. */
export interface OtlpHttpReceiver extends OtlpReceiver {
  readonly transport: 'http';
  /** e.g. 'http://127.0.0.1:PORT/v1/traces', for OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as given). */
  url(signal: OtlpSignal): string;
}

/** Largest body accepted, compressed or not (the collector's default limit is in this range too). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const STOP_TIMEOUT_MS = 5_000;

/**
 * OTLP/HTTP on 127.0.0.1 (node:http, or node:https with `tls`): POST /v1/traces, /v1/metrics and
 * /v1/logs with `application/x-protobuf` or `application/json` bodies, gzip or not, decoded with
 * the same OTLP schema and into the same records as the OTLP/gRPC receiver. Answers like a
 * collector: 200 with an empty Export*ServiceResponse in the request's encoding, 400 with a
 * google.rpc.Status for an undecodable body, 404 for other paths, 405 for other methods, 415 for
 * other content types or encodings, 413 past 64 MiB.
 */
export function createOtlpHttpReceiver(
  options: OtlpHttpReceiverOptions = {},
): OtlpHttpReceiver {
  if (options.port !== undefined && !isValidPort(options.port)) {
    throw new Error(
      `createOtlpHttpReceiver: port must be an integer in 0..65535, got ${options.port}`,
    );
  }
  if (options.tls) validateTlsOptions(options.tls, 'createOtlpHttpReceiver');
  const paths = resolvePaths(options.paths);
  const tls = options.tls;
  let port = options.port ?? 0;
  let server: Server | undefined;
  let starting = false;
  const store = createTelemetryStore();

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const signal = signalForPath(req.url, paths);
    const encoding = encodingForContentType(req.headers['content-type']);
    const reject = (
      status: number,
      reason: string,
      replyEncoding?: OtlpHttpEncoding,
    ) => {
      store.reject({
        transport: 'http',
        method: req.method ?? '',
        path: req.url ?? '',
        status,
        reason,
        headers: httpHeadersToRecord(req.headers),
      });
      if (replyEncoding) {
        send(
          res,
          status,
          contentTypeForEncoding(replyEncoding),
          statusBody(replyEncoding, status, reason),
        );
      } else {
        send(
          res,
          status,
          'text/plain; charset=utf-8',
          Buffer.from(`${status} ${reason}\n`),
        );
      }
    };

    if (!signal) return reject(404, `no OTLP signal at ${req.url ?? ''}`);
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return reject(
        405,
        `method ${req.method ?? ''} not allowed, supported: [POST]`,
      );
    }
    if (!encoding) {
      return reject(
        415,
        `unsupported media type ${JSON.stringify(req.headers['content-type'] ?? '')}, supported: [${JSON_CONTENT_TYPE}, application/x-protobuf]`,
      );
    }
    try {
      const decompressed = decodeContentEncoding(
        body,
        req.headers['content-encoding'],
        MAX_BODY_BYTES,
      );
      const ingested = ingestExport(
        signal,
        decodeHttpBody(signal, encoding, decompressed.body),
      );
      store.record(ingested, {
        protocol: protocolForEncoding(encoding),
        compression: decompressed.compression,
        path: req.url ?? '',
        headers: httpHeadersToRecord(req.headers),
        userAgent: req.headers['user-agent'],
        secure: tls !== undefined,
        clientCertificateSubject: tls
          ? socketClientSubject(req.socket as TLSSocket)
          : undefined,
      });
      send(
        res,
        200,
        contentTypeForEncoding(encoding),
        successBody(signal, encoding),
      );
    } catch (error) {
      const status = error instanceof OtlpHttpError ? error.status : 400;
      return reject(
        status,
        (error as Error).message,
        status === 415 ? undefined : encoding,
      );
    }
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (tooLarge) {
        const encoding =
          encodingForContentType(req.headers['content-type']) ?? 'json';
        const reason = `body exceeds ${MAX_BODY_BYTES} bytes`;
        store.reject({
          transport: 'http',
          method: req.method ?? '',
          path: req.url ?? '',
          status: 413,
          reason,
          headers: httpHeadersToRecord(req.headers),
        });
        send(
          res,
          413,
          contentTypeForEncoding(encoding),
          statusBody(encoding, 413, reason),
        );
        return;
      }
      handle(req, res, Buffer.concat(chunks));
    });
  };

  const boundPort = (): number => {
    if (port === 0)
      throw new Error(
        'OTLP/HTTP receiver has no port yet: start() it or pass {port}',
      );
    return port;
  };
  const endpoint = () => `${tls ? 'https' : 'http'}://127.0.0.1:${boundPort()}`;

  const lifecycle = {
    transport: 'http' as const,
    get port() {
      return boundPort();
    },
    get endpoint() {
      return endpoint();
    },
    get listening() {
      return server !== undefined;
    },
    url(signal: OtlpSignal) {
      return `${endpoint()}${paths[signal]}`;
    },
    async start() {
      if (server || starting)
        throw new Error(
          `OTLP/HTTP receiver already listening on 127.0.0.1:${port}`,
        );
      const next = tls
        ? createHttpsServer(httpsServerOptions(tls), onRequest)
        : createHttpServer(onRequest);
      starting = true;
      try {
        port = await listen(next, port);
      } finally {
        starting = false;
      }
      server = next;
    },
    async stop() {
      const current = server;
      server = undefined;
      if (current) await close(current);
    },
  };
  return exposeTelemetry(lifecycle, store.view);
}

/** createOtlpHttpReceiver + start. */
export async function startOtlpHttpReceiver(
  options: OtlpHttpReceiverOptions = {},
): Promise<OtlpHttpReceiver> {
  const receiver = createOtlpHttpReceiver(options);
  await receiver.start();
  return receiver;
}

function resolvePaths(
  overrides: Partial<Record<OtlpSignal, string>> | undefined,
): OtlpHttpPaths {
  const paths = { ...DEFAULT_OTLP_HTTP_PATHS, ...overrides };
  for (const [signal, path] of Object.entries(paths)) {
    if (!path.startsWith('/')) {
      throw new Error(
        `createOtlpHttpReceiver: paths.${signal} must start with '/', got ${JSON.stringify(path)}`,
      );
    }
  }
  if (new Set(Object.values(paths)).size !== 3) {
    throw new Error('createOtlpHttpReceiver: each signal needs its own path');
  }
  return paths;
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: Buffer,
): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': body.length,
  });
  res.end(body);
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.close();
      reject(
        new Error(
          `OTLP/HTTP receiver could not bind 127.0.0.1:${port}: ${error.message}`,
          { cause: error },
        ),
      );
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error(`unexpected server address ${String(address)}`));
        return;
      }
      resolve(address.port);
    });
  });
}

/** Stops listening and cuts keep-alive connections so the port is free when this resolves. */
function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `OTLP/HTTP receiver did not close within ${STOP_TIMEOUT_MS} ms`,
          ),
        ),
      STOP_TIMEOUT_MS,
    );
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeAllConnections();
  });
}
