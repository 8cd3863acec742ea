/**
 * The one entry point of the configuration: the environment, or the declarative configuration
 * file that OTEL_CONFIG_FILE names, then the options passed in code on top — one object of the
 * model's shape (model.ts), from which everything is built. Each stage is a file of its own, called
 * here in order: the source (from-file.ts or from-env.ts), the library's own variables
 * (http-env.ts, prometheus-env.ts, tracer-env.ts), the code options (overrides.ts), the service
 * (service-name.ts, the one place its name is decided), then the notes on the result.
 *
 * Precedence, highest first: code options > OTEL_* per-signal variable > OTEL_* generic variable
 * > the seed tutorial's variable (APP_SERVICE_NAME, TRACE_ENDPOINT) > default. With
 * OTEL_CONFIG_FILE: code options > the library's own TELEMETRY_HTTP_* and TELEMETRY_PROMETHEUS_*
 * variables (read either way) > the file (> its `${VAR}` substitutions) > default.
 *
 * The file's `${VAR}` substitution is @opentelemetry/configuration's, which reads the process
 * environment itself; read-config-file.ts masks what it may bring in from there, and no error
 * of the resolution prints such a value (withSubstitutionsMasked).
 */
import { configFromEnv, type SignalDefaults } from './from-env.js';
import { configFromFile, loadConfigFile } from './from-file.js';
import { withHttpVariables } from './http-env.js';
import {
  ENVIRONMENT,
  unusedVariableNotes,
  WITH_A_FILE,
} from './known-variables.js';
import {
  EXTENSION,
  otlpExporters,
  settingsOf,
  sourceOf,
  usesTls,
  type OtelDiceSettings,
  type TelemetryConfig,
} from './model.js';
import {
  withOverrides,
  withTraceEndpoint,
  type ConfigOverrides,
} from './overrides.js';
import {
  checkPrometheusTimeouts,
  withPrometheusVariables,
} from './prometheus-env.js';
import { withSubstitutionsMasked } from './read-config-file.js';
import { withService } from './service-name.js';
import { withTracerVariable } from './tracer-env.js';
import { readEnv, readVariables } from './values.js';

export interface ResolveConfigOptions {
  /** Defaults to process.env, read here and nowhere else (a file's `${VAR}` is upstream's: see above). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Used when nothing else names the service. */
  readonly defaultServiceName: string;
  /** Beats every variable and the file. */
  readonly serviceName?: string;
  readonly serviceVersion?: string;
  /** The traces OTLP endpoint; beats every variable and the file. */
  readonly traceEndpoint?: string;
  readonly overrides?: ConfigOverrides;
}

export function resolveTelemetryConfig(
  options: ResolveConfigOptions,
): TelemetryConfig {
  return resolveConfig(options);
}

/**
 * resolveTelemetryConfig, with the defaults of the signals chosen: the seed's (Prometheus on the
 * app's `/metrics`, no logs) for the library, the specification's (all three over OTLP) for the
 * register entry (zero-code.ts).
 */
export function resolveConfig(
  options: ResolveConfigOptions,
  signalDefaults: SignalDefaults = 'library',
): TelemetryConfig {
  const env = options.env ?? process.env;
  const file = readEnv(env, 'OTEL_CONFIG_FILE');
  const model = file === undefined ? undefined : loadConfigFile(file);
  const resolve = (): TelemetryConfig => {
    // The environment is read here, once; from here on only what it gave is used.
    const variables = readVariables<typeof ENVIRONMENT>(
      env,
      file === undefined ? ENVIRONMENT : WITH_A_FILE,
    );
    let config =
      file !== undefined && model !== undefined
        ? configFromFile(file, model, variables)
        : configFromEnv(variables, signalDefaults);
    // Set but read by nothing (a typo, another SDK's): named whichever the source.
    const unused = unusedVariableNotes(variables.set, file !== undefined);
    // The library's own variables, over either (and under the code options).
    config = withHttpVariables(config, variables.values);
    config = withPrometheusVariables(config, variables.values);
    config = withTracerVariable(config, variables.values);
    if (options.overrides) config = withOverrides(config, options.overrides);
    if (options.traceEndpoint !== undefined)
      config = withTraceEndpoint(config, options.traceEndpoint);
    config = withService(config, options, variables.values);
    checkPrometheusTimeouts(config);
    return withNotes(config, [...unused, ...tlsNotes(config)]);
  };
  // No error from here on may print a value a file's `${VAR}` brought in (read-config-file.ts).
  return model === undefined
    ? resolve()
    : withSubstitutionsMasked(model, resolve);
}

// ---- notes on the resolved model ----

const SIGNAL_WORD = { traces: 'trace', metrics: 'metric', logs: 'log' };

/** Certificates named for an endpoint that uses no TLS are not used: say so once. */
function tlsNotes(config: TelemetryConfig): string[] {
  return otlpExporters(config).flatMap(({ key, signal, settings }) => {
    if (usesTls(settings)) return [];
    const unused = (['ca_file', 'key_file', 'cert_file'] as const)
      .filter((file) => settings.tls?.[file])
      .map((file) => sourceOf(config, `${key}.tls.${file}`));
    return unused.length === 0
      ? []
      : [
          `${unused.join(', ')} not used for ${SIGNAL_WORD[signal]} export: its endpoint does not use TLS (use https:// to turn it on)`,
        ];
  });
}

function withNotes(
  config: TelemetryConfig,
  notes: readonly string[],
): TelemetryConfig {
  if (notes.length === 0) return config;
  const settings: OtelDiceSettings = settingsOf(config);
  return {
    ...config,
    distribution: {
      [EXTENSION]: { ...settings, notes: [...settings.notes, ...notes] },
    },
  };
}
