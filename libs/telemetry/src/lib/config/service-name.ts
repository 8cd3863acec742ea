/**
 * The service: `service.name` (decided here, in one place) and `service.version`, written into the
 * resource's attributes, where resource.ts and every message read them. resolve.ts applies this
 * after the code options, the last stage that changes the model.
 */
import { hasServiceDetector } from './from-file.js';
import type { Variables } from './known-variables.js';
import { settingsOf, type TelemetryConfig } from './model.js';
import type { ResolveConfigOptions } from './resolve.js';

/**
 * The service's name, decided here and only here. From the environment: the `serviceName`
 * option > OTEL_SERVICE_NAME > APP_SERVICE_NAME > `service.name` in OTEL_RESOURCE_ATTRIBUTES >
 * `defaultServiceName`. From a file: the option > the file's `service.name` attribute >
 * OTEL_SERVICE_NAME when the file asks for the `service` detector (which reads it, by the
 * specification) > `defaultServiceName`.
 */
export function decideServiceName(
  config: TelemetryConfig,
  options: Pick<ResolveConfigOptions, 'serviceName' | 'defaultServiceName'>,
  vars: Variables,
): string {
  const named = (value: unknown) =>
    typeof value === 'string' && value.trim() ? value.trim() : undefined;
  const attribute = named(
    config.resource?.attributes?.find((a) => a.name === 'service.name')?.value,
  );
  const fromEnv =
    settingsOf(config).source.kind === 'environment'
      ? (vars.OTEL_SERVICE_NAME ?? vars.APP_SERVICE_NAME)
      : undefined;
  const fromDetector = hasServiceDetector(config)
    ? vars.OTEL_SERVICE_NAME
    : undefined;
  return (
    named(options.serviceName) ??
    fromEnv ??
    attribute ??
    fromDetector ??
    options.defaultServiceName
  );
}

/** `service.name` (decided) and `service.version` written into the resource's attributes. */
export function withService(
  config: TelemetryConfig,
  options: ResolveConfigOptions,
  vars: Variables,
): TelemetryConfig {
  const name = decideServiceName(config, options, vars);
  const service = [
    { name: 'service.name', value: name, type: 'string' as const },
    ...(options.serviceVersion
      ? [
          {
            name: 'service.version',
            value: options.serviceVersion,
            type: 'string' as const,
          },
        ]
      : []),
  ];
  return {
    ...config,
    resource: {
      ...config.resource,
      attributes: [
        ...(config.resource?.attributes ?? []).filter(
          (a) => !service.some((s) => s.name === a.name),
        ),
        ...service,
      ],
    },
  };
}
