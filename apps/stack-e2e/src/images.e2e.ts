import {
  fetchReadout,
  httpGet,
  waitUntil,
  type ReceivedSpan,
} from '@otel-dice/test-support';
import type { Readable } from 'node:stream';
import {
  getContainerRuntimeClient,
  Network,
  Wait,
  type StartedNetwork,
  type StartedTestContainer,
} from 'testcontainers';
import { probeContainerImages } from './support/container-probe.js';
import {
  completeRollTraces,
  describeTraces,
  rollTraceProblems,
  rollValueOf,
  serverSpanOf,
} from './support/dice-traces.js';
import { StablePortContainer } from './support/stable-port-container.js';
import { parseSamples, sumOf } from './support/metric-samples.js';
import {
  buildRepoImage,
  diceApiImageRecipe,
  pinnedNodeImage,
  receiverImageRecipe,
} from './support/repo-images.js';
import {
  createRunResources,
  removeImage,
  removeLeftoversOfDeadRuns,
} from './support/run-resources.js';
import { announceSkip, inCi } from './support/skip.js';

/**
 * dice-api as its users ship it — the image built from the project's Dockerfile — proved on the wire
 * with nothing but images built from this repository: the app image, and an OTLP receiver image
 * (libs/test-support) whose HTTP read-out tells the test what arrived. Both on one testcontainers
 * Network; the test reaches them through ports published on 127.0.0.1 only, below the ephemeral
 * port range (see StablePortContainer).
 *
 * testcontainers' helper images are not needed: no host port is exposed into a container (so no
 * sshd port forwarder), and the reaper (Ryuk) is disabled unless the environment asks for it; the
 * suite removes its own containers, network and images in afterAll, and what a killed run left
 * behind at the start of the next.
 *
 * Needs a container engine and the pinned Node base image (.env NODE_IMAGE), present or pullable.
 * Without them it skips with one line, except in CI (CI=true), where it fails.
 */

// Before any testcontainers call: the reaper's image may not be pullable, and nothing here needs it.
process.env['TESTCONTAINERS_RYUK_DISABLED'] ??= 'true';

const nodeImage = pinnedNodeImage();
const availability = probeContainerImages([nodeImage]);
if (!availability.ok && !inCi())
  announceSkip('the repository images suite', availability.reason);
const describeImages = availability.ok || inCi() ? describe : describe.skip;

const APP_PORT = 5000;
const GRPC_PORT = 4317;
const READOUT_PORT = 8080;
/** A cold build runs `npm ci` for the whole workspace inside Docker. */
const BUILD_TIMEOUT_MS = 15 * 60_000;
const STARTUP_TIMEOUT_MS = 90_000;
/** The service promises to be gone within 10 s of SIGTERM (Docker's default grace period). */
const EXIT_BUDGET_MS = 10_000;
/** Docker's grace before SIGKILL: beyond the budget, so an overrun is measured instead of cut. */
const STOP_GRACE_MS = EXIT_BUDGET_MS + 10_000;
const DELIVERY_TIMEOUT_MS = 30_000;
/** grpc-js backs off between reconnects (1 s, x1.6 with jitter): the first export may wait a while. */
const LATE_RECEIVER_DEADLINE_MS = 90_000;

/** One container per behaviour, each with its own service.name, so their spans never mix. */
const SERVICES = {
  // Set through the seed's variable; the others through the standard one.
  ok: 'dice-image-ok',
  faulty: 'dice-image-faulty',
  held: 'dice-image-held',
  late: 'dice-image-late',
} as const;

describeImages(
  'images built from this repository, on a testcontainers network',
  () => {
    const run = createRunResources();
    const images = {
      diceApi: run.imageTag('dice-api'),
      receiver: run.imageTag('otlp-receiver'),
    };
    const containers: StartedTestContainer[] = [];
    const logs = new Map<string, string[]>();
    let network: StartedNetwork | undefined;
    let receiverUrl = '';
    let ok: StartedTestContainer;
    let faulty: StartedTestContainer;
    let held: StartedTestContainer;
    const startedAt = Date.now();
    let builtIn = '';

    /** Keeps a container's output for failure messages. */
    function collectLogs(name: string) {
      const lines: string[] = [];
      logs.set(name, lines);
      return (stream: Readable) =>
        stream.on('data', (chunk: Buffer | string) =>
          lines.push(...String(chunk).split('\n').filter(Boolean)),
        );
    }

    function logTail(name: string, count = 15): string {
      const lines = logs.get(name) ?? [];
      return `last ${Math.min(count, lines.length)} log lines of ${name}:\n${lines.slice(-count).join('\n')}`;
    }

    async function start(
      name: string,
      container: StablePortContainer,
    ): Promise<StartedTestContainer> {
      const started = await container
        .withName(`${run.networkName}_${name}`)
        .withLabels({ ...run.containerLabels })
        .withLogConsumer(collectLogs(name))
        .withStartupTimeout(STARTUP_TIMEOUT_MS)
        .start()
        .catch((error: unknown) => {
          throw new Error(
            `${name} did not start: ${(error as Error).message}\n${logTail(name)}`,
            { cause: error },
          );
        });
      containers.push(started);
      return started;
    }

    /** A dice-api container from the built image; `env` is the only difference between them. */
    function diceApi(
      alias: string,
      env: Record<string, string>,
    ): StablePortContainer {
      if (!network) throw new Error('network not started');
      return new StablePortContainer(images.diceApi)
        .withNetwork(network)
        .withNetworkAliases(alias)
        .withEnvironment(env)
        .withExposedPorts(APP_PORT);
    }

    function receiver(alias: string): StablePortContainer {
      if (!network) throw new Error('network not started');
      return new StablePortContainer(images.receiver)
        .withNetwork(network)
        .withNetworkAliases(alias)
        .withExposedPorts(READOUT_PORT)
        .withWaitStrategy(Wait.forHttp('/healthz', READOUT_PORT));
    }

    const appUrl = (container: StartedTestContainer, path: string): string =>
      `http://127.0.0.1:${container.getMappedPort(APP_PORT)}${path}`;
    const readoutUrl = (container: StartedTestContainer): string =>
      `http://127.0.0.1:${container.getMappedPort(READOUT_PORT)}`;

    /** Waits until the receiver at `url` holds `count` complete /rolldice traces of `service`. */
    async function waitForRollTraces(
      url: string,
      service: string,
      count: number,
      container: string,
    ): Promise<ReceivedSpan[][]> {
      let last: ReceivedSpan[][] = [];
      try {
        return await waitUntil(
          async () => {
            last = completeRollTraces((await fetchReadout(url)).spans, service);
            return last.length >= count ? last : undefined;
          },
          {
            timeoutMs: DELIVERY_TIMEOUT_MS,
            intervalMs: 250,
            what: `${count} complete /rolldice traces of ${service} in the receiver`,
          },
        );
      } catch (error) {
        throw new Error(
          `${(error as Error).message}\ncomplete traces so far:\n${describeTraces(last)}\n${logTail(container)}`,
          { cause: error },
        );
      }
    }

    beforeAll(
      async () => {
        if (!availability.ok)
          throw new Error(
            `CI=true, so the repository images suite must run, but it cannot: ${availability.reason}. ` +
              'Start a Docker engine (bash .ci/docker-engine.sh) and provide the base image (bash .ci/node-base-image.sh).',
          );
        for (const leftover of await removeLeftoversOfDeadRuns())
          process.stdout.write(
            `stack-e2e: removed ${leftover} of a dead run\n`,
          );

        // One after the other: on two cores parallel builds only contend, and a failure names one.
        const buildStart = Date.now();
        await buildRepoImage(diceApiImageRecipe(nodeImage), images.diceApi);
        const diceApiSeconds = (Date.now() - buildStart) / 1000;
        await buildRepoImage(receiverImageRecipe(nodeImage), images.receiver);
        builtIn = `dice-api ${diceApiSeconds.toFixed(1)} s + receiver ${((Date.now() - buildStart) / 1000 - diceApiSeconds).toFixed(1)} s`;

        network = await new Network({
          nextUuid: () => run.networkName,
        }).start();
        const main = await start('receiver', receiver('otlp-receiver'));
        receiverUrl = readoutUrl(main);

        const endpoint = `http://otlp-receiver:${GRPC_PORT}`;
        // In parallel: each waits for its own readiness. `ok` waits for the image's own HEALTHCHECK.
        [ok, faulty, held] = await Promise.all([
          start(
            'dice-ok',
            diceApi('dice-ok', {
              TRACE_ENDPOINT: endpoint,
              APP_SERVICE_NAME: SERVICES.ok,
              DICE_FAULT: 'off',
              OTEL_BSP_SCHEDULE_DELAY: '200',
            }).withWaitStrategy(Wait.forHealthCheck()),
          ),
          start(
            'dice-faulty',
            diceApi('dice-faulty', {
              TRACE_ENDPOINT: endpoint,
              OTEL_SERVICE_NAME: SERVICES.faulty,
              DICE_FAULT: 'always',
              OTEL_BSP_SCHEDULE_DELAY: '200',
            }).withWaitStrategy(Wait.forHttp('/healthz', APP_PORT)),
          ),
          start(
            'dice-held',
            diceApi('dice-held', {
              TRACE_ENDPOINT: endpoint,
              OTEL_SERVICE_NAME: SERVICES.held,
              DICE_FAULT: 'off',
              // Far longer than the test: only the shutdown flush can deliver these spans.
              OTEL_BSP_SCHEDULE_DELAY: '600000',
            }).withWaitStrategy(Wait.forHttp('/healthz', APP_PORT)),
          ),
        ]);
      },
      BUILD_TIMEOUT_MS + 2 * STARTUP_TIMEOUT_MS,
    );

    afterAll(async () => {
      // Everything this run made goes, even after a failure; the first cleanup error is reported.
      const results: PromiseSettledResult<unknown>[] = await Promise.allSettled(
        containers.map((c) => c.stop({ timeout: 0, remove: true })),
      );
      results.push(...(await Promise.allSettled([network?.stop()])));
      results.push(
        ...(await Promise.allSettled(Object.values(images).map(removeImage))),
      );
      process.stdout.write(
        `stack-e2e: repository images suite took ${((Date.now() - startedAt) / 1000).toFixed(1)} s` +
          `${builtIn ? ` (image builds: ${builtIn})` : ''}\n`,
      );
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    }, 120_000);

    it("turns healthy by the image's own HEALTHCHECK", async () => {
      const client = await getContainerRuntimeClient();
      const inspect = await client.container.inspect(
        client.container.getById(ok.getId()),
      );
      const image = await client.container.dockerode
        .getImage(images.diceApi)
        .inspect();
      // The image declares a check and the container runs exactly that one (nothing set at run time).
      const declared = image.Config.Healthcheck?.Test ?? [];
      expect(declared[0]).toBe('CMD');
      expect(declared.length).toBeGreaterThan(1);
      expect(inspect.Config.Healthcheck).toEqual(image.Config.Healthcheck);
      expect(inspect.State.Health?.Status).toBe('healthy');
      expect(inspect.State.Health?.Log.at(-1)?.ExitCode).toBe(0);
    });

    it('delivers seed-shaped traces from the container, with service.name from its environment', async () => {
      const REQUESTS = 8;
      const faces: number[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        const response = await httpGet(appUrl(ok, '/rolldice'));
        expect(response.status).toBe(200);
        faces.push(Number(response.body));
      }
      const traces = await waitForRollTraces(
        receiverUrl,
        SERVICES.ok,
        REQUESTS,
        'dice-ok',
      );

      expect(traces).toHaveLength(REQUESTS);
      for (const trace of traces)
        expect({
          trace: describeTraces([trace]),
          problems: rollTraceProblems(trace, {
            status: 200,
            faces: [1, 2, 3, 4, 5, 6],
          }),
        }).toEqual({ trace: describeTraces([trace]), problems: [] });
      // The faces the client saw are the roll.value attributes that arrived, one for one.
      const sorted = (values: unknown[]) =>
        values.map(Number).sort((a, b) => a - b);
      expect(sorted(traces.map(rollValueOf))).toEqual(sorted(faces));
      // Over OTLP/gRPC, the seed's protocol (TRACE_ENDPOINT), like every trace export here.
      const { exports } = await fetchReadout(receiverUrl);
      expect(
        new Set(
          exports.filter((e) => e.signal === 'traces').map((e) => e.protocol),
        ),
      ).toEqual(new Set(['grpc']));
      // Resource from the container's environment and the SDK, on every span.
      for (const span of traces.flat())
        expect(span.resource).toMatchObject({
          'service.name': SERVICES.ok,
          'telemetry.sdk.language': 'nodejs',
        });
    });

    it('marks the server span ERROR when the die shows 7 and the request fails with 500 (DICE_FAULT=always)', async () => {
      const REQUESTS = 3;
      for (let i = 0; i < REQUESTS; i++) {
        const response = await httpGet(appUrl(faulty, '/rolldice'));
        expect({ status: response.status, body: response.body }).toEqual({
          status: 500,
          body: 'something went wrong!',
        });
      }
      const traces = await waitForRollTraces(
        receiverUrl,
        SERVICES.faulty,
        REQUESTS,
        'dice-faulty',
      );
      expect(traces).toHaveLength(REQUESTS);
      for (const trace of traces) {
        expect(rollTraceProblems(trace, { status: 500, faces: [7] })).toEqual(
          [],
        );
        expect(serverSpanOf(trace)?.status.code).toBe(2);
        expect(serverSpanOf(trace)?.resource['service.name']).toBe(
          SERVICES.faulty,
        );
      }
    });

    it("serves its metrics on the container's /metrics", async () => {
      const read = async () => {
        const response = await httpGet(appUrl(ok, '/metrics'));
        expect(response.status).toBe(200);
        expect(String(response.headers['content-type'])).toMatch(
          /^text\/plain/,
        );
        return parseSamples(response.body);
      };
      const before = await read();
      const REQUESTS = 5;
      for (let i = 0; i < REQUESTS; i++)
        expect((await httpGet(appUrl(ok, '/rolldice'))).status).toBe(200);
      // The library renders the page at most once a second: the next one may still be the same.
      const after = await waitUntil(
        async () => {
          const samples = await read();
          return sumOf(samples, 'request_counter_total') >
            sumOf(before, 'request_counter_total')
            ? samples
            : undefined;
        },
        {
          timeoutMs: 10_000,
          what: 'a /metrics page rendered after the requests',
        },
      );

      // Exactly the requests sent, counted by the seed's request_counter and by dice.rolls.
      expect(
        sumOf(after, 'request_counter_total') -
          sumOf(before, 'request_counter_total'),
      ).toBe(REQUESTS);
      expect(
        sumOf(after, 'dice_rolls_total') - sumOf(before, 'dice_rolls_total'),
      ).toBe(REQUESTS);
      expect(sumOf(after, 'dice_rolls_total', { roll_value: '7' })).toBe(0);
      // The seed's CPU time, read from /proc/stat inside the container.
      expect(sumOf(after, 'system_cpu_time_total')).toBeGreaterThan(0);
      expect(
        after.some((s) => s.name.startsWith('http_server_request_duration')),
      ).toBe(true);
    });

    it(`flushes the spans held by a long batch delay on SIGTERM and exits 0 within ${EXIT_BUDGET_MS / 1000} s`, async () => {
      const REQUESTS = 10;
      for (let i = 0; i < REQUESTS; i++)
        expect((await httpGet(appUrl(held, '/rolldice'))).status).toBe(200);
      // Precondition that makes this test mean something: nothing of it was exported yet.
      expect(
        completeRollTraces(
          (await fetchReadout(receiverUrl)).spans,
          SERVICES.held,
        ),
      ).toHaveLength(0);

      const client = await getContainerRuntimeClient();
      const container = client.container.getById(held.getId());
      const stopStart = Date.now();
      // `docker stop`: SIGTERM to PID 1 (node, exec form), SIGKILL only after the grace period.
      await held.stop({ timeout: STOP_GRACE_MS, remove: false });
      const stopMs = Date.now() - stopStart;
      const state = (await client.container.inspect(container)).State;
      await client.container.remove(container, { removeVolumes: true });
      containers.splice(containers.indexOf(held), 1);

      expect({ exitCode: state.ExitCode, oomKilled: state.OOMKilled }).toEqual({
        exitCode: 0,
        oomKilled: false,
      });
      expect(stopMs).toBeLessThan(EXIT_BUDGET_MS);
      // The process is gone: what arrived is all that ever will.
      const traces = completeRollTraces(
        (await fetchReadout(receiverUrl)).spans,
        SERVICES.held,
      );
      expect(traces).toHaveLength(REQUESTS);
      for (const trace of traces)
        expect(
          rollTraceProblems(trace, { status: 200, faces: [1, 2, 3, 4, 5, 6] }),
        ).toEqual([]);
    });

    it('delivers spans to a receiver that starts after the app', async () => {
      const app = await start(
        'dice-late',
        diceApi('dice-late', {
          // Nothing answers to this name yet: the exporter cannot even resolve it.
          TRACE_ENDPOINT: `http://otlp-late:${GRPC_PORT}`,
          OTEL_SERVICE_NAME: SERVICES.late,
          DICE_FAULT: 'off',
          OTEL_BSP_SCHEDULE_DELAY: '200',
        }).withWaitStrategy(Wait.forHttp('/healthz', APP_PORT)),
      );
      // Served while no receiver exists; those spans are lost, the requests must not notice.
      for (let i = 0; i < 5; i++)
        expect((await httpGet(appUrl(app, '/rolldice'))).status).toBe(200);

      const appearedAtNs = BigInt(Date.now()) * 1_000_000n;
      const late = await start('receiver-late', receiver('otlp-late'));
      const lateUrl = readoutUrl(late);
      let arrived: ReceivedSpan[][] = [];
      try {
        await waitUntil(
          async () => {
            expect((await httpGet(appUrl(app, '/rolldice'))).status).toBe(200);
            arrived = completeRollTraces(
              (await fetchReadout(lateUrl)).spans,
              SERVICES.late,
            ).filter(
              (trace) =>
                (serverSpanOf(trace)?.startTimeUnixNano ?? 0n) >= appearedAtNs,
            );
            return arrived.length > 0;
          },
          {
            timeoutMs: LATE_RECEIVER_DEADLINE_MS,
            intervalMs: 500,
            what: `a complete trace of a request sent after the late receiver started`,
          },
        );
      } catch (error) {
        throw new Error(
          `${(error as Error).message}\n${logTail('dice-late')}`,
          {
            cause: error,
          },
        );
      }
      for (const trace of arrived)
        expect(
          rollTraceProblems(trace, { status: 200, faces: [1, 2, 3, 4, 5, 6] }),
        ).toEqual([]);
      expect((await httpGet(appUrl(app, '/healthz'))).status).toBe(200);
    });
  },
);
