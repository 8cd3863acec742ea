/**
 * `http.route` for Express apps, with the upstream instrumentation's exact answer at a fraction
 * of its per-request cost.
 *
 * `@opentelemetry/instrumentation-express` learns the route by wrapping the `handle` of every
 * layer an app registers. On every request, for every layer the request enters, it records the
 * layer's path on the request, rebuilds the route from the paths so far and writes it into the
 * request's RPC metadata, builds the layer's metadata, checks its configuration and — with layer
 * spans off, this library's default — drops the path again (a mounted router's path stays). The
 * HTTP instrumentation reads the route when the response closes. All of that per layer, per
 * request, to produce one string.
 *
 * Here the same registrations are patched (`Router#route`, `Router#use`, `app.use` — when the
 * app is built, not per request), and a tracked layer's wrapper only notes what upstream's answer
 * depends on: the paths of the routers entered so far, and the path of the layer entered last.
 * The route is computed once, when the server span ends (`expressRoute(req)`), with the upstream
 * algorithm (`matchedRoute`), from the same inputs — so the same answer, quirks included (a
 * request that leaves a mounted router unanswered keeps that router's path, as upstream does).
 *
 * The library's HTTP server instrumentation (http-server.ts) asks `expressRoute` when a response
 * ends; this file makes no spans. With Express layer spans asked for, the upstream
 * instrumentation is used instead (instrumentations.ts).
 */
import type { IncomingMessage } from 'node:http';
import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  isWrapped,
} from '@opentelemetry/instrumentation';

/** The paths of the mounted routers a request entered, in order. */
const kRouterPaths = Symbol('otel-dice.express.router-paths');
/** The path of the last (non-router) layer the request entered; undefined for a path-less one. */
const kLastPath = Symbol('otel-dice.express.last-path');
/** Marks a layer whose handle is wrapped, so a second registration patch leaves it alone. */
const kTracked = Symbol('otel-dice.express.tracked');

type TrackedRequest = IncomingMessage & {
  [kRouterPaths]?: string[];
  [kLastPath]?: string;
  originalUrl?: string;
};

type Handle = (this: unknown, ...args: unknown[]) => unknown;

interface Layer {
  handle: Handle;
  /** Set by Express from the handler's function name: `router` for a mounted Router. */
  name?: string;
  [kTracked]?: true;
}

interface RouterLike {
  stack: Layer[];
  route: (...args: unknown[]) => unknown;
  use: (...args: unknown[]) => unknown;
}

interface ExpressModule {
  Router: RouterLike & { prototype?: RouterLike };
  application: {
    use: (...args: unknown[]) => unknown;
    router?: RouterLike;
    _router?: RouterLike;
  };
}

/**
 * The path a registration call mounts its layer at, as the upstream instrumentation reads it:
 * a string as is, a RegExp or number as text, an array joined by commas; none for a handler
 * passed without a path.
 */
export function layerPath(args: readonly unknown[]): string | undefined {
  const first = args[0];
  if (Array.isArray(first))
    return first.map((arg) => pathSegment(arg) ?? '').join(',');
  return pathSegment(first);
}

function pathSegment(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg instanceof RegExp || typeof arg === 'number') return arg.toString();
  return undefined;
}

/** The route the recorded layer paths make: root-only mounts and `/*` catch-alls left out. */
export function constructedRoute(paths: readonly string[]): string {
  const meaningful = paths.filter(
    (path) => path !== '/' && path !== '/*' && !/^\/\{[*][^}]*\}$/.test(path),
  );
  if (meaningful.length === 1 && meaningful[0] === '*') return '*';
  return meaningful.join('').replace(/\/{2,}/g, '/');
}

/**
 * `http.route` from the layer paths a request is inside of when it is answered — the upstream
 * instrumentation's `getActualMatchedRoute`, rule for rule: nothing recorded → no route; only
 * root mounts → `/` for the root URL, none otherwise; a pattern with parameters, wildcards or
 * alternatives as is; a literal path only when the URL really starts with it. Pure.
 */
export function matchedRoute(
  paths: readonly string[],
  originalUrl: string,
): string | undefined {
  if (paths.length === 0) return undefined;
  // The usual case, one plain route (`/rolldice`): what the rules below come to, without the
  // arrays and regular expressions.
  if (paths.length === 1) {
    const only = paths[0];
    if (/^\/[\w\-.~:/]*$/.test(only) && only !== '/' && !only.includes('//'))
      return originalUrl === only ||
        originalUrl.startsWith(only) ||
        only.includes(':')
        ? only
        : undefined;
  }
  if (paths.every((path) => path === '/'))
    return originalUrl === '/' ? '/' : undefined;
  const route = constructedRoute(paths);
  if (route === '*') return route;
  if (
    route.includes('/') &&
    (route.includes(',') ||
      route.includes('\\') ||
      route.includes('*') ||
      route.includes('['))
  )
    return route;
  const normalized = route.startsWith('/') ? route : `/${route}`;
  return normalized.length > 0 &&
    (originalUrl === normalized ||
      originalUrl.startsWith(normalized) ||
      normalized.includes(':') ||
      normalized.includes('*'))
    ? normalized
    : undefined;
}

/** The Express route of a request being answered, or undefined (no Express, or no match). */
export function expressRoute(req: IncomingMessage): string | undefined {
  const tracked = req as TrackedRequest;
  const routers = tracked[kRouterPaths];
  const last = tracked[kLastPath];
  if (routers === undefined && last === undefined) return undefined;
  const paths =
    last === undefined
      ? (routers ?? [])
      : routers === undefined
        ? [last]
        : [...routers, last];
  return matchedRoute(paths, tracked.originalUrl ?? req.url ?? '/');
}

/**
 * Wraps a layer's handle so entering it notes its path on the request: a mounted router's is
 * kept (upstream keeps it too, even after the router hands the request on), any other layer's
 * replaces the previous "last" one. The wrapper keeps the handle's own properties visible (a
 * router's `stack`, a sub-app's `handle`); error handlers (four parameters) are left as they are.
 */
export function trackLayer(layer: Layer, path: string | undefined): void {
  if (layer[kTracked]) return;
  layer[kTracked] = true;
  const original = layer.handle;
  if (typeof original !== 'function' || original.length === 4) return;
  const isRouter = layer.name === 'router';
  // Express calls a layer's handle with (req, res, next), nothing else.
  const tracked = function (
    this: unknown,
    req: TrackedRequest,
    res: unknown,
    next: unknown,
  ) {
    if (isRouter) {
      if (path !== undefined) (req[kRouterPaths] ??= []).push(path);
      req[kLastPath] = undefined;
    } else req[kLastPath] = path;
    return original.call(this, req, res, next);
  } as Handle;
  for (const key in original) {
    Object.defineProperty(tracked, key, {
      get: () => (original as unknown as Record<string, unknown>)[key],
      set: (value: unknown) => {
        (original as unknown as Record<string, unknown>)[key] = value;
      },
      enumerable: true,
      configurable: true,
    });
  }
  Object.defineProperty(tracked, 'length', { value: original.length });
  layer.handle = tracked;
}

const PACKAGE_NAME = '@otel-dice/telemetry/express-route';

/**
 * Patches Express's registration functions (4.x and 5.x) so the layers they add are tracked
 * (trackLayer). No spans, no per-request configuration lookups; the HTTP server
 * instrumentation reads the route with `expressRoute(req)`.
 */
export class ExpressRouteInstrumentation extends InstrumentationBase {
  constructor() {
    super(PACKAGE_NAME, '0.1.0', {});
  }

  protected init() {
    return [
      new InstrumentationNodeModuleDefinition(
        'express',
        ['>=4.0.0 <6'],
        (moduleExports: ExpressModule) => {
          const withRouterPrototype =
            typeof moduleExports?.Router?.prototype?.route === 'function';
          const routerProto = (
            withRouterPrototype
              ? moduleExports.Router.prototype
              : moduleExports.Router
          ) as RouterLike;
          for (const name of ['route', 'use'] as const) {
            if (isWrapped(routerProto[name])) this._unwrap(routerProto, name);
            this._wrap(
              routerProto,
              name,
              (original: RouterLike['route']) =>
                function (this: RouterLike, ...args: unknown[]) {
                  const result = original.apply(this, args);
                  trackLast(this.stack, args);
                  return result;
                },
            );
          }
          const app = moduleExports.application;
          if (isWrapped(app.use)) this._unwrap(app, 'use');
          this._wrap(
            app,
            'use',
            (original: ExpressModule['application']['use']) =>
              function (
                this: ExpressModule['application'],
                ...args: unknown[]
              ) {
                const router = withRouterPrototype ? this.router : this._router;
                const result = original.apply(this, args);
                if (router) trackLast(router.stack, args);
                return result;
              },
          );
          return moduleExports;
        },
        (moduleExports?: ExpressModule) => {
          if (moduleExports === undefined) return;
          const routerProto = (
            typeof moduleExports?.Router?.prototype?.route === 'function'
              ? moduleExports.Router.prototype
              : moduleExports.Router
          ) as RouterLike;
          this._unwrap(routerProto, 'route');
          this._unwrap(routerProto, 'use');
          this._unwrap(moduleExports.application, 'use');
        },
      ),
    ];
  }
}

/**
 * Tracks the layer a registration call just added. Like upstream, only the last one: `use(path,
 * a, b)` adds two layers and only `b`'s is tracked.
 */
function trackLast(stack: Layer[] | undefined, args: readonly unknown[]): void {
  const layer = stack?.[stack.length - 1];
  if (layer !== undefined) trackLayer(layer, layerPath(args));
}
