import {
  analyseLogql,
  logqlProblems,
  substituteGrafanaLogqlVariables,
} from './support/logql.js';

const known = {
  stream: new Set(['service_name', 'service_instance_id']),
  fields: new Set(['trace_id', 'severity_text']),
};

describe('analyseLogql', () => {
  it('finds the selector, the label filters and the grouping labels', () => {
    const analysis = analyseLogql(
      'sum by (severity_text) (count_over_time({service_name="dice-api", service_instance_id=~"a.+"} | trace_id="0af7" [5m]))',
    );
    expect(analysis).toEqual({
      syntaxErrors: [],
      selectors: [
        [
          { label: 'service_name', op: '=', value: 'dice-api' },
          { label: 'service_instance_id', op: '=~', value: 'a.+' },
        ],
      ],
      filteredLabels: ['trace_id'],
      groupingLabels: ['severity_text'],
    });
  });

  it.each([
    ['{service_name="dice-api"', 'unclosed selector'],
    ['{service_name="dice-api"} | trace_id=', 'filter without a value'],
    ['count_over_time({service_name="dice-api"} [5m)', 'unclosed range'],
    [
      'sum by (severity_text (count_over_time({service_name="x"}[5m]))',
      'unclosed grouping',
    ],
  ])('reports a syntax error in %s (%s)', (expr) => {
    expect(analyseLogql(expr).syntaxErrors).not.toEqual([]);
  });
});

describe('logqlProblems', () => {
  it('accepts sound queries', () => {
    expect(
      logqlProblems('{service_name="dice-api"} | trace_id="0af7"', known),
    ).toEqual([]);
  });

  it('reports selectors that match everything, unknown index labels and unknown fields', () => {
    expect(logqlProblems('{service_name=~".*"}', known)).toEqual([
      'stream selector needs at least one matcher that excludes the empty value',
    ]);
    expect(
      logqlProblems('{service="dice-api"} | traceid="0af7"', known),
    ).toEqual([
      'stream selector: "service" is not an index label (known: service_instance_id, service_name)',
      '"traceid" is neither an index label nor a structured-metadata field the logs carry',
    ]);
    expect(
      logqlProblems('sum by (level) (rate({service_name="x"}[1m]))', known),
    ).toEqual([
      '"level" is neither an index label nor a structured-metadata field the logs carry',
    ]);
  });
});

describe('substituteGrafanaLogqlVariables', () => {
  it('replaces the interval variables with a duration', () => {
    expect(
      substituteGrafanaLogqlVariables(
        'count_over_time({a="b"}[$__auto]) + rate({a="b"}[${__interval}])',
      ),
    ).toBe('count_over_time({a="b"}[5m]) + rate({a="b"}[5m])');
  });

  it('rejects dashboard variables whose value is unknown here', () => {
    expect(() => substituteGrafanaLogqlVariables('{job="$job"}')).toThrow(
      /\$job/,
    );
  });
});
