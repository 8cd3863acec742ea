/**
 * The OTLP/HTTP receiver's side of the protocol with hand-made requests: what it accepts (the
 * OTLP/JSON mapping's corners included) and how it refuses the rest. The real exporters are in
 * otlp-receivers.spec.ts.
 */
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import {
  createOtlpHttpReceiver,
  startOtlpHttpReceiver,
  type OtlpHttpReceiver,
} from './otlp-http-receiver.js';
import { decodeStatusBody } from './otlp-http-request.js';
import { exportMethod } from './otlp-proto.js';
import { getFreePort } from './ports.js';

interface RawResponse {
  status: number;
  contentType: string | undefined;
  body: Buffer;
}

function post(
  url: string,
  body: Buffer | string,
  headers: Record<string, string>,
  method = 'POST',
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'],
          body: Buffer.concat(chunks),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const PROTOBUF_HEADERS = { 'content-type': 'application/x-protobuf' };

/** An OTLP/JSON trace request exercising the mapping's deviations from plain proto3 JSON. */
const JSON_TRACE_REQUEST = {
  resourceSpans: [
    {
      resource: {
        attributes: [
          { key: 'service.name', value: { stringValue: 'json-raw' } },
        ],
      },
      scopeSpans: [
        {
          scope: { name: 'raw', version: '0.1' },
          spans: [
            {
              traceId: '5B8EFFF798038103D269B633813FC60C', // hex, case-insensitive
              spanId: 'EEE19B7EC3C1B174',
              parentSpanId: 'eee19b7ec3c1b173',
              name: 'json-span',
              kind: 3, // enums as integers
              startTimeUnixNano: '1544712660000000000', // int64 as a string…
              endTimeUnixNano: 1544712661000000000, // …or as a number
              attributes: [
                { key: 'n', value: { intValue: 42 } },
                { key: 'big', value: { intValue: '9007199254740993' } },
                {
                  key: 'list',
                  value: {
                    arrayValue: {
                      values: [{ stringValue: 'a' }, { boolValue: true }],
                    },
                  },
                },
                { key: 'raw', value: { bytesValue: 'AQID' } }, // other bytes stay base64
              ],
              status: { code: 2, message: 'boom' },
              fieldFromTheFuture: { ignored: true }, // unknown fields are ignored
            },
          ],
        },
      ],
    },
  ],
};

describe('OTLP/HTTP receiver', () => {
  let receiver: OtlpHttpReceiver | undefined;

  afterEach(async () => {
    await receiver?.stop();
    receiver = undefined;
  });

  async function started(): Promise<OtlpHttpReceiver> {
    receiver = await startOtlpHttpReceiver();
    return receiver;
  }

  it('decodes OTLP/JSON: hex ids in any case, integer enums, int64 as string or number, unknown fields', async () => {
    const r = await started();
    const response = await post(
      r.url('traces'),
      JSON.stringify(JSON_TRACE_REQUEST),
      JSON_HEADERS,
    );
    expect(response).toEqual({
      status: 200,
      contentType: 'application/json',
      body: Buffer.from('{}'),
    });
    expect(r.spans).toEqual([
      expect.objectContaining({
        traceId: '5b8efff798038103d269b633813fc60c',
        spanId: 'eee19b7ec3c1b174',
        parentSpanId: 'eee19b7ec3c1b173',
        name: 'json-span',
        kind: 3,
        startTimeUnixNano: 1544712660000000000n,
        endTimeUnixNano: 1544712661000000000n,
        attributes: {
          n: 42,
          big: 9007199254740993n,
          list: ['a', true],
          raw: Buffer.from([1, 2, 3]),
        },
        status: { code: 2, message: 'boom' },
        resource: { 'service.name': 'json-raw' },
        scope: { name: 'raw', version: '0.1' },
      }),
    ]);
    expect(r.exports).toEqual([
      expect.objectContaining({
        signal: 'traces',
        itemCount: 1,
        protocol: 'http/json',
        compression: 'none',
        path: '/v1/traces',
      }),
    ]);
  });

  it('decodes OTLP/JSON metrics (summary, integer sum) and logs (kvlist body, event name, trace context)', async () => {
    const r = await started();
    const metrics = {
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'latency',
                  unit: 'ms',
                  summary: {
                    dataPoints: [
                      {
                        count: '3',
                        sum: 6,
                        quantileValues: [{ quantile: 0.5, value: 2 }],
                        timeUnixNano: '1700000000000000000',
                      },
                    ],
                  },
                },
                {
                  name: 'requests',
                  sum: {
                    aggregationTemporality: 2,
                    isMonotonic: true,
                    dataPoints: [{ asInt: '5', attributes: [] }],
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const logs = {
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                {
                  timeUnixNano: '1700000000000000000',
                  severityNumber: 13,
                  severityText: 'WARN',
                  body: {
                    kvlistValue: {
                      values: [{ key: 'msg', value: { stringValue: 'hot' } }],
                    },
                  },
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: 'eee19b7ec3c1b174',
                  flags: 1,
                  eventName: 'dice.hot',
                },
              ],
            },
          ],
        },
      ],
    };
    expect(
      (await post(r.url('metrics'), JSON.stringify(metrics), JSON_HEADERS))
        .status,
    ).toBe(200);
    expect(
      (await post(r.url('logs'), JSON.stringify(logs), JSON_HEADERS)).status,
    ).toBe(200);

    expect(r.metrics).toEqual([
      expect.objectContaining({
        name: 'latency',
        kind: 'summary',
        unit: 'ms',
        dataPoints: [
          expect.objectContaining({
            count: 3,
            sum: 6,
            quantileValues: [{ quantile: 0.5, value: 2 }],
            timeUnixNano: 1700000000000000000n,
            startTimeUnixNano: 0n,
          }),
        ],
      }),
      expect.objectContaining({
        name: 'requests',
        kind: 'sum',
        isMonotonic: true,
        aggregationTemporality: 'cumulative',
        dataPoints: [expect.objectContaining({ value: 5, valueType: 'int' })],
      }),
    ]);
    expect(r.logs).toEqual([
      expect.objectContaining({
        severityNumber: 13,
        severityText: 'WARN',
        body: { msg: 'hot' },
        traceId: '5b8efff798038103d269b633813fc60c',
        spanId: 'eee19b7ec3c1b174',
        flags: 1,
        eventName: 'dice.hot',
        observedTimeUnixNano: 0n,
      }),
    ]);
    expect(r.exports.map((e) => [e.signal, e.itemCount])).toEqual([
      ['metrics', 2],
      ['logs', 1],
    ]);
  });

  it('answers a protobuf request with an empty protobuf Export*ServiceResponse; an empty body is an empty export', async () => {
    const r = await started();
    const body = exportMethod('logs').requestSerialize({ resourceLogs: [] });
    const response = await post(r.url('logs'), body, PROTOBUF_HEADERS);
    expect(response).toEqual({
      status: 200,
      contentType: 'application/x-protobuf',
      body: Buffer.alloc(0),
    });
    expect(r.exports).toEqual([
      expect.objectContaining({
        signal: 'logs',
        itemCount: 0,
        protocol: 'http/protobuf',
      }),
    ]);
  });

  it('gunzips Content-Encoding: gzip and answers 400 for a corrupt gzip body', async () => {
    const r = await started();
    const gzipped = gzipSync(JSON.stringify(JSON_TRACE_REQUEST));
    const ok = await post(r.url('traces'), gzipped, {
      ...JSON_HEADERS,
      'content-encoding': 'gzip',
    });
    expect(ok.status).toBe(200);
    expect(r.exports[0]?.compression).toBe('gzip');

    const corrupt = await post(r.url('traces'), Buffer.from('not gzip'), {
      ...PROTOBUF_HEADERS,
      'content-encoding': 'gzip',
    });
    expect(corrupt.status).toBe(400);
    expect(decodeStatusBody(corrupt.body).message).toMatch(/not valid gzip/);
  });

  it('answers 400 with a google.rpc.Status in the request encoding for undecodable bodies', async () => {
    const r = await started();
    const garbage = await post(
      r.url('traces'),
      Buffer.from([0x0a, 0xff, 0xff]),
      PROTOBUF_HEADERS,
    );
    expect(garbage.status).toBe(400);
    expect(garbage.contentType).toBe('application/x-protobuf');
    expect(decodeStatusBody(garbage.body)).toEqual({
      code: 3,
      message: expect.stringMatching(
        /undecodable OTLP\/protobuf traces request/,
      ),
    });

    const notJson = await post(
      r.url('metrics'),
      '{"resourceMetrics": [',
      JSON_HEADERS,
    );
    expect(notJson.status).toBe(400);
    expect(notJson.contentType).toBe('application/json');
    expect(JSON.parse(notJson.body.toString())).toEqual({
      code: 3,
      message: expect.stringMatching(/body is not JSON/),
    });

    const base64Id = await post(
      r.url('traces'),
      JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [{ spans: [{ traceId: 'W47/95gDgQPSabYzgT/GDA==' }] }],
          },
        ],
      }),
      JSON_HEADERS,
    );
    expect(base64Id.status).toBe(400);
    expect(JSON.parse(base64Id.body.toString()).message).toMatch(
      /traceId must be hex-encoded \(OTLP\/JSON ids are hex, not base64\)/,
    );

    const noData = await post(
      r.url('metrics'),
      JSON.stringify({
        resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'empty' }] }] }],
      }),
      JSON_HEADERS,
    );
    expect(noData.status).toBe(400);
    expect(JSON.parse(noData.body.toString()).message).toMatch(
      /metric "empty" carries no data/,
    );

    expect(r.exportCalls).toBe(0);
    expect(r.rejections.map((x) => x.status)).toEqual([400, 400, 400, 400]);
  });

  it('answers 404 for other paths, 405 for other methods, 415 for other media types and codings', async () => {
    const r = await started();
    const wrongPath = await post(`${r.endpoint}/v1/trace`, '{}', JSON_HEADERS);
    expect(wrongPath.status).toBe(404);
    expect(wrongPath.contentType).toMatch(/^text\/plain/);

    const get = await post(r.url('traces'), '', {}, 'GET');
    expect(get.status).toBe(405);

    const text = await post(r.url('logs'), 'hello', {
      'content-type': 'text/plain',
    });
    expect(text.status).toBe(415);
    expect(text.body.toString()).toMatch(
      /application\/json, application\/x-protobuf/,
    );

    const brotli = await post(r.url('logs'), '{}', {
      ...JSON_HEADERS,
      'content-encoding': 'br',
    });
    expect(brotli.status).toBe(415);

    expect(r.rejections.map((x) => [x.status, x.path])).toEqual([
      [404, '/v1/trace'],
      [405, '/v1/traces'],
      [415, '/v1/logs'],
      [415, '/v1/logs'],
    ]);
    await expect(
      r.waitForSpans((s) => s.length > 0, { timeoutMs: 100, what: 'any span' }),
    ).rejects.toThrow(
      /rejected 4 request\(s\)[\s\S]*404 POST \/v1\/trace: no OTLP signal/,
    );
  });

  it('accepts a JSON content type with parameters', async () => {
    const r = await started();
    const response = await post(
      r.url('traces'),
      JSON.stringify(JSON_TRACE_REQUEST),
      {
        'content-type': 'application/json; charset=utf-8',
      },
    );
    expect(response.status).toBe(200);
  });

  it('serves non-default paths and validates them', async () => {
    receiver = createOtlpHttpReceiver({ paths: { traces: '/otlp/spans' } });
    await receiver.start();
    expect(receiver.url('traces')).toBe(`${receiver.endpoint}/otlp/spans`);
    expect(receiver.url('logs')).toBe(`${receiver.endpoint}/v1/logs`);
    expect(
      (await post(receiver.url('traces'), '{}', JSON_HEADERS)).status,
    ).toBe(200);
    expect(
      (await post(`${receiver.endpoint}/v1/traces`, '{}', JSON_HEADERS)).status,
    ).toBe(404);

    expect(() =>
      createOtlpHttpReceiver({ paths: { logs: 'v1/logs' } }),
    ).toThrow(/must start with '\/'/);
    expect(() =>
      createOtlpHttpReceiver({ paths: { logs: '/v1/traces' } }),
    ).toThrow(/its own path/);
  });

  it('starts late on a reserved port, stops, restarts on the same port, and refuses a second start', async () => {
    const port = await getFreePort();
    receiver = createOtlpHttpReceiver({ port });
    expect(receiver.listening).toBe(false);
    expect(receiver.endpoint).toBe(`http://127.0.0.1:${port}`);
    await receiver.start();
    await expect(receiver.start()).rejects.toThrow(/already listening/);
    await receiver.stop();
    await receiver.stop(); // idempotent
    await expect(
      post(receiver.url('traces'), '{}', JSON_HEADERS),
    ).rejects.toThrow(/ECONNREFUSED/);
    await receiver.start();
    expect(receiver.port).toBe(port);
    expect(
      (await post(receiver.url('traces'), '{}', JSON_HEADERS)).status,
    ).toBe(200);

    expect(() => createOtlpHttpReceiver({ port: -1 })).toThrow(
      /port must be an integer/,
    );
    expect(() => createOtlpHttpReceiver().port).toThrow(/no port yet/);
  });

  it('explains a timed-out wait for metrics or logs with what did arrive', async () => {
    const r = await started();
    await post(
      r.url('traces'),
      JSON.stringify(JSON_TRACE_REQUEST),
      JSON_HEADERS,
    );
    await expect(
      r.waitForMetrics((m) => m.some((x) => x.name === 'request_counter'), {
        timeoutMs: 100,
        what: 'request_counter',
      }),
    ).rejects.toThrow(
      /waiting for request_counter[\s\S]*received 0 metric\(s\) in 0 export call\(s\)\nexports by signal and protocol: traces via http\/json ×1/,
    );
    await expect(
      r.waitForLogs((l) => l.length > 0, { timeoutMs: 100 }),
    ).rejects.toThrow(/matching log records[\s\S]*received 0 log record\(s\)/);
  });
});
