/**
 * Draining over real sockets: keep-alive agents, requests in flight, connections that never end.
 */
import {
  Agent,
  createServer,
  request,
  type IncomingHttpHeaders,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitUntil } from '@otel-dice/test-support';
import { trackForDrain, type HttpDrainer } from './http-drain.js';

interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function get(port: number, path: string, agent: Agent): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('trackForDrain', () => {
  let server: Server;
  let drainer: HttpDrainer;
  let port: number;
  let agent: Agent;
  /** Requests to /slow wait here until the test releases them. */
  let releaseSlow: Array<() => void>;
  let neverAnswered: number;

  beforeEach(async () => {
    releaseSlow = [];
    neverAnswered = 0;
    server = createServer();
    drainer = trackForDrain(server);
    server.on('request', (req, res) => {
      if (req.url === '/slow') releaseSlow.push(() => res.end('slow done'));
      else if (req.url === '/never')
        neverAnswered++; // and never answers
      else res.end('fast');
    });
    // Long enough that waiting for it would blow every deadline below.
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) =>
      server.listen(0, '127.0.0.1', resolve),
    );
    port = (server.address() as AddressInfo).port;
    agent = new Agent({ keepAlive: true, maxSockets: 4 });
  });

  afterEach(async () => {
    agent.destroy();
    server.closeAllConnections();
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  });

  it('closes idle keep-alive connections at once', async () => {
    expect((await get(port, '/fast', agent)).body).toBe('fast');
    const started = performance.now();
    await expect(drainer.drain(5_000)).resolves.toBe('drained');
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('lets an in-flight request finish, tells the client the connection closes, then resolves', async () => {
    // Warm a keep-alive connection, then put a slow request on it.
    await get(port, '/fast', agent);
    const inFlight = get(port, '/slow', agent);
    await waitUntil(() => releaseSlow.length === 1, {
      what: 'the slow request to reach the server',
    });

    const draining = drainer.drain(5_000);
    let drained = false;
    void draining.then(() => (drained = true));

    // No new connections while draining.
    await expect(get(port, '/fast', new Agent())).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    expect(drained).toBe(false);

    const started = performance.now();
    releaseSlow[0]();
    const response = await inFlight;
    expect(response).toMatchObject({ status: 200, body: 'slow done' });
    expect(response.headers.connection).toBe('close');
    await expect(draining).resolves.toBe('drained');
    // Well below keepAliveTimeout: the connection was not left to time out.
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('cuts connections still busy at the deadline and reports it', async () => {
    const hanging = get(port, '/never', agent);
    hanging.catch(() => undefined);
    await waitUntil(() => neverAnswered === 1, {
      what: 'the hanging request to reach the server',
    });
    await expect(drainer.drain(200)).resolves.toBe('forced');
    await expect(hanging).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('returns the same promise when called twice', () => {
    const first = drainer.drain(1_000);
    expect(drainer.drain(1_000)).toBe(first);
    return first;
  });
});
