import { createResource } from './resource.js';

describe('createResource', () => {
  it('merges OTEL_RESOURCE_ATTRIBUTES under the resolved service name and version', () => {
    const resource = createResource({
      defaultServiceName: 'dice-api',
      serviceVersion: '1.2.3',
      detect: false,
      env: {
        OTEL_RESOURCE_ATTRIBUTES:
          'service.name=ignored,deployment.environment.name=test',
        APP_SERVICE_NAME: 'seed-name',
      },
    });
    expect(resource.attributes['service.name']).toBe('seed-name');
    expect(resource.attributes['service.version']).toBe('1.2.3');
    expect(resource.attributes['deployment.environment.name']).toBe('test');
    expect(resource.attributes['telemetry.sdk.language']).toBe('nodejs');
  });

  it('adds host and process attributes when detecting', () => {
    const resource = createResource({
      defaultServiceName: 'dice-api',
      env: {},
    });
    expect(resource.attributes['service.name']).toBe('dice-api');
    expect(resource.attributes['process.pid']).toBe(process.pid);
    expect(typeof resource.attributes['host.name']).toBe('string');
  });
});
