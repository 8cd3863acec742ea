import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findExecutable, withParentDeathSignal } from './executables.js';
import { httpGet } from './http.js';
import { packageAsset } from './package-asset.js';
import { getFreePort } from './ports.js';
import { spawnNodeProcess, startNodeApp, type NodeProcess } from './process.js';
import { liveProcessCount, stopAllProcesses } from './process-registry.js';
import { waitUntil } from './wait.js';

const fixture = (name: string) =>
  join(__dirname, '..', '..', 'test-fixtures', name);
const HTTP_APP = fixture('http-app.cjs');

async function grandchildPid(parent: NodeProcess): Promise<number> {
  const line = await parent.waitForJsonLine(
    (l) => typeof l['childPid'] === 'number',
    {
      what: 'the grandchild pid',
    },
  );
  return line['childPid'] as number;
}

/** True while `pid` exists and is not a zombie (an orphan may linger as one until reaped). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return (
      stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
    );
  } catch {
    return false;
  }
}

describe('startNodeApp / spawnNodeProcess', () => {
  afterEach(async () => {
    await stopAllProcesses();
    expect(liveProcessCount()).toBe(0);
  });

  it('starts an app on a free port with a clean env, captures output, and stops it with SIGTERM', async () => {
    process.env['OTEL_SERVICE_NAME'] = 'must-not-leak';
    let app: NodeProcess;
    try {
      app = await startNodeApp({ main: HTTP_APP, env: { EXTRA: 'given' } });
    } finally {
      delete process.env['OTEL_SERVICE_NAME'];
    }

    expect(app.baseUrl).toBe(`http://127.0.0.1:${app.port}`);
    const childEnv = JSON.parse(
      (await httpGet(`${app.baseUrl}/env`)).body,
    ) as Record<string, string>;
    expect(Object.keys(childEnv).sort()).toEqual(
      ['APP_HOST_NAME', 'APP_PORT', 'EXTRA', 'HOME', 'PATH'].sort(),
    );
    expect(childEnv).toMatchObject({
      APP_HOST_NAME: '127.0.0.1',
      APP_PORT: String(app.port),
      EXTRA: 'given',
    });

    await app.waitForJsonLine((line) => line['msg'] === 'listening', {
      what: 'listening log',
    });
    expect(app.jsonLines()[0]).toEqual({
      level: 30,
      msg: 'listening',
      host: '127.0.0.1',
      port: app.port,
    });
    await waitUntil(() => app.stderrLines.includes('a plain stderr line'), {
      what: 'stderr line',
    });

    const result = await app.stop();
    expect(result).toMatchObject({ code: 0, signal: null, forcedKill: false });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(app.jsonLines().map((line) => line['msg'])).toEqual([
      'listening',
      'bye',
    ]);
    expect(isAlive(app.pid)).toBe(false);
    // stop() is idempotent and reports the same exit.
    await expect(app.stop()).resolves.toMatchObject({ code: 0, signal: null });
  });

  it('spawnNodeProcess runs an app that exits with an error and keeps its output', async () => {
    const proc = await spawnNodeProcess({
      main: HTTP_APP,
      env: { APP_PORT: 'not-a-port' },
    });
    await expect(proc.exited).resolves.toEqual({ code: 2, signal: null });
    expect(proc.stderrLines).toEqual(['invalid APP_PORT "not-a-port"']);
    expect(proc.exitInfo).toEqual({ code: 2, signal: null });
  });

  it('startNodeApp fails fast with the captured output when the app exits before it is healthy', async () => {
    const startedAt = Date.now();
    await expect(
      startNodeApp({
        main: HTTP_APP,
        env: { APP_PORT: '99999' },
        startTimeoutMs: 30_000,
      }),
    ).rejects.toThrow(
      /process exited early \(code 2[\s\S]*invalid APP_PORT "99999"/,
    );
    expect(Date.now() - startedAt).toBeLessThan(10_000);
  });

  it('startNodeApp reports the health URL when the app never becomes healthy', async () => {
    await expect(
      startNodeApp({
        main: HTTP_APP,
        healthPath: '/missing',
        startTimeoutMs: 3_000,
      }),
    ).rejects.toThrow(
      /waiting for http:\/\/127\.0\.0\.1:\d+\/missing to answer 200; last error: HTTP 404/,
    );
  }, 15_000); // the 3 s wait, then the app is stopped

  it('SIGKILLs an app that ignores SIGTERM after the timeout and says so', async () => {
    const app = await startNodeApp({
      main: HTTP_APP,
      env: { IGNORE_SIGTERM: '1' },
    });
    const result = await app.stop('SIGTERM', 500);
    expect(result).toMatchObject({
      code: null,
      signal: 'SIGKILL',
      forcedKill: true,
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(500);
    expect(app.jsonLines().map((line) => line['msg'])).toContain(
      'ignoring SIGTERM',
    );
  });

  it('stopAllProcesses stops every child still running', async () => {
    const apps = await Promise.all([
      startNodeApp({ main: HTTP_APP }),
      startNodeApp({ main: HTTP_APP }),
    ]);
    expect(liveProcessCount()).toBe(2);
    await stopAllProcesses();
    expect(liveProcessCount()).toBe(0);
    expect(apps.map((app) => isAlive(app.pid))).toEqual([false, false]);
  });

  it('rejects a missing main script with a clear error', async () => {
    await expect(
      spawnNodeProcess({ main: fixture('nope.cjs') }),
    ).rejects.toThrow(/nope\.cjs does not exist/);
  });

  it('the orphan watchdog ends a node child whose parent died without cleaning up', async () => {
    const port = await getFreePort();
    const parent = await spawnNodeProcess({
      main: fixture('spawn-grandchild.cjs'),
      args: [
        process.execPath,
        '-r',
        packageAsset('runtime/orphan-watchdog.cjs'),
        HTTP_APP,
      ],
      port,
    });
    const childPid = await grandchildPid(parent);
    // The grandchild is a real server: wait until it listens, so we know it is up.
    await waitUntil(
      async () =>
        (await httpGet(`http://127.0.0.1:${port}/healthz`)).status === 200,
      { what: 'grandchild to listen' },
    );

    await parent.stop('SIGKILL');
    await waitUntil(() => !isAlive(childPid), {
      timeoutMs: 5_000,
      what: `orphaned pid ${childPid} to exit`,
    });
  });

  it('withParentDeathSignal makes the kernel end a non-node child when its parent dies', async () => {
    if (!findExecutable('setpriv')) {
      process.stdout.write(
        'process.spec: skipping PDEATHSIG test: no setpriv on PATH\n',
      );
      return;
    }
    const { command, args } = withParentDeathSignal(
      findExecutable('sleep') ?? 'sleep',
      ['60'],
    );
    const parent = await spawnNodeProcess({
      main: fixture('spawn-grandchild.cjs'),
      args: [command, ...args],
    });
    const childPid = await grandchildPid(parent);
    await waitUntil(() => isAlive(childPid), {
      what: `sleep pid ${childPid} to run`,
    });

    await parent.stop('SIGKILL');
    await waitUntil(() => !isAlive(childPid), {
      timeoutMs: 5_000,
      what: `pid ${childPid} to die with its parent`,
    });
  });
});
