import type { AttributeValue, Attributes } from '@opentelemetry/api';
import {
  defaultResource,
  detectResources,
  hostDetector,
  osDetector,
  processDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
  type Resource,
  type ResourceDetector,
} from '@opentelemetry/resources';
import type {
  DetectorName,
  TargetInfoMode,
  TelemetryConfig,
} from './config/model.js';
import { globMatcher } from './glob.js';

/**
 * Process attributes that describe how the process was started rather than what it is: the full
 * command line (which carries whatever secrets were passed as arguments) and the user it runs as.
 * They would reach every span, every log record and the `target_info` series on a public
 * `/metrics`, so the process detector's output goes without them.
 */
export const DROPPED_PROCESS_ATTRIBUTES: readonly string[] = [
  'process.command_args',
  'process.command_line',
  'process.owner',
];

/** The SDK's process detector minus DROPPED_PROCESS_ATTRIBUTES. */
export const safeProcessDetector: ResourceDetector = {
  detect(config) {
    const { attributes = {} } = processDetector.detect(config);
    return {
      attributes: Object.fromEntries(
        Object.entries(attributes).filter(
          ([key]) => !DROPPED_PROCESS_ATTRIBUTES.includes(key),
        ),
      ),
    };
  },
};

/**
 * The resource attributes `target_info` keeps by default: the service's identity, what a scraper
 * joins on. What the detectors add — the executable's path and name, the process id, the Node and
 * SDK versions, the kernel version, the host's name, id and architecture — and whatever else the
 * resource carries (pod and node names) goes to the collector over OTLP, not to anyone who can
 * reach a metrics port: it tells an attacker what to attack and is no use to Prometheus, which
 * knows its targets from service discovery.
 */
export const TARGET_INFO_ATTRIBUTES: readonly string[] = [
  'service.name',
  'service.namespace',
  'service.version',
  'service.instance.id',
  'deployment.environment.name',
  'deployment.environment',
];

/** The resource attributes `target_info` shows in `mode`. Pure. */
export function targetInfoAttributes(
  attributes: Attributes,
  mode: TargetInfoMode,
): Attributes {
  if (mode === 'all') return attributes;
  if (mode === 'none') return {};
  return Object.fromEntries(
    Object.entries(attributes).filter(([key]) =>
      TARGET_INFO_ATTRIBUTES.includes(key),
    ),
  );
}

function detectors(name: string): ResourceDetector[] {
  switch (name as DetectorName) {
    case 'host': // the schema's host detector covers host.* and os.*, as the SDK's naming does
      return [hostDetector, osDetector];
    case 'os':
      return [osDetector];
    case 'process':
      return [safeProcessDetector];
    case 'service':
      // service.name is decided with the rest of the configuration (config/service-name.ts)
      return [serviceInstanceIdDetector];
    case 'container': {
      // Loaded only when asked for: it reads /proc/self/cgroup and mountinfo.
      const { containerDetector } =
        require('@opentelemetry/resource-detector-container') as typeof import('@opentelemetry/resource-detector-container');
      return [containerDetector];
    }
  }
  return [];
}

/**
 * The resource every signal carries, from the model's `resource`. Merged, lowest priority first:
 * the SDK's telemetry.sdk.* attributes, the detectors' attributes (filtered by
 * `detection/development.attributes`), then the configured attributes — where service-name.ts has
 * put the decided `service.name` and `service.version`, so OTEL_SERVICE_NAME beats a
 * service.name in OTEL_RESOURCE_ATTRIBUTES, as the specification requires, and a
 * `service.instance.id` given there (a pod name, say) beats the random one — and the schema URL.
 */
export function createResource(config: TelemetryConfig): Resource {
  const model = config.resource ?? {};
  const detection = model['detection/development'];
  const names = (detection?.detectors ?? []).flatMap((d) => Object.keys(d));
  let detected =
    names.length === 0
      ? resourceFromAttributes({})
      : detectResources({ detectors: names.flatMap(detectors) });
  const filter = detection?.attributes;
  if (filter?.included !== undefined || filter?.excluded !== undefined) {
    const included = filter.included?.length
      ? globMatcher(filter.included)
      : () => true;
    const excluded = filter.excluded?.length
      ? globMatcher(filter.excluded)
      : () => false;
    // `detection/development.attributes`: which detected attributes are kept, by glob —
    // the included ones (all when none are listed) minus the excluded ones. Raw attributes:
    // a detector's value may still be a promise (the container id).
    detected = resourceFromAttributes(
      Object.fromEntries(
        detected
          .getRawAttributes()
          .filter(([key]) => included(key) && !excluded(key)),
      ) as Parameters<typeof resourceFromAttributes>[0],
    );
  }
  const attributes: Record<string, AttributeValue> = {};
  for (const { name, value } of model.attributes ?? [])
    if (value !== null) attributes[name] = value;
  return defaultResource()
    .merge(detected)
    .merge(
      resourceFromAttributes(
        attributes,
        model.schema_url ? { schemaUrl: model.schema_url } : undefined,
      ),
    );
}
