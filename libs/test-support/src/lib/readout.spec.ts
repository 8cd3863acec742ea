/**
 * The receiver container's moving parts, wired on 127.0.0.1 exactly as src/receiver-main.ts wires
 * them: real OTLP exporters -> TCP relays -> the OTLP/gRPC and OTLP/HTTP receivers, and the HTTP
 * read-out of what arrived.
 */
import { connect } from 'node:net';
import { senderFor } from '../testing/otlp-senders.js';
import { httpGet } from './http.js';
import {
  startOtlpHttpReceiver,
  type OtlpHttpReceiver,
} from './otlp-http-receiver.js';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js';
import type { OtlpSignal } from './otlp-types.js';
import { fetchReadout } from './readout-client.js';
import { startReadoutServer, type ReadoutServer } from './readout-server.js';
import { startTcpRelay, type TcpRelay } from './tcp-relay.js';

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('receivers behind TCP relays, with their HTTP read-out', () => {
  let grpc: OtlpReceiver;
  let http: OtlpHttpReceiver;
  let grpcRelay: TcpRelay;
  let httpRelay: TcpRelay;
  let readout: ReadoutServer;

  beforeEach(async () => {
    grpc = await startOtlpReceiver();
    http = await startOtlpHttpReceiver();
    grpcRelay = await startTcpRelay({
      listenHost: '127.0.0.1',
      listenPort: 0,
      targetPort: grpc.port,
    });
    httpRelay = await startTcpRelay({
      listenHost: '127.0.0.1',
      listenPort: 0,
      targetPort: http.port,
    });
    readout = await startReadoutServer({
      receivers: [grpc, http],
      host: '127.0.0.1',
      port: 0,
    });
  });

  afterEach(async () => {
    await Promise.all([
      grpcRelay.close(),
      httpRelay.close(),
      readout.close(),
      grpc.stop(),
      http.stop(),
    ]);
  });

  const readoutUrl = (): string => `http://127.0.0.1:${readout.port}`;
  const SIGNALS: OtlpSignal[] = ['traces', 'metrics', 'logs'];

  it('records every signal sent through the relays, over gRPC and HTTP, and serves the records exactly', async () => {
    for (const signal of SIGNALS) {
      const viaGrpc = await senderFor(signal, {
        protocol: 'grpc',
        url: `http://127.0.0.1:${grpcRelay.port}`,
      })();
      const viaHttp = await senderFor(signal, {
        protocol: 'http/protobuf',
        url: `http://127.0.0.1:${httpRelay.port}/v1/${signal}`,
      })();
      expect({ signal, grpc: viaGrpc.code, http: viaHttp.code }).toEqual({
        signal,
        grpc: 0,
        http: 0,
      });
    }

    const read = await fetchReadout(readoutUrl());
    expect(grpc.exportCalls).toBe(3);
    expect(http.exportCalls).toBe(3);
    expect(read.exportCalls).toBe(6);
    // Times come back as the exact bigints; absent keys compare like undefined ones.
    expect(read.spans).toEqual([...grpc.spans, ...http.spans]);
    expect(read.metrics).toEqual([...grpc.metrics, ...http.metrics]);
    expect(read.logs).toEqual([...grpc.logs, ...http.logs]);
    expect(read.exports.map((e) => `${e.protocol} ${e.signal}`)).toEqual([
      'grpc traces',
      'grpc metrics',
      'grpc logs',
      'http/protobuf traces',
      'http/protobuf metrics',
      'http/protobuf logs',
    ]);
    expect(read.spans.length).toBeGreaterThan(0);
    expect(typeof read.spans[0]?.startTimeUnixNano).toBe('bigint');
    expect(read.rejections).toEqual([]);
  });

  it('answers /healthz, 404 for other paths and 405 for other methods, all as JSON', async () => {
    const health = await httpGet(`${readoutUrl()}/healthz`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });

    const missing = await httpGet(`${readoutUrl()}/spans`);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ error: 'not_found' });

    const post = await fetch(`${readoutUrl()}/received`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(await post.json()).toMatchObject({ error: 'method_not_allowed' });

    await expect(fetchReadout(`${readoutUrl()}/nope`)).rejects.toThrow(
      /answered 404/,
    );
  });

  it('closes a connection through a relay when the receiver behind it goes away, and releases its port on close', async () => {
    expect(await canConnect(grpcRelay.port)).toBe(true);
    await grpc.stop();
    // Accepted by the relay, then cut because nothing answers behind it.
    const cut = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: grpcRelay.port });
      socket.once('close', () => resolve(true));
      socket.once('error', () => undefined);
      setTimeout(() => resolve(false), 5_000).unref();
    });
    expect(cut).toBe(true);

    const port = grpcRelay.port;
    await grpcRelay.close();
    expect(await canConnect(port)).toBe(false);
  });
});
