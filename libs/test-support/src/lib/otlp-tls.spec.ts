/**
 * TLS and mTLS on both receivers, with certificates made by createTestPki and the real exporters
 * as clients: the right CA is accepted, a wrong CA or a missing/untrusted client certificate is
 * refused and nothing is recorded.
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  PROTOCOLS,
  senderFor,
  type SenderOptions,
} from '../testing/otlp-senders.js';
import {
  createOtlpHttpReceiver,
  startOtlpHttpReceiver,
} from './otlp-http-receiver.js';
import {
  createOtlpReceiver,
  startOtlpReceiver,
  type OtlpReceiver,
} from './otlp-receiver.js';
import type { OtlpProtocol } from './otlp-types.js';
import type { ReceiverTlsOptions } from './receiver-tls.js';
import { createTestPki, type TestPki } from './test-pki.js';

/** Failing exports retry until their deadline: keep it short. */
const FAILING_EXPORT_TIMEOUT_MS = 1_500;

let pki: TestPki;

beforeAll(async () => {
  pki = await createTestPki();
});

describe.each(PROTOCOLS)(
  'TLS with the real %s trace exporter',
  (protocol: OtlpProtocol) => {
    let receiver: OtlpReceiver | undefined;
    let traceUrl: string;

    afterEach(async () => {
      await receiver?.stop();
      receiver = undefined;
    });

    async function start(tls: ReceiverTlsOptions): Promise<void> {
      if (protocol === 'grpc') {
        const grpcReceiver = await startOtlpReceiver({ tls });
        receiver = grpcReceiver;
        traceUrl = grpcReceiver.endpoint;
      } else {
        const httpReceiver = await startOtlpHttpReceiver({ tls });
        receiver = httpReceiver;
        traceUrl = httpReceiver.url('traces');
      }
      expect(receiver.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    }

    const send = (
      tls: SenderOptions['tls'],
      timeoutMillis?: number,
    ): Promise<ExportResult> =>
      senderFor('traces', { protocol, url: traceUrl, tls, timeoutMillis })();

    const serverTls = (): ReceiverTlsOptions => ({
      key: pki.server.key,
      cert: pki.server.cert,
    });
    const mutualTls = (): ReceiverTlsOptions => ({
      ...serverTls(),
      ca: pki.ca.cert,
      requireClientCert: true,
    });

    it('accepts an exporter that trusts the CA, and says the export came over TLS', async () => {
      await start(serverTls());
      const result = await send({ ca: pki.ca.cert });
      expect({ code: result.code, error: result.error?.message }).toEqual({
        code: ExportResultCode.SUCCESS,
        error: undefined,
      });
      expect(receiver?.spans.length).toBeGreaterThan(0);
      expect(receiver?.exports[0]).toMatchObject({
        secure: true,
        clientCertificateSubject: undefined,
      });
    });

    it('is refused by an exporter that trusts another CA; nothing arrives', async () => {
      await start(serverTls());
      const result = await send(
        { ca: pki.otherCa.cert },
        FAILING_EXPORT_TIMEOUT_MS,
      );
      expect(result.code).toBe(ExportResultCode.FAILED);
      expect(receiver?.spans).toHaveLength(0);
      expect(receiver?.exportCalls).toBe(0);
    });

    it('mTLS: accepts a client certificate signed by the CA and records its subject', async () => {
      await start(mutualTls());
      const result = await send({
        ca: pki.ca.cert,
        cert: pki.client.cert,
        key: pki.client.key,
      });
      expect({ code: result.code, error: result.error?.message }).toEqual({
        code: ExportResultCode.SUCCESS,
        error: undefined,
      });
      expect(receiver?.exports[0]).toMatchObject({
        secure: true,
        clientCertificateSubject: 'CN=otel-dice test client',
      });
    });

    it('mTLS: refuses an exporter without a client certificate; nothing arrives', async () => {
      await start(mutualTls());
      const result = await send({ ca: pki.ca.cert }, FAILING_EXPORT_TIMEOUT_MS);
      expect(result.code).toBe(ExportResultCode.FAILED);
      expect(receiver?.spans).toHaveLength(0);
    });

    it('mTLS: refuses a client certificate from an untrusted CA; nothing arrives', async () => {
      await start(mutualTls());
      const result = await send(
        {
          ca: pki.ca.cert,
          cert: pki.untrustedClient.cert,
          key: pki.untrustedClient.key,
        },
        FAILING_EXPORT_TIMEOUT_MS,
      );
      expect(result.code).toBe(ExportResultCode.FAILED);
      expect(receiver?.spans).toHaveLength(0);
    });
  },
);

describe('TLS options', () => {
  it('refuse requireClientCert without a CA, and non-PEM material, before anything listens', () => {
    for (const create of [createOtlpReceiver, createOtlpHttpReceiver]) {
      expect(() =>
        create({
          tls: {
            key: pki.server.key,
            cert: pki.server.cert,
            requireClientCert: true,
          },
        }),
      ).toThrow(/requireClientCert needs tls\.ca/);
      expect(() =>
        create({ tls: { key: 'not a key', cert: pki.server.cert } }),
      ).toThrow(/tls\.key must be a PEM string/);
    }
  });
});
