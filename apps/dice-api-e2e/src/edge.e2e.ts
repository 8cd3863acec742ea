/**
 * ISSUE 13 — what the built dice-api's telemetry believes and records about requests from
 * outside: sensitive query values redacted (and extendable), attribute values capped by default,
 * `client.address` from X-Forwarded-For only behind a named proxy, incoming trace context linked
 * instead of continued when the service faces the public, no command line or process owner in
 * the resource, strict routing, and /metrics on a port of its own when asked.
 */
import {
  getFreePort,
  httpGet,
  startOtlpReceiver,
  stopAllProcesses,
  type NodeProcess,
  type OtlpReceiver,
  type ReceivedSpan,
} from '@otel-dice/test-support';
import { startDiceApi } from './support/dice-api.js';
import { serverSpans } from './support/traces.js';

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

let receiver: OtlpReceiver | undefined;
afterEach(async () => {
  await stopAllProcesses();
  await receiver?.stop();
  receiver = undefined;
});

async function start(env: Record<string, string> = {}): Promise<NodeProcess> {
  receiver = await startOtlpReceiver();
  return startDiceApi({
    traceEndpoint: receiver.endpoint,
    env: { DICE_FAULT: 'off', OTEL_BSP_SCHEDULE_DELAY: '100', ...env },
  });
}

async function serverSpanOf(
  app: NodeProcess,
  path: string,
  headers: Record<string, string> = {},
): Promise<ReceivedSpan> {
  const r = receiver as OtlpReceiver;
  r.clear();
  const response = await fetch(`${app.baseUrl}${path}`, { headers });
  await response.arrayBuffer();
  const spans = await r.waitForSpans((s) => serverSpans(s).length > 0, {
    what: `the server span of ${path}`,
  });
  return serverSpans(spans)[0];
}

describe('the query string on the server span', () => {
  it('has credential values redacted, whatever their spelling', async () => {
    const app = await start();
    const span = await serverSpanOf(
      app,
      '/rolldice?rolls=2&token=t0k3n&Password=hunter2&api_key=k3y&X-Amz-Signature=s1g',
    );
    expect(span.attributes['url.query']).toBe(
      'rolls=2&token=REDACTED&Password=REDACTED&api_key=REDACTED&X-Amz-Signature=REDACTED',
    );
    const everything =
      JSON.stringify(span.attributes) + app.lines.map((l) => l.text).join('\n');
    for (const secret of ['t0k3n', 'hunter2', 'k3y', 's1g'])
      expect(everything).not.toContain(secret);
  });

  it('redacts the names TELEMETRY_HTTP_REDACT_QUERY_PARAMS adds', async () => {
    const app = await start({ TELEMETRY_HTTP_REDACT_QUERY_PARAMS: 'email' });
    const span = await serverSpanOf(app, '/rolldice?rolls=1&email=a%40b.c');
    expect(span.attributes['url.query']).toBe('rolls=1&email=REDACTED');
  });

  it('is capped at 4096 characters by default, and at OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT when set', async () => {
    const long = `rolls=1&padding=${'x'.repeat(6000)}`;
    let app = await start();
    expect(
      String(
        (await serverSpanOf(app, `/rolldice?${long}`)).attributes['url.query'],
      ),
    ).toHaveLength(4096);
    await stopAllProcesses();
    await receiver?.stop();
    app = await start({ OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '32' });
    expect(
      String(
        (await serverSpanOf(app, `/rolldice?${long}`)).attributes['url.query'],
      ),
    ).toHaveLength(32);
  });
});

describe('client.address', () => {
  it('is the connection peer unless the peer is a trusted proxy', async () => {
    const spoofed = { 'X-Forwarded-For': '198.51.100.7' };
    let app = await start();
    expect(
      (await serverSpanOf(app, '/rolldice', spoofed)).attributes[
        'client.address'
      ],
    ).toBe('127.0.0.1');
    await stopAllProcesses();
    await receiver?.stop();
    app = await start({ TELEMETRY_HTTP_TRUSTED_PROXIES: '127.0.0.1' });
    expect(
      (await serverSpanOf(app, '/rolldice', spoofed)).attributes[
        'client.address'
      ],
    ).toBe('198.51.100.7');
  });
});

describe('TELEMETRY_HTTP_TRUST_INCOMING_CONTEXT=false', () => {
  it('starts a new trace for an unsampled caller, links the caller, and logs the new trace id', async () => {
    const app = await start({ TELEMETRY_HTTP_TRUST_INCOMING_CONTEXT: 'false' });
    // -00: a caller asking not to be traced; its trace id, chosen by the caller
    const span = await serverSpanOf(app, '/rolldice', {
      traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-00`,
    });
    expect(span.traceId).not.toBe(CALLER_TRACE);
    expect(span.parentSpanId).toBeUndefined();
    expect(span.links).toEqual([
      expect.objectContaining({ traceId: CALLER_TRACE, spanId: CALLER_SPAN }),
    ]);
    const access = app
      .jsonLines()
      .find((line) => line['msg'] === 'request completed');
    expect(access?.['trace_id']).toBe(span.traceId);
  });

  it('is off by default: an internal caller’s trace is continued', async () => {
    const app = await start();
    const span = await serverSpanOf(app, '/rolldice', {
      traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`,
    });
    expect(span.traceId).toBe(CALLER_TRACE);
    expect(span.links).toEqual([]);
  });
});

describe('the resource and /metrics', () => {
  it('carry no command line and no process owner', async () => {
    const app = await start();
    const span = await serverSpanOf(app, '/rolldice');
    for (const key of [
      'process.command_args',
      'process.command_line',
      'process.owner',
    ])
      expect(span.resource[key]).toBeUndefined();
    expect(span.resource['process.pid']).toEqual(expect.any(Number));
    const metrics = await httpGet(`${app.baseUrl}/metrics`);
    const targetInfo = metrics.body
      .split('\n')
      .find((line) => line.startsWith('target_info{'));
    expect(targetInfo).toBeDefined();
    expect(targetInfo).not.toMatch(
      /process_command_args|process_command_line|process_owner/,
    );
  });

  it('show a scraper the service in target_info, and nothing about the process, runtime, kernel or host (ISSUE 20)', async () => {
    const app = await start({
      OTEL_RESOURCE_ATTRIBUTES:
        'k8s.node.name=node-3,deployment.environment.name=test',
    });
    const span = await serverSpanOf(app, '/rolldice');
    // the collector still gets all of it
    for (const key of [
      'process.executable.path',
      'process.runtime.version',
      'os.version',
      'host.name',
      'k8s.node.name',
    ])
      expect(span.resource[key]).toBeDefined();
    const metrics = await httpGet(`${app.baseUrl}/metrics`);
    const targetInfo = metrics.body
      .split('\n')
      .find((line) => line.startsWith('target_info{'));
    const labels = [...(targetInfo ?? '').matchAll(/(\w+)="/g)].map(
      (m) => m[1],
    );
    expect(labels.sort()).toEqual([
      'deployment_environment_name',
      'service_instance_id',
      'service_name',
      'service_version',
    ]);
  });

  it('routes exactly: /Metrics and /metrics/ are not /metrics', async () => {
    const app = await start();
    expect((await httpGet(`${app.baseUrl}/metrics`)).status).toBe(200);
    expect((await httpGet(`${app.baseUrl}/Metrics`)).status).toBe(404);
    expect((await httpGet(`${app.baseUrl}/metrics/`)).status).toBe(404);
    expect((await httpGet(`${app.baseUrl}/ROLLDICE`)).status).toBe(404);
  });

  it('moves to a port of its own with OTEL_EXPORTER_PROMETHEUS_PORT, and leaves the app port', async () => {
    const port = await getFreePort();
    const app = await start({
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
    });
    await fetch(`${app.baseUrl}/rolldice`);
    const own = await httpGet(`http://127.0.0.1:${port}/metrics`);
    expect(own.status).toBe(200);
    expect(own.body).toMatch(/^request_counter_total(\{[^}]*\})? 1$/m);
    const appPort = await httpGet(`${app.baseUrl}/metrics`);
    expect(appPort.status).toBe(404);
    expect(appPort.body).not.toContain('request_counter');
  });
});
