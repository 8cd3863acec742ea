import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  constructedRoute,
  expressRoute,
  ExpressRouteInstrumentation,
  layerPath,
  matchedRoute,
} from './express-route.js';

describe('layerPath', () => {
  it('reads a registration call the way the upstream instrumentation does', () => {
    expect(layerPath(['/users/:id', () => 0])).toBe('/users/:id');
    expect(layerPath([/^\/re/, () => 0])).toBe('/^\\/re/');
    expect(layerPath([['/a', '/b'], () => 0])).toBe('/a,/b');
    expect(layerPath([() => 0])).toBeUndefined();
  });
});

describe('matchedRoute (upstream getActualMatchedRoute)', () => {
  it.each([
    [[], '/x', undefined],
    [['/'], '/', '/'],
    [['/', '/'], '/nope', undefined],
    [['/rolldice'], '/rolldice?rolls=2', '/rolldice'],
    [['/api', '/users/:id'], '/api/users/7', '/api/users/:id'],
    [['/api/', '/users'], '/api/users', '/api/users'],
    [['/api', '/'], '/api/missing', '/api'],
    [['/other'], '/rolldice', undefined],
    [['*'], '/anything', '*'],
    [['/files/*'], '/files/a/b', '/files/*'],
    [['/a,/b'], '/b', '/a,/b'],
    [['/{*splat}', '/x'], '/x', '/x'],
  ])('%j at %s -> %j', (paths, url, route) => {
    expect(matchedRoute(paths, url)).toBe(route);
  });

  it('takes the short way for one plain path with the same answer as the general rules', () => {
    // a root mount in front sends the same question down the general path
    for (const path of ['/rolldice', '/a/b', '/users/:id', '/v1.2/x~y'])
      for (const url of [path, `${path}?q=1`, '/elsewhere', `${path}/more`])
        expect(matchedRoute([path], url)).toBe(matchedRoute(['/', path], url));
  });

  it('drops root mounts and collapses slashes when it builds the route', () => {
    expect(constructedRoute(['/', '/api/', '/v1', '/*'])).toBe('/api/v1');
  });
});

describe('ExpressRouteInstrumentation on a real Express app', () => {
  // Under Jest the require hook cannot see `require('express')`, so the patch is applied by hand
  // from the instrumentation's own module definition: the code that runs is the same.
  const express = require('express') as typeof import('express');
  const definition =
    new ExpressRouteInstrumentation().getModuleDefinitions()[0];
  let server: Server;
  let base = '';
  const routes = new Map<string, string | undefined>();

  beforeAll(async () => {
    definition.patch?.(express);
    const app = express();
    const api = express.Router();
    api.get('/users/:id', (_req, res) => {
      res.send('user');
    });
    app.use('/api/:version', api);
    app.get('/rolldice', (_req, res) => {
      res.send('4');
    });
    app.get('/passes', (_req, _res, next) => next());
    app.get('/fails', (_req, _res, next) => next(new Error('boom')));
    app.use((_req, res) => {
      res.status(404).send('none');
    });
    app.use(
      (
        _error: unknown,
        _req: unknown,
        res: { status(code: number): { send(body: string): void } },
        // eslint-disable-next-line @typescript-eslint/no-unused-vars
        _next: unknown,
      ) => {
        res.status(500).send('error');
      },
    );
    server = createServer((req: IncomingMessage, res) => {
      // Keyed by the URL as sent: a mounted router rewrites req.url while it routes.
      const url = req.url ?? '';
      res.on('close', () => routes.set(url, expressRoute(req)));
      app(req as never, res as never);
    });
    await new Promise<void>((resolve) =>
      server.listen(0, '127.0.0.1', resolve),
    );
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    definition.unpatch?.(express);
  });

  async function routeOf(path: string): Promise<string | undefined> {
    routes.delete(path);
    await (await fetch(`${base}${path}`)).arrayBuffer();
    for (let i = 0; i < 50 && !routes.has(path); i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(routes.has(path)).toBe(true);
    return routes.get(path);
  }

  it.each([
    ['/rolldice', '/rolldice'],
    ['/rolldice?rolls=3', '/rolldice'],
    ['/api/v2/users/7', '/api/:version/users/:id'],
    ['/fails', '/fails'],
    ['/passes', undefined],
    ['/nope', undefined],
    ['/', '/'],
    // Left the router unanswered: upstream keeps the router's path, and so does this.
    ['/api/v2/missing', '/api/:version'],
  ])('%s -> %j', async (path, route) => {
    expect(await routeOf(path)).toBe(route);
  });
});
