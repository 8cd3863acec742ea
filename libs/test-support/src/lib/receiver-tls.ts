/**
 * TLS for the test receivers: one option shape for OTLP/gRPC and OTLP/HTTP, turned into grpc-js
 * server credentials or node:https server options.
 */
import * as grpc from '@grpc/grpc-js';
import type { PeerCertificate, TLSSocket } from 'node:tls';

export interface ReceiverTlsOptions {
  /** PEM private key of the server certificate. */
  key: string;
  /** PEM server certificate (its chain may follow it). */
  cert: string;
  /** PEM CA certificate(s) client certificates must chain to; required with requireClientCert. */
  ca?: string;
  /** mTLS: refuse every client that does not present a certificate signed by `ca`. */
  requireClientCert?: boolean;
}

/** Throws an Error naming the problem; `who` prefixes it (e.g. 'createOtlpReceiver'). */
export function validateTlsOptions(tls: ReceiverTlsOptions, who: string): void {
  for (const field of ['key', 'cert'] as const) {
    if (typeof tls[field] !== 'string' || !tls[field].includes('-----BEGIN')) {
      throw new Error(`${who}: tls.${field} must be a PEM string`);
    }
  }
  if (tls.ca !== undefined && !tls.ca.includes('-----BEGIN')) {
    throw new Error(`${who}: tls.ca must be a PEM string`);
  }
  if (tls.requireClientCert && !tls.ca) {
    throw new Error(
      `${who}: tls.requireClientCert needs tls.ca (the CA client certificates must chain to)`,
    );
  }
}

export function grpcServerCredentials(
  tls: ReceiverTlsOptions | undefined,
): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(
    tls.ca ? Buffer.from(tls.ca) : null,
    [{ private_key: Buffer.from(tls.key), cert_chain: Buffer.from(tls.cert) }],
    tls.requireClientCert ?? false,
  );
}

/** node:https server options: with requireClientCert the handshake fails without a valid client certificate. */
export function httpsServerOptions(tls: ReceiverTlsOptions): {
  key: string;
  cert: string;
  ca?: string;
  requestCert: boolean;
  rejectUnauthorized: boolean;
} {
  const requireClientCert = tls.requireClientCert ?? false;
  return {
    key: tls.key,
    cert: tls.cert,
    ...(tls.ca ? { ca: tls.ca } : {}),
    requestCert: requireClientCert,
    rejectUnauthorized: requireClientCert,
  };
}

/** 'CN=…, O=…' of a peer certificate; undefined when the peer presented none. */
export function certificateSubject(
  certificate: PeerCertificate | undefined | null,
): string | undefined {
  if (!certificate || !certificate.subject) return undefined;
  const parts = Object.entries(certificate.subject).map(
    ([key, value]) =>
      `${key}=${Array.isArray(value) ? value.join('+') : String(value)}`,
  );
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** The client certificate's subject on a TLS socket, if one was presented. */
export function socketClientSubject(socket: TLSSocket): string | undefined {
  return certificateSubject(socket.getPeerCertificate());
}
