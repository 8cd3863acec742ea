import { createServer, type Server } from 'node:http';
import { getFreePort } from './ports.js';
import {
  parseQueryResponse,
  prometheusSkipReason,
  renderPrometheusConfig,
  startPrometheus,
  type RunningPrometheus,
} from './prometheus.js';

const skipReason = prometheusSkipReason();
// One plain line (console.log would add jest's multi-line source frame).
if (skipReason)
  process.stdout.write(
    `prometheus.spec: skipping real-Prometheus tests: ${skipReason}\n`,
  );
const describeWithPrometheus = skipReason ? describe.skip : describe;

/** A target serving a fixed text exposition whose value the test can change. */
async function startExpositionServer(): Promise<{
  server: Server;
  port: number;
  setValue(v: number): void;
}> {
  let value = 42.5;
  const server = createServer((req, res) => {
    if (req.url !== '/custom-metrics') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(
      '# HELP spec_fixed_value A value the test controls.\n' +
        '# TYPE spec_fixed_value gauge\n' +
        `spec_fixed_value{source="spec"} ${value}\n`,
    );
  });
  const port = await getFreePort();
  await new Promise<void>((resolve) =>
    server.listen(port, '127.0.0.1', resolve),
  );
  return { server, port, setValue: (v) => (value = v) };
}

describeWithPrometheus('startPrometheus (real prometheus binary)', () => {
  let prometheus: RunningPrometheus | undefined;
  let target: Awaited<ReturnType<typeof startExpositionServer>> | undefined;

  afterEach(async () => {
    await prometheus?.stop();
    prometheus = undefined;
    await new Promise(
      (resolve) => target?.server.close(resolve) ?? resolve(undefined),
    );
    target = undefined;
  });

  it('scrapes a 127.0.0.1 target and answers instant queries with the served values', async () => {
    target = await startExpositionServer();
    prometheus = await startPrometheus({
      targets: [`127.0.0.1:${target.port}`],
      metricsPath: '/custom-metrics',
      jobName: 'spec',
    });
    expect(prometheus.baseUrl).toBe(`http://127.0.0.1:${prometheus.port}`);

    const up = await prometheus.waitForQuery(
      'up{job="spec"}',
      (s) => s.length === 1 && s[0]?.value === 1,
      {
        what: 'target up == 1',
      },
    );
    expect(up[0]?.metric).toMatchObject({
      job: 'spec',
      instance: `127.0.0.1:${target.port}`,
    });

    const [sample] = await prometheus.waitForQuery(
      'spec_fixed_value',
      (s) => s.length === 1,
    );
    expect(sample?.value).toBe(42.5);
    expect(sample?.metric).toEqual({
      __name__: 'spec_fixed_value',
      source: 'spec',
      job: 'spec',
      instance: `127.0.0.1:${target.port}`,
    });

    // Scraping continues: a changed value shows up.
    target.setValue(7);
    await prometheus.waitForQuery(
      'spec_fixed_value',
      (s) => s[0]?.value === 7,
      { what: 'the new value 7' },
    );

    const workDir = prometheus.workDir;
    const result = await prometheus.stop();
    prometheus = undefined;
    expect(result).toMatchObject({ forcedKill: false });
    expect(await import('node:fs').then((fs) => fs.existsSync(workDir))).toBe(
      false,
    );
  }, 60_000);

  it('reports a bad query clearly', async () => {
    target = await startExpositionServer();
    prometheus = await startPrometheus({
      targets: [`127.0.0.1:${target.port}`],
    });
    await expect(prometheus.query('sum(')).rejects.toThrow(
      /Prometheus query sum\( failed \(HTTP 400\): bad_data/,
    );
  }, 60_000);
});

describe('Prometheus helpers without a server', () => {
  it('renders a config scraping the given targets', () => {
    const config = JSON.parse(
      renderPrometheusConfig({
        targets: ['127.0.0.1:1234'],
        jobName: 'j',
        scrapeIntervalSeconds: 2,
      }),
    ) as Record<string, unknown>;
    expect(config).toEqual({
      global: {
        scrape_interval: '2s',
        scrape_timeout: '2s',
        evaluation_interval: '2s',
      },
      scrape_configs: [
        {
          job_name: 'j',
          metrics_path: '/metrics',
          static_configs: [{ targets: ['127.0.0.1:1234'] }],
        },
      ],
    });
  });

  it('parses vector and scalar results', () => {
    const vector = JSON.stringify({
      status: 'success',
      data: {
        resultType: 'vector',
        result: [{ metric: { a: 'b' }, value: [1700000000.5, '3.25'] }],
      },
    });
    expect(parseQueryResponse('x', 200, vector)).toEqual([
      { metric: { a: 'b' }, timestamp: 1700000000.5, value: 3.25 },
    ]);
    const scalar = JSON.stringify({
      status: 'success',
      data: { resultType: 'scalar', result: [1, 'NaN'] },
    });
    expect(parseQueryResponse('x', 200, scalar)).toEqual([
      { metric: {}, timestamp: 1, value: NaN },
    ]);
  });

  it('rejects invalid targets before starting anything', async () => {
    await expect(
      startPrometheus({ targets: ['http://127.0.0.1:1/metrics'] }),
    ).rejects.toThrow(
      'startPrometheus: target must look like host:port, got "http://127.0.0.1:1/metrics"',
    );
    await expect(startPrometheus({ targets: [] })).rejects.toThrow(
      'at least one target is required',
    );
  });
});
