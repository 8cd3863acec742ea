import type { Attributes, Counter, Meter } from '@opentelemetry/api';
import { createPlayerMetrics } from './player-metrics';

/** Records what the player adds to each counter; the real Prometheus output is checked end to end. */
function recordingMeter() {
  const adds: { counter: string; value: number; attributes?: Attributes }[] =
    [];
  const meter = {
    createCounter: (name: string) =>
      ({
        add: (value: number, attributes?: Attributes) =>
          adds.push({ counter: name, value, attributes }),
      }) as unknown as Counter,
  } as unknown as Meter;
  return { meter, adds };
}

describe('createPlayerMetrics', () => {
  it('counts every round in rolls{outcome} and failures also in errors{reason}', () => {
    const { meter, adds } = recordingMeter();
    const metrics = createPlayerMetrics(meter);
    metrics.record({ kind: 'face', face: 5 });
    metrics.record({
      kind: 'error',
      reason: 'http_status',
      status: 500,
      message: 'HTTP 500',
    });
    expect(adds).toEqual([
      { counter: 'rolls', value: 1, attributes: { outcome: '5' } },
      { counter: 'rolls', value: 1, attributes: { outcome: 'error' } },
      { counter: 'errors', value: 1, attributes: { reason: 'http_status' } },
    ]);
  });
});
