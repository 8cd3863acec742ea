/**
 * runServer in-process: listening, the shutdown order (stop accepting → drain → telemetry
 * shutdown → exit 0) with signals and exit injected instead of the real process ones.
 */
import { EventEmitter } from 'node:events';
import { Agent, request } from 'node:http';
import { DEFAULT_CONNECTION_GUARD } from '@otel-dice/telemetry';
import { waitUntil } from '@otel-dice/test-support';
import { loadConfig } from './config.js';
import { createLogger } from './logging.js';
import {
  runServer,
  type RunningServer,
  type ServerTelemetry,
} from './server.js';
import { startTestTelemetry } from '@otel-dice/telemetry/testing';

function getKeepAlive(
  url: string,
  agent: Agent,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('runServer', () => {
  const signals = new EventEmitter();
  const exits: number[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const events: string[] = [];
  const memory = startTestTelemetry();
  let running: RunningServer;
  const agent = new Agent({ keepAlive: true });

  const telemetry: ServerTelemetry = {
    ...memory,
    serviceName: 'dice-api-server-test',
    enabled: true,
    shutdown: async () => {
      events.push(
        `telemetry.shutdown (server listening: ${running.server.listening})`,
      );
      await memory.shutdown();
    },
  };

  beforeAll(async () => {
    running = await runServer({
      config: {
        ...loadConfig({ DICE_FAULT: 'off' }),
        host: '127.0.0.1',
        port: 0,
      },
      telemetry,
      logger: createLogger({
        serviceName: telemetry.serviceName,
        destination: {
          write: (line: string) =>
            void logs.push(JSON.parse(line) as Record<string, unknown>),
        },
      }),
      signals,
      exit: (code) => {
        events.push(`exit ${code}`);
        exits.push(code);
      },
    });
  });

  afterAll(async () => {
    agent.destroy();
    if (running.server.listening) {
      running.server.closeAllConnections();
      await new Promise((resolve) => running.server.close(resolve));
    }
    signals.removeAllListeners();
  });

  it('listens on the configured host and logs where', async () => {
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(logs[0]).toMatchObject({
      msg: 'listening',
      url: running.url,
      dice_fault: 'off',
    });
    const res = await getKeepAlive(`${running.url}/rolldice`, agent);
    expect(res.status).toBe(200);
    await waitUntil(
      () => logs.some((line) => line['msg'] === 'request completed'),
      { what: 'the access log line' },
    );
  });

  it('on SIGTERM closes the server (keep-alive sockets included), then shuts telemetry down, then exits 0', async () => {
    // The agent holds an idle keep-alive connection from the previous test.
    signals.emit('SIGTERM', 'SIGTERM');
    await waitUntil(() => exits.length > 0, {
      what: 'exit to be called',
      timeoutMs: 5_000,
    });
    expect(events).toEqual([
      'telemetry.shutdown (server listening: false)',
      'exit 0',
    ]);
    expect(logs.map((line) => line['msg'])).toEqual(
      expect.arrayContaining(['shutdown started', 'shutdown complete']),
    );
    await expect(fetch(`${running.url}/healthz`)).rejects.toThrow();
  });
});

describe('the connection guard', () => {
  it('has the defaults of APP_SEND_TIMEOUT_MS and APP_MAX_PIPELINED_REQUESTS', () => {
    // app-config reads the numbers before the library is loaded, so it keeps its own copy
    expect(loadConfig({}).server).toMatchObject(DEFAULT_CONNECTION_GUARD);
  });
});
