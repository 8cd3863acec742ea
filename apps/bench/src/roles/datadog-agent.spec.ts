import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { encode } from '@msgpack/msgpack';
import { waitUntil } from '@otel-dice/test-support';
import { DATADOG_ENV } from '../lib/variants.js';
import { AGENT_INFO, createDatadogAgent, type DatadogAgent } from './datadog-agent.js';

const span = (name: string) => ({
  trace_id: 1n,
  span_id: 2n,
  parent_id: 0n,
  name,
  resource: name,
  service: 'svc',
  start: 1_790_000_000_000_000_000n,
  duration: 10,
  error: 0,
  meta: {},
  metrics: { _sampling_priority_v1: 1 },
});

describe('the stand-in Datadog agent', () => {
  let agent: DatadogAgent;
  beforeEach(async () => {
    agent = createDatadogAgent();
    await agent.start();
  });
  afterEach(async () => {
    await agent.stop();
  });

  const put = (path: string, body: Uint8Array | string, headers: Record<string, string> = {}) =>
    fetch(`${agent.url}${path}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/msgpack', ...headers },
      body: typeof body === 'string' ? body : Buffer.from(body),
    });

  it('takes v0.4 and v0.5 payloads, answers with sampling rates, and counts their spans', async () => {
    const v04 = await put('/v0.4/traces', encode([[span('a'), span('b')], [span('a')]], { useBigInt64: true }), {
      'X-Datadog-Trace-Count': '2',
    });
    expect(v04.status).toBe(200);
    expect(await v04.json()).toEqual({ rate_by_service: { 'service:,env:': 1 } });
    const strings = ['svc', 'c', '_sampling_priority_v1', 'web'];
    const v05 = await fetch(`${agent.url}/v0.5/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/msgpack' },
      body: Buffer.from(encode([strings, [[[0, 1, 1, 1n, 2n, 0n, 5n, 1, 0, {}, { 2: 0 }, 3]]]], { useBigInt64: true })),
    });
    expect(v05.status).toBe(200);
    expect(agent.counts()).toMatchObject({
      payloads: 2,
      payloadsByPath: { '/v0.4/traces': 1, '/v0.5/traces': 1 },
      traces: 3,
      spans: 4,
      keptSpans: 3,
      spanNames: { a: 2, b: 1, c: 1 },
      refused: 0,
      unexpected: {},
    });
  });

  it('refuses what the intake would not take, counting it apart from the spans', async () => {
    const wrongType = await put('/v0.4/traces', encode([]), { 'Content-Type': 'application/json' });
    expect(wrongType.status).toBe(415);
    const garbage = await put('/v0.4/traces', Buffer.from([0xc1]));
    expect(garbage.status).toBe(400);
    expect(await garbage.text()).toMatch(/^v0.4 payload: not msgpack/);
    const miscounted = await put('/v0.4/traces', encode([[span('a')]], { useBigInt64: true }), { 'X-Datadog-Trace-Count': '3' });
    expect(miscounted.status).toBe(400);
    expect(agent.counts()).toMatchObject({ payloads: 0, spans: 0, refused: 3 });
    expect(agent.counts().lastRefusal).toMatch(/X-Datadog-Trace-Count says 3/);
  });

  it('serves /info, counts DogStatsD lines over HTTP and UDP, and 404s and counts anything else', async () => {
    const info = (await (await fetch(`${agent.url}/info`)).json()) as typeof AGENT_INFO;
    expect(info.endpoints).toContain('/v0.4/traces');
    expect(info.client_drop_p0s).toBe(false);
    expect(info.config.statsd_port).toBe(agent.dogstatsdPort);

    const proxy = await fetch(`${agent.url}/dogstatsd/v2/proxy`, { method: 'POST', body: 'a:1|c\nb:2|c|#t:1\na:1|c\n' });
    expect(proxy.status).toBe(202);
    const udp = createSocket('udp4');
    await new Promise<void>((resolve, reject) =>
      udp.send('b:1|c', agent.dogstatsdPort, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
    );
    udp.close();
    await waitUntil(() => agent.counts().metricLines['b'] === 2, { what: 'the UDP line', timeoutMs: 5_000 });

    expect((await fetch(`${agent.url}/v0.7/config`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${agent.url}/telemetry/proxy/api/v2/apmtelemetry`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect(agent.counts()).toMatchObject({
      metricLines: { a: 2, b: 2 },
      unexpected: { 'POST /v0.7/config': 1, 'POST /telemetry/proxy/api/v2/apmtelemetry': 1 },
    });
  });

  // The real tracer against the stand-in: the protocol as dd-trace speaks it, both intake
  // versions, with the bench's settings — which must leave nothing else for the agent to see.
  it.each(['0.4', '0.5'])('receives every span dd-trace sends over v%s, and nothing but traces and metrics', async (version) => {
    const traces = 40;
    await new Promise<void>((resolve, reject) => {
      execFile(
        process.execPath,
        [join(__dirname, 'fixtures', 'dd-trace-sender.cjs')],
        {
          timeout: 30_000,
          env: {
            PATH: process.env['PATH'] ?? '',
            HOME: process.env['HOME'] ?? '',
            ...DATADOG_ENV,
            DD_TRACE_AGENT_URL: agent.url,
            DD_DOGSTATSD_HOST: '127.0.0.1',
            DD_DOGSTATSD_PORT: String(agent.dogstatsdPort),
            DD_TRACE_AGENT_PROTOCOL_VERSION: version,
            TRACES: String(traces),
          },
        },
        (error, _stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve()),
      );
    });
    await waitUntil(() => agent.counts().spans >= 3 * traces, { what: `${3 * traces} spans`, timeoutMs: 10_000 });
    const counts = agent.counts();
    expect(Object.keys(counts.payloadsByPath)).toEqual([`/v${version}/traces`]);
    expect(counts).toMatchObject({
      traces,
      spans: 3 * traces,
      keptSpans: 3 * traces,
      spanNames: { 'fixture.request': traces, do_roll: traces, do_important_job: traces },
      refused: 0,
      unexpected: {},
    });
    expect(counts.metricLines['request_counter']).toBeGreaterThanOrEqual(1);
  });
});
