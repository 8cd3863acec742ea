/**
 * Reads the PEM files the configuration names (CA, client key, client certificate) once, before
 * any exporter is built, and checks that they parse — so an unreadable or wrong file stops the
 * app at start-up with one line naming the variable, instead of every export failing later.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TelemetryConfigError } from './config/errors.js';
import type {
  ExporterConfig,
  PemFileRef,
  TelemetryConfig,
} from './config/model.js';

export interface PemStore {
  get(ref: PemFileRef | undefined): Buffer | undefined;
}

type Kind = 'certificate' | 'key';

/** Every exporter of every signal the configuration names. */
export function exportersOf(config: TelemetryConfig): ExporterConfig[] {
  return [
    ...config.traces.pipelines.map((p) => p.exporter),
    ...config.metrics.readers.flatMap((r) =>
      r.kind === 'periodic' ? [r.exporter] : [],
    ),
    ...config.logs.pipelines.map((p) => p.exporter),
  ];
}

/** Reads every PEM file of every secure OTLP exporter; throws TelemetryConfigError on the first bad one. */
export function readPemFiles(
  exporters: readonly ExporterConfig[],
  read: (path: string) => Buffer = (path) => readFileSync(resolve(path)),
): PemStore {
  const contents = new Map<string, Buffer>();
  const load = (ref: PemFileRef | undefined, kind: Kind) => {
    if (ref === undefined || contents.has(ref.path)) return;
    contents.set(ref.path, checkPem(ref, kind, read));
  };
  for (const exporter of exporters) {
    if (exporter.kind !== 'otlp' || !exporter.otlp.tls.secure) continue;
    const { ca, clientKey, clientCertificate } = exporter.otlp.tls;
    load(ca, 'certificate');
    load(clientCertificate, 'certificate');
    load(clientKey, 'key');
  }
  return { get: (ref) => (ref ? contents.get(ref.path) : undefined) };
}

function checkPem(
  ref: PemFileRef,
  kind: Kind,
  read: (path: string) => Buffer,
): Buffer {
  const fail = (why: string) =>
    new TelemetryConfigError(
      ref.source,
      `${ref.source}=${JSON.stringify(ref.path)} cannot be used: ${why}`,
    );
  let pem: Buffer;
  try {
    pem = read(ref.path);
  } catch (error) {
    throw fail(
      `cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  try {
    if (kind === 'key') createPrivateKey(pem);
    else new X509Certificate(pem);
  } catch {
    throw fail(`not a PEM ${kind === 'key' ? 'private key' : 'certificate'}`);
  }
  return pem;
}
