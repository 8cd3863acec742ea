import { parser } from '@grafana/lezer-logql';

/**
 * LogQL checked with the grammar Grafana's own Loki query editor parses with (@grafana/lezer-logql),
 * not with a regex: syntax errors (an unbalanced `{`, a missing `]`, a dangling `|`) are the parser's
 * error nodes. On top of syntax, what the parser does not check but Loki refuses or silently answers
 * with nothing: a selector without a matcher that excludes the empty value, and label names the
 * store never has (a typo in `service_name`, a structured-metadata field that is not there).
 */

export interface LabelMatcher {
  readonly label: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

export interface LogqlAnalysis {
  /** Syntax errors, each naming the position and the text around it. */
  readonly syntaxErrors: string[];
  /** Every stream selector (`{…}`), as its matchers. */
  readonly selectors: LabelMatcher[][];
  /** Label names filtered on after the selector (`| trace_id="…"`). */
  readonly filteredLabels: string[];
  /** Label names grouped by (`sum by (severity_text)`). */
  readonly groupingLabels: string[];
}

const OPS: Readonly<Record<string, LabelMatcher['op']>> = {
  Eq: '=',
  Neq: '!=',
  Re: '=~',
  Nre: '!~',
};

/** The value of a LogQL string literal: "…" with escapes, or a `…` raw string. */
function stringValue(literal: string): string {
  if (literal.startsWith('`')) return literal.slice(1, -1);
  return JSON.parse(literal) as string;
}

export function analyseLogql(expr: string): LogqlAnalysis {
  const tree = parser.parse(expr);
  const syntaxErrors: string[] = [];
  const selectors: LabelMatcher[][] = [];
  const filteredLabels: string[] = [];
  const groupingLabels: string[] = [];

  tree.iterate({
    enter(ref) {
      if (ref.type.isError) {
        const around = expr.slice(Math.max(0, ref.from - 15), ref.to + 15);
        syntaxErrors.push(
          `syntax error at ${ref.from} near ${JSON.stringify(around)}`,
        );
        return;
      }
      if (ref.name === 'Selector') {
        selectors.push([]);
        return;
      }
      if (ref.name === 'Matcher') {
        const node = ref.node;
        const label = node.getChild('Identifier');
        const op = ['Eq', 'Neq', 'Re', 'Nre']
          .map((name) => node.getChild(name))
          .find((child) => child !== null);
        const value = node.getChild('String');
        if (!label || !op || !value) return;
        const matcher: LabelMatcher = {
          label: expr.slice(label.from, label.to),
          op: OPS[op.name],
          value: stringValue(expr.slice(value.from, value.to)),
        };
        // A matcher inside a stream selector, or a label filter in the pipeline.
        if (node.parent?.name === 'LabelFilter')
          filteredLabels.push(matcher.label);
        else selectors.at(-1)?.push(matcher);
        return;
      }
      if (ref.name === 'Labels' && ref.node.parent?.name === 'Grouping') {
        for (const id of ref.node.getChildren('Identifier'))
          groupingLabels.push(expr.slice(id.from, id.to));
      }
    },
  });
  return { syntaxErrors, selectors, filteredLabels, groupingLabels };
}

/** Does the matcher accept the empty value (so it cannot pick streams on its own)? */
function matchesEmpty(m: LabelMatcher): boolean {
  switch (m.op) {
    case '=':
      return m.value === '';
    case '!=':
      return m.value !== '';
    case '=~':
      return new RegExp(`^(?:${m.value})$`).test('');
    case '!~':
      return !new RegExp(`^(?:${m.value})$`).test('');
  }
}

export interface KnownLabels {
  /** Index labels streams can be selected by. */
  readonly stream: ReadonlySet<string>;
  /** Structured metadata (and stream labels) a pipeline can filter or group on. */
  readonly fields: ReadonlySet<string>;
}

/** Every reason Loki would refuse `expr` or answer it with nothing; empty when it is sound. */
export function logqlProblems(expr: string, known: KnownLabels): string[] {
  const analysis = analyseLogql(expr);
  const problems = [...analysis.syntaxErrors];
  if (analysis.selectors.length === 0)
    problems.push('no stream selector: every LogQL query needs one');
  for (const selector of analysis.selectors) {
    // Loki: "queries require at least one regexp or equality matcher that does not have an
    // empty-compatible value".
    if (selector.every(matchesEmpty))
      problems.push(
        'stream selector needs at least one matcher that excludes the empty value',
      );
    for (const m of selector)
      if (!known.stream.has(m.label))
        problems.push(
          `stream selector: "${m.label}" is not an index label (known: ${[...known.stream].sort().join(', ')})`,
        );
  }
  const fields = new Set([...known.fields, ...known.stream]);
  for (const label of [...analysis.filteredLabels, ...analysis.groupingLabels])
    if (!fields.has(label))
      problems.push(
        `"${label}" is neither an index label nor a structured-metadata field the logs carry`,
      );
  return problems;
}

/** Grafana's built-in range/interval variables in LogQL, replaced by a representative duration. */
const GRAFANA_DURATION_VARIABLES =
  /\$__(auto|rate_interval|interval|range)\b|\$\{__(auto|rate_interval|interval|range)\}/g;

/**
 * Makes a dashboard's LogQL plain: Grafana's interval variables become `duration`. Any other
 * `$variable` is rejected, because what it expands to (and so the labels it selects) is unknown here.
 */
export function substituteGrafanaLogqlVariables(
  expr: string,
  duration = '5m',
): string {
  const plain = expr.replace(GRAFANA_DURATION_VARIABLES, duration);
  const leftover = /\$\{?[A-Za-z_]\w*/.exec(plain);
  if (leftover)
    throw new Error(
      `unsupported Grafana variable ${leftover[0]} in ${JSON.stringify(expr)}`,
    );
  return plain;
}
