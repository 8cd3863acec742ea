import {
  X509Certificate,
  createPrivateKey,
  createPublicKey,
} from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createTestPki, type TestPki } from './test-pki.js';

describe('createTestPki', () => {
  let pki: TestPki;

  beforeAll(async () => {
    pki = await createTestPki();
  });

  const x509 = (pem: string) => new X509Certificate(pem);

  it('makes a CA that signed the server and client certificates', () => {
    const ca = x509(pki.ca.cert);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe('CN=otel-dice test CA');
    for (const pem of [pki.server.cert, pki.client.cert]) {
      const leaf = x509(pem);
      expect(leaf.ca).toBe(false);
      expect(leaf.checkIssued(ca)).toBe(true);
      expect(leaf.verify(ca.publicKey)).toBe(true);
    }
  });

  it('makes a server certificate valid for localhost, 127.0.0.1 and ::1, for server auth only', () => {
    const server = x509(pki.server.cert);
    expect(server.subject).toBe('CN=localhost');
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkIP('::1')).toBe('::1');
    expect(server.checkHost('example.com')).toBeUndefined();
    expect(server.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // serverAuth
  });

  it('makes a client certificate for client auth', () => {
    const client = x509(pki.client.cert);
    expect(client.subject).toBe('CN=otel-dice test client');
    expect(client.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']); // clientAuth
  });

  it('pairs every certificate with its own private key', () => {
    for (const pair of [
      pki.ca,
      pki.server,
      pki.client,
      pki.otherCa,
      pki.untrustedClient,
    ]) {
      const fromKey = createPublicKey(createPrivateKey(pair.key)).export({
        type: 'spki',
        format: 'der',
      });
      const fromCert = x509(pair.cert).publicKey.export({
        type: 'spki',
        format: 'der',
      });
      expect(fromCert.equals(fromKey)).toBe(true);
    }
  });

  it("makes a second CA that vouches for none of the first CA's certificates", () => {
    const otherCa = x509(pki.otherCa.cert);
    expect(otherCa.ca).toBe(true);
    expect(x509(pki.server.cert).verify(otherCa.publicKey)).toBe(false);
    expect(x509(pki.client.cert).checkIssued(otherCa)).toBe(false);
    const untrusted = x509(pki.untrustedClient.cert);
    expect(untrusted.verify(otherCa.publicKey)).toBe(true);
    expect(untrusted.verify(x509(pki.ca.cert).publicKey)).toBe(false);
  });

  it('is valid now and for about the requested number of days', async () => {
    const now = Date.now();
    const server = x509(pki.server.cert);
    expect(new Date(server.validFrom).getTime()).toBeLessThan(now);
    expect(new Date(server.validTo).getTime()).toBeGreaterThan(
      now + 23 * 3600_000,
    );
    const longer = await createTestPki({ validDays: 30 });
    expect(new Date(x509(longer.ca.cert).validTo).getTime()).toBeGreaterThan(
      now + 29 * 24 * 3600_000,
    );
  });

  it('makes fresh keys every time (nothing is reused or committed)', async () => {
    const again = await createTestPki();
    expect(again.ca.key).not.toBe(pki.ca.key);
    expect(x509(again.ca.cert).serialNumber).not.toBe(
      x509(pki.ca.cert).serialNumber,
    );
  });

  it('writes PEM files (keys 0600) to a temp dir and removes them', async () => {
    const files = await pki.writeFiles();
    try {
      expect(await readFile(files.caCert, 'utf8')).toBe(pki.ca.cert);
      expect(await readFile(files.clientKey, 'utf8')).toBe(pki.client.key);
      expect(await readFile(files.otherCaCert, 'utf8')).toBe(pki.otherCa.cert);
      for (const key of [
        files.serverKey,
        files.clientKey,
        files.untrustedClientKey,
      ]) {
        expect((await stat(key)).mode & 0o777).toBe(0o600);
      }
    } finally {
      await files.remove();
    }
    expect(existsSync(files.dir)).toBe(false);
  });
});
