import * as grpc from '@grpc/grpc-js';
import { ingestExport, type IngestedExport } from './otlp-ingest.js';
import {
  OTLP_SERVICES,
  OTLP_SIGNALS,
  otlpServiceDefinitions,
} from './otlp-proto.js';
import {
  createTelemetryStore,
  exposeTelemetry,
  type ReceivedTelemetry,
} from './otlp-store.js';
import type { OtlpSignal } from './otlp-types.js';
import { metadataToHeaders } from './received-headers.js';
import {
  certificateSubject,
  grpcServerCredentials,
  validateTlsOptions,
  type ReceiverTlsOptions,
} from './receiver-tls.js';

export interface OtlpReceiverOptions {
  /**
   * Port to bind on 127.0.0.1. Omit to let the kernel choose on the first start(); later
   * restarts reuse whatever port was bound first. Pass a port reserved with getFreePort() to
   * hand the endpoint to an app BEFORE the receiver is listening (late-collector tests).
   */
  port?: number;
  /** Serve over TLS (`endpoint` becomes https://…); with `requireClientCert`, mTLS. */
  tls?: ReceiverTlsOptions;
}

/**
 * A real OTLP endpoint for tests, listening on 127.0.0.1. Both receivers (OTLP/gRPC from
 * createOtlpReceiver, OTLP/HTTP from createOtlpHttpReceiver) implement it, so a test can run
 * against either and read the same flattened records.
 */
export interface OtlpReceiver extends ReceivedTelemetry {
  /** 'grpc' for createOtlpReceiver, 'http' for createOtlpHttpReceiver. */
  readonly transport: 'grpc' | 'http';
  /** The bound (or configured) port; throws before the first start() when no port was given. */
  readonly port: number;
  /**
   * 'http://127.0.0.1:PORT' ('https://…' with tls), ready for OTEL_EXPORTER_OTLP_ENDPOINT /
   * TRACE_ENDPOINT (for OTLP/HTTP the exporter appends /v1/<signal> to it).
   */
  readonly endpoint: string;
  readonly listening: boolean;
  /** Binds 127.0.0.1:port and starts answering. Rejects if already listening or the port is taken. */
  start(): Promise<void>;
  /** Closes the listener and kills open connections; resolves once the port is released. Idempotent. */
  stop(): Promise<void>;
}

const STOP_TIMEOUT_MS = 5_000;
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * OTLP/gRPC: implements the Export method of opentelemetry.proto.collector.{trace,metrics,logs}.v1
 * {Trace,Metrics,Logs}Service on one port, decodes every request with the OTLP schema
 * (gzip-compressed requests included) and records the items flattened.
 */
export function createOtlpReceiver(
  options: OtlpReceiverOptions = {},
): OtlpReceiver {
  if (options.port !== undefined && !isValidPort(options.port)) {
    throw new Error(
      `createOtlpReceiver: port must be an integer in 0..65535, got ${options.port}`,
    );
  }
  if (options.tls) validateTlsOptions(options.tls, 'createOtlpReceiver');
  const tls = options.tls;
  let port = options.port ?? 0;
  let server: grpc.Server | undefined;
  let starting = false; // guards against a second start() while bindAsync is pending
  const store = createTelemetryStore();

  const exportHandler =
    (signal: OtlpSignal): grpc.handleUnaryCall<unknown, object> =>
    (call, callback) => {
      const encoding = takeRevealedEncoding(call.metadata);
      const path = `/${OTLP_SERVICES[signal].service}/Export`;
      let ingested: IngestedExport;
      try {
        ingested = ingestExport(signal, call.request);
      } catch (error) {
        const reason = `undecodable ${signal}: ${(error as Error).message}`;
        store.reject({
          transport: 'grpc',
          method: 'POST',
          path,
          status: grpc.status.INVALID_ARGUMENT,
          reason,
          headers: metadataToHeaders(call.metadata),
        });
        // Answer like a collector would instead of throwing inside grpc-js (which would crash the test).
        callback({ code: grpc.status.INVALID_ARGUMENT, details: reason });
        return;
      }
      const auth = call.getAuthContext();
      store.record(ingested, {
        protocol: 'grpc',
        compression: encoding === 'gzip' ? 'gzip' : 'none',
        path,
        headers: metadataToHeaders(call.metadata),
        userAgent: firstHeader(call.metadata, 'user-agent'),
        // A TLS server accepts nothing else (grpc-js fills the auth context
        // only for a verified client certificate, so it cannot tell this).
        secure: tls !== undefined,
        clientCertificateSubject: certificateSubject(auth.sslPeerCertificate),
      });
      // An empty response means "all accepted" (no partial_success).
      callback(null, {});
    };

  const boundPort = (): number => {
    if (port === 0)
      throw new Error(
        'OTLP receiver has no port yet: start() it or pass {port}',
      );
    return port;
  };

  const lifecycle = {
    transport: 'grpc' as const,
    get port() {
      return boundPort();
    },
    get endpoint() {
      return `${tls ? 'https' : 'http'}://127.0.0.1:${boundPort()}`;
    },
    get listening() {
      return server !== undefined;
    },
    async start() {
      if (server || starting)
        throw new Error(`OTLP receiver already listening on 127.0.0.1:${port}`);
      // Generous limit so benchmark-sized batches are never refused (grpc-js defaults to 4 MiB).
      const next = new grpc.Server({
        'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
        interceptors: [revealIncomingEncoding],
      });
      const definitions = otlpServiceDefinitions();
      for (const signal of OTLP_SIGNALS) {
        next.addService(definitions[signal], { Export: exportHandler(signal) });
      }
      starting = true;
      try {
        port = await bind(next, port, grpcServerCredentials(tls));
      } finally {
        starting = false;
      }
      server = next;
    },
    async stop() {
      const current = server;
      server = undefined;
      if (current) await shutdown(current);
    },
  };
  const receiver: OtlpReceiver = exposeTelemetry(lifecycle, store.view);
  return receiver;
}

/** createOtlpReceiver + start. */
export async function startOtlpReceiver(
  options: OtlpReceiverOptions = {},
): Promise<OtlpReceiver> {
  const receiver = createOtlpReceiver(options);
  await receiver.start();
  return receiver;
}

/**
 * grpc-js strips grpc-encoding from the metadata handlers see, so a handler cannot tell whether
 * the exporter compressed. The first server interceptor is handed grpc-js's base call, which
 * keeps the request's encoding (field `incomingEncoding`, not public API); this interceptor copies
 * it into the metadata under a private key that the handler takes out again. If a grpc-js update
 * renames the field, compression reads 'none' and the receiver's gzip test fails, pointing here.
 */
const REVEALED_ENCODING_KEY = 'x-otel-dice-test-support-grpc-encoding';

const revealIncomingEncoding: grpc.ServerInterceptor = (_method, call) => {
  const encoding: unknown = Reflect.get(call, 'incomingEncoding');
  return new grpc.ServerInterceptingCall(call, {
    start: (next) =>
      next({
        onReceiveMetadata: (metadata, nextMetadata) => {
          if (typeof encoding === 'string') {
            metadata.set(REVEALED_ENCODING_KEY, encoding);
          }
          nextMetadata(metadata);
        },
      }),
  });
};

function takeRevealedEncoding(metadata: grpc.Metadata): string | undefined {
  const [value] = metadata.get(REVEALED_ENCODING_KEY);
  metadata.remove(REVEALED_ENCODING_KEY);
  return value === undefined ? undefined : String(value);
}

function bind(
  server: grpc.Server,
  port: number,
  credentials: grpc.ServerCredentials,
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`127.0.0.1:${port}`, credentials, (error, bound) => {
      if (error) {
        server.forceShutdown();
        reject(
          new Error(
            `OTLP receiver could not bind 127.0.0.1:${port}: ${error.message}`,
            { cause: error },
          ),
        );
      } else {
        resolve(bound);
      }
    });
  });
}

/**
 * tryShutdown's callback fires only once the listening socket and every session are closed, i.e.
 * when the port can be bound again; forceShutdown right after it cuts open exporter connections
 * so that happens now instead of whenever the client hangs up.
 */
function shutdown(server: grpc.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`OTLP receiver did not close within ${STOP_TIMEOUT_MS} ms`),
        ),
      STOP_TIMEOUT_MS,
    );
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
    server.forceShutdown();
  });
}

function firstHeader(metadata: grpc.Metadata, key: string): string | undefined {
  const [value] = metadata.get(key);
  return value === undefined ? undefined : String(value);
}

export function isValidPort(port: number): boolean {
  return Number.isInteger(port) && port >= 0 && port <= 65535;
}
