import type { Attributes, Histogram } from '@opentelemetry/api';
import type { Bindable } from './cells/instruments.js';
import { DurationRecorders } from './http-duration.js';

function fakeHistogram() {
  const bound: Attributes[] = [];
  const recorded: [number, string][] = [];
  const histogram = {
    bind: (attributes: Attributes = {}) => {
      bound.push(attributes);
      const key = JSON.stringify(attributes);
      return { record: (value: number) => recorded.push([value, key]) };
    },
    record: (value: number, attributes?: Attributes) =>
      recorded.push([value, `unbound ${JSON.stringify(attributes)}`]),
  } as Histogram & Bindable;
  return { histogram, bound, recorded };
}

describe('DurationRecorders', () => {
  it("binds each combination of a response's values once, with the duration's attributes", () => {
    const { histogram, bound, recorded } = fakeHistogram();
    const durations = new DurationRecorders(histogram);
    durations.record(0.1, 'GET', 'http', '1.1', 200, '/rolldice');
    durations.record(0.2, 'GET', 'http', '1.1', 200, '/rolldice');
    durations.record(0.3, 'GET', 'http', '1.1', 500, '/rolldice');
    durations.record(0.4, 'PURGE', 'https', '2.0', 404, undefined);
    expect(bound).toEqual([
      {
        'http.request.method': 'GET',
        'url.scheme': 'http',
        'network.protocol.version': '1.1',
        'http.route': '/rolldice',
        'http.response.status_code': 200,
      },
      {
        'http.request.method': 'GET',
        'url.scheme': 'http',
        'network.protocol.version': '1.1',
        'http.route': '/rolldice',
        'http.response.status_code': 500,
        'error.type': '500',
      },
      {
        'http.request.method': '_OTHER',
        'url.scheme': 'https',
        'network.protocol.version': '2.0',
        'http.response.status_code': 404,
      },
    ]);
    expect(recorded.map(([v]) => v)).toEqual([0.1, 0.2, 0.3, 0.4]);
    expect(recorded[0]?.[1]).toBe(recorded[1]?.[1]);
  });

  it('records past its 1024 combinations through the histogram, and never a negative duration', () => {
    const { histogram, bound, recorded } = fakeHistogram();
    const durations = new DurationRecorders(histogram);
    for (let i = 0; i < 1030; i++)
      durations.record(0.01, 'GET', 'http', '1.1', 200, `/r${i}`);
    expect(bound).toHaveLength(1024);
    expect(
      recorded.filter(([, key]) => key.startsWith('unbound')),
    ).toHaveLength(6);
    durations.record(-1, 'GET', 'http', '1.1', 200, '/r0');
    expect(recorded).toHaveLength(1030);
  });
});
