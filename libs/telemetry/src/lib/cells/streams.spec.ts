import { ValueType } from '@opentelemetry/api';
import {
  AggregationType,
  InstrumentType,
  type AggregationOption,
} from '@opentelemetry/sdk-metrics';
import {
  cleanBoundaries,
  namePattern,
  resolveAggregation,
  resolveStreams,
  viewSelects,
  type InstrumentDescriptor,
} from './streams.js';

const histogram: InstrumentDescriptor = {
  name: 'http.server.request.duration',
  type: InstrumentType.HISTOGRAM,
  description: 'd',
  unit: 's',
  valueType: ValueType.DOUBLE,
  advice: { explicitBucketBoundaries: [1, 0.5, Infinity] },
};
const counter: InstrumentDescriptor = {
  ...histogram,
  name: 'requests',
  type: InstrumentType.COUNTER,
  unit: '1',
  advice: {},
};
const scope = { name: 'm', version: '1', schemaUrl: undefined };
const reader = (
  aggregation: AggregationOption = { type: AggregationType.DEFAULT },
  limit = 2000,
) => ({
  selectAggregation: () => aggregation,
  selectCardinalityLimit: () => limit,
});

describe('metric streams', () => {
  it("matches names as the SDK's pattern does: the first `*` is a wildcard", () => {
    expect(namePattern(undefined)('x')).toBe(true);
    expect(namePattern('*')('anything')).toBe(true);
    expect(namePattern('http.*')('http.server')).toBe(true);
    expect(namePattern('http.*')('httpxserver')).toBe(false);
    expect(namePattern('a?c')('abc')).toBe(false);
    expect(namePattern('a?c')('a?c')).toBe(true);
  });

  it('selects by type, name, unit and meter', () => {
    expect(
      viewSelects(
        { instrumentType: InstrumentType.HISTOGRAM },
        histogram,
        scope,
      ),
    ).toBe(true);
    expect(
      viewSelects({ instrumentType: InstrumentType.COUNTER }, histogram, scope),
    ).toBe(false);
    expect(viewSelects({ instrumentUnit: 'ms' }, histogram, scope)).toBe(false);
    expect(
      viewSelects({ meterName: 'm', meterVersion: '1' }, histogram, scope),
    ).toBe(true);
    expect(viewSelects({ meterName: 'other' }, histogram, scope)).toBe(false);
  });

  it('resolves aggregations, and says which it does not have', () => {
    expect(
      resolveAggregation({ type: AggregationType.DEFAULT }, histogram),
    ).toEqual({
      kind: 'histogram',
      boundaries: [0.5, 1],
      recordMinMax: true,
    });
    expect(
      resolveAggregation({ type: AggregationType.DEFAULT }, counter),
    ).toEqual({ kind: 'sum', monotonic: true });
    expect(
      resolveAggregation(
        { type: AggregationType.SUM },
        { ...counter, type: InstrumentType.UP_DOWN_COUNTER },
      ),
    ).toEqual({
      kind: 'sum',
      monotonic: false,
    });
    expect(resolveAggregation({ type: AggregationType.DROP }, counter)).toEqual(
      { kind: 'drop' },
    );
    expect(
      resolveAggregation({ type: AggregationType.LAST_VALUE }, counter),
    ).toBe('unsupported');
    expect(
      resolveAggregation(
        { type: AggregationType.EXPONENTIAL_HISTOGRAM },
        histogram,
      ),
    ).toBe('unsupported');
    expect(cleanBoundaries([10, -Infinity, 1, Infinity, 5])).toEqual([
      1, 5, 10,
    ]);
  });

  it('makes one stream per matching view for every reader, else one per reader (shared when they agree)', () => {
    const viewed = resolveStreams(
      histogram,
      scope,
      [
        {
          instrumentName: 'http.*',
          name: undefined,
          aggregationCardinalityLimit: 5,
        },
        {
          instrumentName: 'http.server.request.duration',
          name: 'n',
          aggregation: { type: AggregationType.DROP },
        },
      ],
      [reader(), reader()],
    );
    expect(viewed).toEqual([
      expect.objectContaining({ cardinalityLimit: 5, readers: [0, 1] }),
    ]);
    const byReader = resolveStreams(
      counter,
      scope,
      [],
      [reader(), reader(undefined, 10), reader()],
    );
    expect(byReader).toEqual([
      expect.objectContaining({ cardinalityLimit: 2000, readers: [0, 2] }),
      expect.objectContaining({ cardinalityLimit: 10, readers: [1] }),
    ]);
    expect(
      resolveStreams(
        histogram,
        scope,
        [],
        [reader({ type: AggregationType.EXPONENTIAL_HISTOGRAM })],
      ),
    ).toBe('unsupported');
  });
});
