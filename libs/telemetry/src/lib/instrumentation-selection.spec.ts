import { TelemetryConfigError } from './config/errors.js';
import {
  checkInstrumentationNames,
  DEFAULT_INSTRUMENTATION_NAMES,
  describeInstrumentations,
  editDistance,
  INSTRUMENTATION_NAMES,
  modulesOf,
  nearMiss,
  planInstrumentations,
  specifierKeys,
  switchedOffNote,
  triggerIndex,
} from './instrumentation-selection.js';

describe('names', () => {
  it('offers every instrumentation of the table, all but fs, host-metrics and pino by default', () => {
    expect(INSTRUMENTATION_NAMES).toEqual(
      expect.arrayContaining([
        'pg',
        'knex',
        'ioredis',
        'redis',
        'undici',
        'runtime-node',
      ]),
    );
    expect(DEFAULT_INSTRUMENTATION_NAMES).not.toContain('fs');
    expect(DEFAULT_INSTRUMENTATION_NAMES).not.toContain('host-metrics');
    expect(DEFAULT_INSTRUMENTATION_NAMES).not.toContain('pino');
    expect(DEFAULT_INSTRUMENTATION_NAMES).toHaveLength(
      INSTRUMENTATION_NAMES.length - 3,
    );
  });

  it.each([
    ['postgres', 'pg'],
    ['@redis/client', 'redis'],
    ['pg-pool', 'pg'],
    ['ioredos', 'ioredis'],
    ['@opentelemetry/instrumentation-knex', 'knex'],
    ['fetch', 'undici'],
    ['expres', 'express'],
  ])('the near miss of %s is %s', (unknown, meant) => {
    expect(nearMiss(unknown)).toBe(meant);
  });

  it('has no near miss for something far from every name', () => {
    expect(nearMiss('zzzzzzzzzz')).toBeUndefined();
  });

  it('measures edits', () => {
    expect(editDistance('redis', 'ioredis')).toBe(2);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('stops on an unknown name with one line: the variable, the near miss, every valid name', () => {
    expect(() =>
      checkInstrumentationNames(
        'OTEL_NODE_ENABLED_INSTRUMENTATIONS',
        'http,postgres',
        ['http', 'postgres'],
      ),
    ).toThrow(TelemetryConfigError);
    try {
      checkInstrumentationNames(
        'OTEL_NODE_ENABLED_INSTRUMENTATIONS',
        'http,postgres',
        ['http', 'postgres'],
      );
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toBe(
        `OTEL_NODE_ENABLED_INSTRUMENTATIONS="http,postgres" is invalid: "postgres" (did you mean pg?) is not an instrumentation; valid names: ${INSTRUMENTATION_NAMES.join(', ')}`,
      );
      expect(message).not.toContain('\n');
    }
    expect(() =>
      checkInstrumentationNames('OTEL_NODE_DISABLED_INSTRUMENTATIONS', 'pg', [
        'pg',
      ]),
    ).not.toThrow();
  });
});

describe('planInstrumentations', () => {
  it('splits the default: http/express by the library, runtime metrics at once, the rest lazily', () => {
    const plan = planInstrumentations(
      DEFAULT_INSTRUMENTATION_NAMES.filter((n) => n !== 'aws-lambda'),
    );
    expect(plan.library).toEqual(['express', 'http']);
    expect(plan.eager).toEqual(['runtime-node']);
    expect(plan.lazy).toEqual(
      expect.arrayContaining(['pg', 'knex', 'ioredis', 'undici', 'net']),
    );
    expect(plan.lazy).not.toContain('aws-lambda');
    expect(plan.off).toEqual(['aws-lambda', 'fs', 'host-metrics', 'pino']);
  });

  it('starts aws-lambda (it patches the handler file, not a package) with telemetry', () => {
    expect(planInstrumentations(['aws-lambda']).eager).toEqual(['aws-lambda']);
  });

  it('honours a narrowed list', () => {
    const plan = planInstrumentations(['http', 'pg', 'host-metrics']);
    expect(plan).toMatchObject({
      library: ['http'],
      eager: ['host-metrics'],
      lazy: ['pg'],
    });
    expect(plan.off).toContain('ioredis');
  });
});

describe('triggers', () => {
  it('maps each module to the instrumentations it starts', () => {
    const index = triggerIndex(['pg', 'knex', 'redis', 'undici']);
    expect(index.get('pg')).toEqual(['pg']);
    expect(index.get('pg-pool')).toEqual(['pg']);
    expect(index.get('knex')).toEqual(['knex']);
    expect(index.get('@redis/client')).toEqual(['redis']);
    expect(index.get('ioredis')).toBeUndefined();
    expect(index.get('undici')).toEqual(['undici']);
  });

  it('lists the modules import-in-the-middle must intercept', () => {
    expect(modulesOf(['dns', 'knex'])).toEqual(['dns', 'dns/promises', 'knex']);
  });

  it.each([
    ['pg', ['pg']],
    ['knex/lib/execution/runner', ['knex']],
    ['@redis/client', ['@redis/client']],
    [
      '@redis/client/dist/lib/client',
      ['@redis/client', '@redis/client/dist/lib/client'],
    ],
    ['node:net', ['net']],
    ['node:dns/promises', ['dns/promises', 'dns']],
    ['dns/promises', ['dns/promises', 'dns']],
    ['./lib/client', undefined],
    ['/abs/path.js', undefined],
    ['file:///abs/path.mjs', undefined],
    ['data:text/javascript,1', undefined],
  ])('the keys of %s', (specifier, keys) => {
    expect(specifierKeys(specifier)).toEqual(keys);
  });
});

describe('what the app is told', () => {
  it('names the running instrumentations and counts the waiting ones', () => {
    expect(describeInstrumentations(['http', 'express'], ['pg', 'knex'])).toBe(
      'instrumentations http, express; 2 more start when the app loads what they patch',
    );
    expect(describeInstrumentations([], [])).toBe('instrumentations none');
  });

  it('names a loaded package whose instrumentation is off, with the near miss', () => {
    expect(
      switchedOffNote(
        [{ module: 'ioredis', instrumentation: 'ioredis' }],
        ['http', 'redis'],
      ),
    ).toBe(
      'ioredis is loaded but not instrumented: the ioredis instrumentation is switched off by OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS, so its calls get no spans (redis instruments redis and @redis/client and @node-redis/client, not ioredis)',
    );
    expect(
      switchedOffNote(
        [
          { module: 'pg', instrumentation: 'pg' },
          { module: 'pg-pool', instrumentation: 'pg' },
        ],
        ['http'],
      ),
    ).toBe(
      'pg, pg-pool are loaded but not instrumented: the pg instrumentation is switched off by OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS, so their calls get no spans',
    );
    expect(switchedOffNote([], ['http'])).toBeUndefined();
  });
});
