/**
 * A throw-away PKI made when a test runs (no key is ever committed): a CA, a server certificate
 * for localhost/127.0.0.1, a client certificate for mTLS, and an unrelated second CA with a
 * client certificate of its own for "wrong CA" tests.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueCertificate, type PemKeyPair } from './x509.js';

export type { PemKeyPair } from './x509.js';

export interface TestPki {
  /** The CA that signed `server` and `client`: trust its `cert` to accept them. */
  ca: PemKeyPair;
  /** CN=localhost, subjectAltName DNS:localhost, IP:127.0.0.1 and IP:::1, serverAuth. */
  server: PemKeyPair;
  /** CN=otel-dice test client, clientAuth, signed by `ca`. */
  client: PemKeyPair;
  /** A CA that signed nothing above: trusting it instead of `ca` must fail. */
  otherCa: PemKeyPair;
  /** A client certificate signed by `otherCa`: an mTLS server trusting `ca` must refuse it. */
  untrustedClient: PemKeyPair;
  /** Writes every PEM to files (keys mode 0600) in a new temp dir, or in `dir`. */
  writeFiles(dir?: string): Promise<TestPkiFiles>;
}

/** File paths, for settings that take files (OTEL_EXPORTER_OTLP_CERTIFICATE, …_CLIENT_KEY, …). */
export interface TestPkiFiles {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  otherCaCert: string;
  untrustedClientCert: string;
  untrustedClientKey: string;
  /** Deletes the files; also `dir` itself when writeFiles() created it. */
  remove(): Promise<void>;
}

export interface TestPkiOptions {
  /** Certificate lifetime (default 1 day). */
  validDays?: number;
}

/** Makes the PKI: five RSA-2048 keys generated in parallel, about a quarter second in all. */
export async function createTestPki(
  options: TestPkiOptions = {},
): Promise<TestPki> {
  const validDays = options.validDays ?? 1;
  const [ca, otherCa] = await Promise.all([
    issueCertificate({
      commonName: 'otel-dice test CA',
      role: 'ca',
      validDays,
    }),
    issueCertificate({
      commonName: 'otel-dice other CA',
      role: 'ca',
      validDays,
    }),
  ]);
  const [server, client, untrustedClient] = await Promise.all([
    issueCertificate({
      commonName: 'localhost',
      role: 'server',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1', '::1'],
      issuer: ca,
      validDays,
    }),
    issueCertificate({
      commonName: 'otel-dice test client',
      role: 'client',
      issuer: ca,
      validDays,
    }),
    issueCertificate({
      commonName: 'otel-dice untrusted client',
      role: 'client',
      issuer: otherCa,
      validDays,
    }),
  ]);
  const pki: Omit<TestPki, 'writeFiles'> = {
    ca,
    server,
    client,
    otherCa,
    untrustedClient,
  };
  return { ...pki, writeFiles: (dir) => writePkiFiles(pki, dir) };
}

async function writePkiFiles(
  pki: Omit<TestPki, 'writeFiles'>,
  target?: string,
): Promise<TestPkiFiles> {
  const dir = target ?? (await mkdtemp(join(tmpdir(), 'otel-dice-pki-')));
  const written: string[] = [];
  const write = async (name: string, pem: string, secret = false) => {
    const path = join(dir, name);
    written.push(path);
    await writeFile(path, pem, { mode: secret ? 0o600 : 0o644 });
    if (secret) await chmod(path, 0o600); // in case the file already existed
    return path;
  };
  return {
    dir,
    caCert: await write('ca.crt', pki.ca.cert),
    serverCert: await write('server.crt', pki.server.cert),
    serverKey: await write('server.key', pki.server.key, true),
    clientCert: await write('client.crt', pki.client.cert),
    clientKey: await write('client.key', pki.client.key, true),
    otherCaCert: await write('other-ca.crt', pki.otherCa.cert),
    untrustedClientCert: await write(
      'untrusted-client.crt',
      pki.untrustedClient.cert,
    ),
    untrustedClientKey: await write(
      'untrusted-client.key',
      pki.untrustedClient.key,
      true,
    ),
    remove: async () => {
      if (target === undefined) await rm(dir, { recursive: true, force: true });
      else await Promise.all(written.map((path) => rm(path, { force: true })));
    },
  };
}
