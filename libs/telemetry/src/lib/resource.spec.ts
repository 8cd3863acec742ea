import type { TelemetryConfig } from './config/model.js';
import { resolveTelemetryConfig } from './config/resolve.js';
import { createResource, targetInfoAttributes } from './resource.js';

/** A resolved configuration whose resource section is the given one. */
function withResource(
  resource: NonNullable<TelemetryConfig['resource']>,
): TelemetryConfig {
  return {
    ...resolveTelemetryConfig({ env: {}, defaultServiceName: 'x' }),
    resource,
  };
}

const detectors = (...names: string[]) => ({
  detectors: names.map((name) => ({ [name]: {} })),
});

describe('createResource', () => {
  it('takes the resolved attributes, service name and version among them', () => {
    const resource = createResource(
      resolveTelemetryConfig({
        env: {
          OTEL_RESOURCE_ATTRIBUTES:
            'service.name=ignored,deployment.environment.name=test',
          OTEL_NODE_RESOURCE_DETECTORS: 'none',
        },
        defaultServiceName: 'dice-api',
        serviceName: 'dice-api',
        serviceVersion: '1.2.3',
      }),
    );
    expect(resource.attributes['service.name']).toBe('dice-api');
    expect(resource.attributes['service.version']).toBe('1.2.3');
    expect(resource.attributes['deployment.environment.name']).toBe('test');
    expect(resource.attributes['telemetry.sdk.language']).toBe('nodejs');
    expect(resource.attributes['host.name']).toBeUndefined();
  });

  it('adds host, os, process and a service.instance.id with the default detectors', () => {
    const resource = createResource(
      resolveTelemetryConfig({ env: {}, defaultServiceName: 'dice-api' }),
    );
    expect(resource.attributes['process.pid']).toBe(process.pid);
    expect(typeof resource.attributes['host.name']).toBe('string');
    expect(typeof resource.attributes['os.type']).toBe('string');
    expect(resource.attributes['service.instance.id']).toMatch(
      /^[0-9a-f-]{36}$/,
    );
  });

  it('keeps the command line and the process owner out of the resource', () => {
    const resource = createResource(
      withResource({ 'detection/development': detectors('process') }),
    );
    expect(resource.attributes['process.pid']).toBe(process.pid);
    expect(resource.attributes['process.runtime.name']).toBe('nodejs');
    for (const key of [
      'process.command_args',
      'process.command_line',
      'process.owner',
    ])
      expect(resource.attributes[key]).toBeUndefined();
  });

  it('lets an operator-given service.instance.id (a pod name) beat the random one', () => {
    const resource = createResource(
      withResource({
        attributes: [
          { name: 'service.instance.id', value: 'dice-api-7f9c-abcde' },
        ],
        'detection/development': detectors('service'),
      }),
    );
    expect(resource.attributes['service.instance.id']).toBe(
      'dice-api-7f9c-abcde',
    );
  });

  it('loads the container detector only when asked for', () => {
    const resource = createResource(
      withResource({
        attributes: [{ name: 'service.name', value: 'dice-api' }],
        'detection/development': detectors('container'),
      }),
    );
    // outside a container it finds no id; it must not throw either way
    expect(resource.attributes['service.name']).toBe('dice-api');
  });

  it('keeps only the detected attributes the include/exclude globs allow, and the schema URL', () => {
    const resource = createResource(
      withResource({
        schema_url: 'https://opentelemetry.io/schemas/1.30.0',
        'detection/development': {
          ...detectors('host', 'process'),
          attributes: {
            included: ['host.*', 'process.pid'],
            excluded: ['host.arch'],
          },
        },
      }),
    );
    expect(resource.schemaUrl).toBe('https://opentelemetry.io/schemas/1.30.0');
    expect(typeof resource.attributes['host.name']).toBe('string');
    expect(resource.attributes['host.arch']).toBeUndefined();
    expect(resource.attributes['process.pid']).toBe(process.pid);
    expect(resource.attributes['process.runtime.name']).toBeUndefined();
    expect(resource.attributes['os.type']).toBeUndefined();
  });
});

describe('targetInfoAttributes', () => {
  const detected = createResource(
    resolveTelemetryConfig({
      env: {
        OTEL_RESOURCE_ATTRIBUTES:
          'deployment.environment.name=prod,k8s.pod.name=dice-api-7f9c-abcde,k8s.node.name=node-3',
        OTEL_NODE_RESOURCE_DETECTORS: 'host,os,process,service',
      },
      defaultServiceName: 'dice-api',
      serviceVersion: '1.2.3',
    }),
  ).attributes;

  it('shows a scraper who the service is, and nothing about where or on what it runs', () => {
    const shown = targetInfoAttributes(detected, 'service');
    expect(Object.keys(shown).sort()).toEqual([
      'deployment.environment.name',
      'service.instance.id',
      'service.name',
      'service.version',
    ]);
    // what the detectors found is there to be dropped
    for (const key of [
      'process.executable.path',
      'process.runtime.version',
      'os.version',
      'host.arch',
      'host.name',
    ])
      expect(detected[key]).toBeDefined();
  });

  it('shows everything with `all`, and nothing with `none`', () => {
    expect(targetInfoAttributes(detected, 'all')).toBe(detected);
    expect(targetInfoAttributes(detected, 'none')).toEqual({});
  });
});
