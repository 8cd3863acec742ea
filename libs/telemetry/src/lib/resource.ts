import {
  defaultResource,
  detectResources,
  hostDetector,
  processDetector,
  resourceFromAttributes,
  type Resource,
} from '@opentelemetry/resources';
import {
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from '@opentelemetry/semantic-conventions';
import {
  parseResourceAttributes,
  resolveServiceName,
  type Env,
} from './env.js';

export interface ResourceOptions {
  /** Used when neither `serviceName` nor the environment names the service. */
  defaultServiceName: string;
  serviceName?: string;
  serviceVersion?: string;
  env?: Env;
  /** Skip host/process detection (unit tests that want an exact attribute set). */
  detect?: boolean;
}

/**
 * Merges, lowest priority first: the SDK's telemetry.sdk.* attributes, host and process attributes, OTEL_RESOURCE_ATTRIBUTES, then
 * service.name / service.version as resolved here (so OTEL_SERVICE_NAME beats a service.name in
 * OTEL_RESOURCE_ATTRIBUTES, as the specification requires).
 */
export function createResource(options: ResourceOptions): Resource {
  const env = options.env ?? process.env;
  const detected =
    options.detect === false
      ? resourceFromAttributes({})
      : detectResources({ detectors: [hostDetector, processDetector] });
  const service: Record<string, string> = {
    [ATTR_SERVICE_NAME]: resolveServiceName(
      env,
      options.serviceName,
      options.defaultServiceName,
    ),
  };
  if (options.serviceVersion)
    service[ATTR_SERVICE_VERSION] = options.serviceVersion;
  return defaultResource()
    .merge(detected)
    .merge(resourceFromAttributes(parseResourceAttributes(env)))
    .merge(resourceFromAttributes(service));
}
