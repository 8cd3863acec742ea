/**
 * X.509 certificates for tests. node:crypto does the cryptography natively: RSA keys (off the
 * main thread) and the signatures. node-forge only lays out the certificate's ASN.1 (node:crypto
 * can read certificates but not build them); its pure-JS RSA is never used — besides being the
 * slow path, it takes seconds per signature under jest. Nothing here is meant for anything but
 * short-lived test certificates.
 */
import { generateKeyPair, randomBytes, sign } from 'node:crypto';
import { promisify } from 'node:util';
import { asn1, pki } from 'node-forge';

const generateRsaKeyPair = promisify(generateKeyPair);

export interface PemKeyPair {
  /** PKCS#8 PEM private key. */
  key: string;
  /** PEM certificate. */
  cert: string;
}

/** What signs a certificate: the issuer's certificate and key, both PEM. */
export type Issuer = PemKeyPair;

export interface CertificateSpec {
  commonName: string;
  /** Validity window; the start is backdated an hour to tolerate clock skew between processes. */
  validDays: number;
  /** 'ca' may sign certificates; 'server' and 'client' set the matching extended key usage. */
  role: 'ca' | 'server' | 'client';
  /** DNS names and IP addresses for the subjectAltName extension. */
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
  /** Omit for a self-signed certificate. */
  issuer?: Issuer;
}

export async function generateRsaKey(): Promise<{
  privatePem: string;
  publicPem: string;
}> {
  const { privateKey, publicKey } = await generateRsaKeyPair('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privatePem: privateKey, publicPem: publicKey };
}

/** Makes a key and a certificate for it, signed by `spec.issuer` or by itself. */
export async function issueCertificate(
  spec: CertificateSpec,
): Promise<PemKeyPair> {
  const { privatePem, publicPem } = await generateRsaKey();
  const certificate = pki.createCertificate();
  certificate.publicKey = pki.publicKeyFromPem(publicPem);
  certificate.serialNumber = randomSerialNumber();
  const now = Date.now();
  certificate.validity.notBefore = new Date(now - 60 * 60 * 1000);
  certificate.validity.notAfter = new Date(
    now + spec.validDays * 24 * 60 * 60 * 1000,
  );
  const subject = [{ name: 'commonName', value: spec.commonName }];
  certificate.setSubject(subject);

  const issuerCertificate = spec.issuer
    ? pki.certificateFromPem(spec.issuer.cert)
    : undefined;
  certificate.setIssuer(
    issuerCertificate ? issuerCertificate.subject.attributes : subject,
  );
  certificate.setExtensions(extensionsFor(spec, issuerCertificate));

  signCertificate(certificate, spec.issuer ? spec.issuer.key : privatePem);
  return { key: privatePem, cert: pki.certificateToPem(certificate) };
}

/** What forge's certificate.sign() does, with node:crypto computing the sha256WithRSA signature. */
function signCertificate(
  certificate: pki.Certificate,
  signingKeyPem: string,
): void {
  const algorithm = pki.oids['sha256WithRSAEncryption'];
  if (!algorithm) {
    throw new Error('node-forge lacks the sha256WithRSAEncryption OID');
  }
  certificate.signatureOid = algorithm;
  certificate.siginfo.algorithmOid = algorithm;
  certificate.tbsCertificate = tbsCertificate(certificate);
  // forge keeps binary data in "binary" (latin1) strings.
  const tbs = Buffer.from(
    asn1.toDer(certificate.tbsCertificate).getBytes(),
    'binary',
  );
  certificate.signature = sign('sha256', tbs, signingKeyPem).toString('binary');
}

function extensionsFor(
  spec: CertificateSpec,
  issuer: pki.Certificate | undefined,
): object[] {
  const extensions: object[] = [];
  if (spec.role === 'ca') {
    extensions.push(
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    );
  } else {
    extensions.push(
      { name: 'basicConstraints', cA: false },
      {
        name: 'keyUsage',
        digitalSignature: true,
        keyEncipherment: true,
        critical: true,
      },
      spec.role === 'server'
        ? { name: 'extKeyUsage', serverAuth: true }
        : { name: 'extKeyUsage', clientAuth: true },
    );
  }
  const altNames = [
    ...(spec.dnsNames ?? []).map((value) => ({ type: 2, value })),
    ...(spec.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
  ];
  if (altNames.length > 0)
    extensions.push({ name: 'subjectAltName', altNames });
  extensions.push({ name: 'subjectKeyIdentifier' });
  if (issuer) {
    extensions.push({
      name: 'authorityKeyIdentifier',
      keyIdentifier: issuer.generateSubjectKeyIdentifier().getBytes(),
    });
  }
  return extensions;
}

/** forge's pki.getTBSCertificate, which @types/node-forge does not declare. */
function tbsCertificate(certificate: pki.Certificate): asn1.Asn1 {
  const { getTBSCertificate } = pki as unknown as {
    getTBSCertificate?: (certificate: pki.Certificate) => asn1.Asn1;
  };
  if (typeof getTBSCertificate !== 'function') {
    throw new Error('node-forge no longer exports pki.getTBSCertificate');
  }
  return getTBSCertificate(certificate);
}

/** 16 random bytes as a positive DER INTEGER (high bit cleared), in hex. */
function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}
