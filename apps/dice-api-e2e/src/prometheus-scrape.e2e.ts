/**
 * ISSUE 2 — a real Prometheus scrapes the app: Debian's prometheus binary, started by
 * test-support on 127.0.0.1 with a temp dir and a 1 s scrape interval, scrapes the app's own
 * /metrics; everything is read back through Prometheus's HTTP API, so this proves the exposition
 * is what a real server ingests, not just what a parser accepts.
 *
 * Without the binary the suite is skipped with one line, except under CI=true, where the missing
 * binary fails it (CI installs prometheus; green CI must mean Prometheus really ran).
 */
import { readFileSync } from 'node:fs';
import {
  getFreePort,
  prometheusSkipReason,
  startOtlpReceiver,
  startPrometheus,
  stopAllProcesses,
  type OtlpReceiver,
  type PrometheusSample,
  type RunningPrometheus,
} from '@otel-dice/test-support';
import { startDiceApi } from './support/dice-api.js';
import { runLoad } from './support/load.js';

const REQUESTS = 37;
const JOB = 'dice-api';
/** Scrapes every second, but start-up and a loaded machine can delay the first ones. */
const QUERY_DEADLINE_MS = 60_000;

const skipReason = prometheusSkipReason();
if (skipReason)
  process.stdout.write(`prometheus-scrape.e2e: skipped: ${skipReason}\n`);
const describeWithPrometheus = skipReason ? describe.skip : describe;

/** The per-CPU lines of /proc/stat (cpu0, cpu1, …): what the app's CPU callback reports. */
function cpuNames(): string[] {
  return readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .map((line) => /^(cpu\d+)\s/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

function single(samples: PrometheusSample[]): number | undefined {
  return samples.length === 1 ? samples[0]?.value : undefined;
}

describeWithPrometheus('a real Prometheus scraping /metrics', () => {
  let receiver: OtlpReceiver | undefined;
  let prometheus: RunningPrometheus | undefined;

  afterAll(async () => {
    await prometheus?.stop(); // also removes its temp dir
    await stopAllProcesses();
    await receiver?.stop();
  });

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const app = await startDiceApi({ traceEndpoint: receiver.endpoint });
    // Seed behaviour (1..7): 200s and 500s both count, the counter counts requests, not successes.
    const result = await runLoad({
      url: `${app.baseUrl}/rolldice`,
      total: REQUESTS,
      concurrency: 4,
    });
    expect(result.failures).toEqual([]);
    prometheus = await startPrometheus({
      targets: [`127.0.0.1:${app.port}`],
      jobName: JOB,
      scrapeIntervalSeconds: 1,
      startTimeoutMs: 60_000,
    });
  }, 120_000);

  function prom(): RunningPrometheus {
    if (!prometheus) throw new Error('Prometheus not started');
    return prometheus;
  }

  it('has the app as a healthy target (up == 1)', async () => {
    await prom().waitForQuery(
      `up{job="${JOB}"}`,
      (samples) => single(samples) === 1,
      {
        timeoutMs: QUERY_DEADLINE_MS,
        what: 'the dice-api target to be up',
      },
    );
  });

  it(`counts exactly the ${REQUESTS} requests sent in request_counter_total`, async () => {
    await prom().waitForQuery(
      `sum(request_counter_total{job="${JOB}"})`,
      (samples) => single(samples) === REQUESTS,
      {
        timeoutMs: QUERY_DEADLINE_MS,
        what: `request_counter_total to reach ${REQUESTS}`,
      },
    );
  });

  it('has http_server_request_duration_count for /rolldice, one observation per request', async () => {
    await prom().waitForQuery(
      `sum(http_server_request_duration_count{job="${JOB}",http_route="/rolldice",http_request_method="GET"})`,
      (samples) => single(samples) === REQUESTS,
      {
        timeoutMs: QUERY_DEADLINE_MS,
        what: `http_server_request_duration_count for /rolldice to reach ${REQUESTS}`,
      },
    );
  });

  it('has system_cpu_time_total for every cpu × {user, system}, and it increases', async () => {
    const expected = cpuNames()
      .flatMap((cpu) => [`${cpu}/system`, `${cpu}/user`])
      .sort();
    expect(expected.length).toBeGreaterThanOrEqual(2);
    const samples = await prom().waitForQuery(
      `system_cpu_time_total{job="${JOB}"}`,
      (found) => found.length >= expected.length,
      {
        timeoutMs: QUERY_DEADLINE_MS,
        what: `${expected.length} system_cpu_time_total series`,
      },
    );
    expect(
      samples.map((s) => `${s.metric['cpu']}/${s.metric['state']}`).sort(),
    ).toEqual(expected);

    const total = `sum(system_cpu_time_total{job="${JOB}"})`;
    const first = single(await prom().query(total));
    if (first === undefined)
      throw new Error(`${total} returned no single sample`);
    // Machine-wide CPU time keeps growing (this very test burns some): a later scrape must be higher.
    await prom().waitForQuery(total, (later) => (single(later) ?? 0) > first, {
      timeoutMs: QUERY_DEADLINE_MS,
      what: `${total} to grow beyond ${first}`,
    });
  });
});

describeWithPrometheus(
  'a real Prometheus scraping the Prometheus port (ISSUE 20)',
  () => {
    let receiver: OtlpReceiver | undefined;
    let prometheus: RunningPrometheus | undefined;

    afterAll(async () => {
      await prometheus?.stop();
      await stopAllProcesses();
      await receiver?.stop();
    });

    it("ingests the library's own server: up == 1, and its scrapes counted", async () => {
      receiver = await startOtlpReceiver();
      const metricsPort = await getFreePort();
      await startDiceApi({
        traceEndpoint: receiver.endpoint,
        env: {
          OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
          OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
        },
      });
      prometheus = await startPrometheus({
        targets: [`127.0.0.1:${metricsPort}`],
        jobName: 'own-port',
        scrapeIntervalSeconds: 1,
        startTimeoutMs: 60_000,
      });
      const running = prometheus;
      await running.waitForQuery(
        'up{job="own-port"}',
        (samples) => single(samples) === 1,
        { timeoutMs: QUERY_DEADLINE_MS, what: 'the Prometheus port to be up' },
      );
      // each page shows the scrapes answered before it: the second scrape sees the first
      await running.waitForQuery(
        'sum(promhttp_metric_handler_requests_total{job="own-port",code="200"})',
        (samples) => (single(samples) ?? 0) >= 1,
        {
          timeoutMs: QUERY_DEADLINE_MS,
          what: 'promhttp_metric_handler_requests_total to count the scrapes',
        },
      );
    }, 120_000);
  },
);
