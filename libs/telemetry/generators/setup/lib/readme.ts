/**
 * The "Telemetry" section appended to the app's README: which files do what, the environment
 * variables that configure it, /metrics and shutdown. Pure. A marker comment makes it appear once.
 */
import type { Framework } from './framework';
import { SETUP_MARKER } from './templates';

export interface ReadmeOptions {
  readonly serviceName: string;
  readonly entryFile: string;
  readonly appFile: string;
  /** Relative link to the library's README from the app's directory, when it is in the workspace. */
  readonly libraryReadme: string | undefined;
  /** Whether GET /metrics was added to the app. */
  readonly metricsRoute: boolean;
  /** Decides the line on route names; Express when omitted. */
  readonly framework?: Framework;
  /** ES module apps start telemetry from a start module loaded with `node --import`. */
  readonly esm?: {
    /** e.g. `node --import ./dist/telemetry.js dist/main.js` */
    readonly startCommand: string;
  };
}

export function appendTelemetrySection(
  readme: string | undefined,
  options: ReadmeOptions,
): string | undefined {
  if (readme !== undefined && readme.includes(SETUP_MARKER)) return undefined;
  const before =
    readme === undefined || readme.trim() === ''
      ? `# ${options.serviceName}\n`
      : readme.replace(/\s*$/, '\n');
  return `${before}\n${telemetrySection(options)}`;
}

export function telemetrySection(o: ReadmeOptions): string {
  const library = o.libraryReadme
    ? `[@otel-dice/telemetry](${o.libraryReadme})`
    : '`@otel-dice/telemetry`';
  const handler = o.esm ? 'metricsHandler' : 'telemetry.metricsHandler';
  const metrics = o.metricsRoute
    ? "`GET /metrics` on the app's own port serves Prometheus text (added to " +
      `\`${o.appFile}\`).`
    : `Serve \`${handler}(req, res)\` on \`GET /metrics\` of the app's server for Prometheus.`;
  const wiring = o.esm
    ? `- This is an ES module app: its static imports load before any of its code runs, so telemetry
  starts from \`telemetry.ts\`, which Node loads **before** the app and the app never imports:
  \`${o.esm.startCommand}\` (\`nx serve\` passes the flag). Started any other way, the app still
  runs, but its framework is not instrumented and the start-up log says so.
- In code, \`getTelemetry()\` from \`@otel-dice/telemetry\` returns the running telemetry
  (\`tracer\`, \`meter\`); \`@opentelemetry/api\` works as well.
- ${metrics} \`/metrics\` and \`/healthz\` get no spans.
- On SIGTERM/SIGINT, \`telemetry.ts\` flushes pending spans while the app closes its server.
`
    : `- \`${o.entryFile}\` starts telemetry **before** the app is loaded (\`${o.appFile}\`), because the
  instrumentations patch \`node:http\` and the framework as they are required. Keep it first.
- \`telemetry.ts\` exports \`telemetry\`: \`telemetry.tracer\` for your own spans, \`telemetry.meter\`
  for your own instruments.
- ${metrics} \`/metrics\` and \`/healthz\` get no spans.
- On SIGTERM/SIGINT, \`shutdown.ts\` runs the \`onShutdown()\` hooks, flushes pending spans and exits 0.
`;
  return `<!-- ${SETUP_MARKER} -->
## Telemetry

Traces, metrics and logs come from ${library}, wired by
\`nx g ${SETUP_MARKER}\`:

${wiring}${routeLine(o.framework ?? 'express')}- A bundling build must keep npm packages external (esbuild \`thirdParty: false\`, webpack
  \`externalDependencies: 'all'\`): a bundled copy of the framework could not be patched.

The configuration is the OpenTelemetry SDK's standard variables; the most used ones:

| variable | meaning | default |
| --- | --- | --- |
| \`OTEL_SERVICE_NAME\` (or \`APP_SERVICE_NAME\`) | \`service.name\` of every span, metric and log record | \`${o.serviceName}\` |
| \`OTEL_EXPORTER_OTLP_ENDPOINT\` (or \`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT\`, \`TRACE_ENDPOINT\`) | the collector | \`http://localhost:4317\` |
| \`OTEL_EXPORTER_OTLP_PROTOCOL\` | \`grpc\`, \`http/protobuf\` or \`http/json\` | \`grpc\` |
| \`OTEL_EXPORTER_OTLP_HEADERS\`, \`OTEL_EXPORTER_OTLP_CERTIFICATE\` | auth headers, a CA for \`https://\` endpoints | — |
| \`OTEL_TRACES_EXPORTER\`, \`OTEL_METRICS_EXPORTER\`, \`OTEL_LOGS_EXPORTER\` | \`otlp\`, \`console\`, \`none\` (metrics also \`prometheus\`) | \`otlp\`, \`prometheus\`, \`none\` |
| \`OTEL_PROPAGATORS\` | \`tracecontext\`, \`baggage\`, \`b3\`, \`b3multi\`, \`jaeger\`, \`none\` | \`tracecontext,baggage\` |
| \`OTEL_RESOURCE_ATTRIBUTES\` | extra resource attributes, e.g. \`deployment.environment.name=prod\` | — |
| \`OTEL_TRACES_SAMPLER\`, \`OTEL_TRACES_SAMPLER_ARG\` | sampling | \`parentbased_always_on\` |
| \`OTEL_NODE_ENABLED_INSTRUMENTATIONS\` | instrumentations to load, e.g. \`http,express,pg\` | \`http,express\` |
| \`OTEL_SDK_DISABLED\` | \`true\` switches telemetry off (\`/metrics\` still answers) | \`false\` |
| \`OTEL_LOG_LEVEL\` | the SDK's own diagnostics on stderr | silent |

Every other variable, its default and precedence: the ${library} README.

An unusable value stops the app at start-up with a message naming the variable. When the
collector is down the app keeps serving; it logs one warning per outage.
`;
}

/** How the server spans get their route (`http.route`, the span name), by framework. */
function routeLine(framework: Framework): string {
  switch (framework) {
    case 'express':
      return '- Server spans are named after the Express route (`GET /users/:id`) by the library itself.\n';
    case 'nest':
      return '- Server spans are named after the route (`GET /api/users/:id`): Nest registers its routes on\n  Express, whose routes the library tracks.\n';
    case 'fastify':
      return "- `instrumentation.ts` creates `@fastify/otel`'s instrumentation, which names the server spans\n  after the Fastify route (`GET /users/:id`); the app imports it before it creates its Fastify\n  instance. It adds a `request` and a handler span under each server span.\n";
    case 'koa':
      return '- Koa has no routes of its own; the routes of a router (`@koa/router`) name the server spans once\n  the Koa instrumentation runs: add `koa` to `OTEL_NODE_ENABLED_INSTRUMENTATIONS` (e.g.\n  `http,express,koa`).\n';
    case 'node':
      return '';
  }
}
