/**
 * Reads the PEM files the configuration names (CA, client key, client certificate) once, before
 * any exporter is built, and checks that they parse — so an unreadable or wrong file stops the
 * app at start-up with one line naming the variable, instead of every export failing later.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TelemetryConfigError } from './config/errors.js';
import {
  otlpExporters,
  sourceOf,
  usesTls,
  type TelemetryConfig,
} from './config/model.js';

/** The PEM files' bytes, by the path the configuration gave. */
export interface PemStore {
  get(path: string | null | undefined): Buffer | undefined;
}

type Kind = 'certificate' | 'key';

/**
 * Reads every PEM file of every OTLP exporter that uses TLS; throws a TelemetryConfigError naming
 * the variable or key that gave the first bad one. Files of exporters without TLS are not read
 * (a start-up note says they are unused).
 */
export function readPemFiles(
  config: TelemetryConfig,
  read: (path: string) => Buffer = (path) => readFileSync(resolve(path)),
): PemStore {
  const contents = new Map<string, Buffer>();
  for (const { key, settings } of otlpExporters(config)) {
    if (!usesTls(settings)) continue;
    const files: Array<[keyof NonNullable<typeof settings.tls>, Kind]> = [
      ['ca_file', 'certificate'],
      ['cert_file', 'certificate'],
      ['key_file', 'key'],
    ];
    for (const [field, kind] of files) {
      const path = settings.tls?.[field];
      if (typeof path !== 'string' || contents.has(path)) continue;
      contents.set(
        path,
        checkPem(path, sourceOf(config, `${key}.tls.${field}`), kind, read),
      );
    }
  }
  return { get: (path) => (path ? contents.get(path) : undefined) };
}

function checkPem(
  path: string,
  source: string,
  kind: Kind,
  read: (path: string) => Buffer,
): Buffer {
  const fail = (why: string) =>
    new TelemetryConfigError(
      source,
      `${source}=${JSON.stringify(path)} cannot be used: ${why}`,
    );
  let pem: Buffer;
  try {
    pem = read(path);
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
