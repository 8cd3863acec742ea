import type { Attributes } from '@opentelemetry/api';
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
import {
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from '@opentelemetry/semantic-conventions';
import type { ResourceConfig, ResourceDetectorName } from './config/model.js';

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
 * What the Prometheus `target_info` series shows of the resource:
 * - `service` (the default): who the service is — TARGET_INFO_ATTRIBUTES;
 * - `all`: every resource attribute, as the OpenTelemetry Prometheus exporters do;
 * - `none`: no `target_info` at all.
 */
export type TargetInfoMode = 'service' | 'all' | 'none';

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

function detector(name: ResourceDetectorName): ResourceDetector {
  switch (name) {
    case 'host':
      return hostDetector;
    case 'os':
      return osDetector;
    case 'process':
      return safeProcessDetector;
    case 'service':
      return serviceInstanceIdDetector;
    case 'container': {
      // Loaded only when asked for: it reads /proc/self/cgroup and mountinfo.
      const { containerDetector } =
        require('@opentelemetry/resource-detector-container') as typeof import('@opentelemetry/resource-detector-container');
      return containerDetector;
    }
  }
}

/**
 * The resource every signal carries. Merged, lowest priority first: the SDK's telemetry.sdk.*
 * attributes, the detectors' attributes, OTEL_RESOURCE_ATTRIBUTES (or the configuration file's
 * resource attributes), then service.name / service.version as the model resolved them — so
 * OTEL_SERVICE_NAME beats a service.name in OTEL_RESOURCE_ATTRIBUTES, as the specification
 * requires, and a `service.instance.id` given there (a pod name, say) beats the random one.
 */
export function createResource(config: ResourceConfig): Resource {
  const detected =
    config.detectors.length === 0
      ? resourceFromAttributes({})
      : detectResources({ detectors: config.detectors.map(detector) });
  const service: Record<string, string> = {
    [ATTR_SERVICE_NAME]: config.serviceName,
  };
  if (config.serviceVersion)
    service[ATTR_SERVICE_VERSION] = config.serviceVersion;
  return defaultResource()
    .merge(detected)
    .merge(resourceFromAttributes(config.attributes))
    .merge(resourceFromAttributes(service));
}
