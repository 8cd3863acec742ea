/**
 * Enough PromQL lexing to list the metric names an expression selects, without a full parser:
 * string literals, label matchers, range/subquery brackets and grouping label lists are removed
 * first; what remains is numbers, operators, keywords, function calls and metric names, and a
 * metric name is the identifier that is neither a keyword nor followed by "(".
 * Syntax itself is checked separately with promtool (see promtool.ts).
 */

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'atan2',
  'inf',
  'nan',
]);

/** Grafana's built-in interval variables, replaced by a representative duration. */
const GRAFANA_DURATION_VARIABLES =
  /\$__(rate_interval|interval|range)\b|\$\{__(rate_interval|interval|range)\}/g;

/**
 * Makes a dashboard expression plain PromQL: Grafana's interval variables become `duration`. Any
 * other `$variable` is rejected, because its value (and so the metric it selects) is unknown here.
 */
export function substituteGrafanaVariables(
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

/** The distinct metric names `expr` (plain PromQL) selects, in order of appearance. */
export function metricNamesIn(expr: string): string[] {
  if (/__name__/.test(expr))
    throw new Error(
      `selecting by __name__ is not supported here: ${JSON.stringify(expr)}`,
    );
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^{}]*\}/g, ' ')
    .replace(/\[[^[\]]*\]/g, ' ')
    .replace(
      /\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)/gi,
      '$1 ',
    );

  const names: string[] = [];
  // Numbers and durations (5m, 1e3, 0x1F, 1.5) are consumed first so their letters are not names.
  const token = /(\d[\w.]*)|([A-Za-z_:][\w:]*)/g;
  for (let match = token.exec(stripped); match; match = token.exec(stripped)) {
    const identifier = match[2];
    if (identifier === undefined || KEYWORDS.has(identifier.toLowerCase()))
      continue;
    const rest = stripped.slice(token.lastIndex);
    // A function call, or an aggregation whose grouping clause comes first: `sum by (le) (...)`.
    if (/^\s*(?:(?:by|without)\s*)?\(/i.test(rest)) continue;
    if (!names.includes(identifier)) names.push(identifier);
  }
  return names;
}
