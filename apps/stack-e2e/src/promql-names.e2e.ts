import { sampleNamesIn } from './support/exposition.js';
import { metricNamesIn, substituteGrafanaVariables } from './support/promql.js';

describe('metricNamesIn', () => {
  it.each([
    ['up', ['up']],
    [
      'sum(rate(http_server_request_duration_count{job="dice-api"}[5m]))',
      ['http_server_request_duration_count'],
    ],
    [
      'histogram_quantile(0.95, sum by (le) (rate(a_bucket{route="/x"}[5m])))',
      ['a_bucket'],
    ],
    [
      'sum by (state) (rate(system_cpu_time_total[1m]))',
      ['system_cpu_time_total'],
    ],
    [
      'sum(rate(a_total[5m])) by (span_name) / ignoring(code) group_left(x) sum(b_total offset 5m)',
      ['a_total', 'b_total'],
    ],
    ['a{l="sum(by)", m=~"x{1,2}"} and on(job) b', ['a', 'b']],
    ['1e3 * rate(x_total[1h:5m]) > bool 0.5', ['x_total']],
    ['count_values("v", c) or vector(0)', ['c']],
  ])('%s selects %j', (expr, names) => {
    expect(metricNamesIn(expr)).toEqual(names);
  });

  it('refuses selectors by __name__, whose metric it cannot tell', () => {
    expect(() => metricNamesIn('{__name__=~"x.*"}')).toThrow(/__name__/);
  });
});

describe('substituteGrafanaVariables', () => {
  it('replaces the interval variables with a duration', () => {
    expect(
      substituteGrafanaVariables(
        'rate(x[$__rate_interval]) + increase(y[${__range}])',
      ),
    ).toBe('rate(x[5m]) + increase(y[5m])');
  });

  it('rejects dashboard variables whose value is unknown here', () => {
    expect(() => substituteGrafanaVariables('rate(x{job="$job"}[5m])')).toThrow(
      /\$job/,
    );
  });
});

describe('sampleNamesIn', () => {
  it('lists sample names, not family names', () => {
    const text = [
      '# HELP d dice',
      '# TYPE dice_rolls_total counter',
      'dice_rolls_total{roll_value="3"} 2 1700000000000',
      'h_bucket{le="+Inf"} 1',
      'h_sum 0.5',
      'h_count 1',
      '',
    ].join('\n');
    expect([...sampleNamesIn(text)]).toEqual([
      'dice_rolls_total',
      'h_bucket',
      'h_sum',
      'h_count',
    ]);
  });

  it('rejects text that is not an exposition', () => {
    expect(() => sampleNamesIn('<html>')).toThrow(
      /not a Prometheus sample line/,
    );
  });
});
