import { createResource, targetInfoAttributes } from './resource.js';

const base = {
  serviceName: 'dice-api',
  attributes: {},
  detectors: [],
} as const;

describe('createResource', () => {
  it('merges the configured attributes under the resolved service name and version', () => {
    const resource = createResource({
      ...base,
      serviceVersion: '1.2.3',
      attributes: {
        'service.name': 'ignored',
        'deployment.environment.name': 'test',
      },
    });
    expect(resource.attributes['service.name']).toBe('dice-api');
    expect(resource.attributes['service.version']).toBe('1.2.3');
    expect(resource.attributes['deployment.environment.name']).toBe('test');
    expect(resource.attributes['telemetry.sdk.language']).toBe('nodejs');
    expect(resource.attributes['host.name']).toBeUndefined();
  });

  it('adds host, os, process and a service.instance.id with the default detectors', () => {
    const resource = createResource({
      ...base,
      detectors: ['host', 'os', 'process', 'service'],
    });
    expect(resource.attributes['process.pid']).toBe(process.pid);
    expect(typeof resource.attributes['host.name']).toBe('string');
    expect(typeof resource.attributes['os.type']).toBe('string');
    expect(resource.attributes['service.instance.id']).toMatch(
      /^[0-9a-f-]{36}$/,
    );
  });

  it('keeps the command line and the process owner out of the resource', () => {
    const resource = createResource({ ...base, detectors: ['process'] });
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
    const resource = createResource({
      ...base,
      detectors: ['service'],
      attributes: { 'service.instance.id': 'dice-api-7f9c-abcde' },
    });
    expect(resource.attributes['service.instance.id']).toBe(
      'dice-api-7f9c-abcde',
    );
  });

  it('loads the container detector only when asked for', () => {
    const resource = createResource({ ...base, detectors: ['container'] });
    // outside a container it finds no id; it must not throw either way
    expect(resource.attributes['service.name']).toBe('dice-api');
  });
});

describe('targetInfoAttributes', () => {
  const detected = createResource({
    serviceName: 'dice-api',
    serviceVersion: '1.2.3',
    attributes: {
      'deployment.environment.name': 'prod',
      'k8s.pod.name': 'dice-api-7f9c-abcde',
      'k8s.node.name': 'node-3',
    },
    detectors: ['host', 'os', 'process', 'service'],
  }).attributes;

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
