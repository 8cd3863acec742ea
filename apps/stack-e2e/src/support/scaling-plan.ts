/**
 * docs/scaling.md's capacity arithmetic, recomputed: the constants and the stated figures are read
 * from the doc's keyed table ("The figures the suite recomputes"), the sizes from the production
 * overlay's manifests, and every stated figure must equal what the formulas give. Pure functions:
 * the e2e suite feeds them the rendered objects.
 */

export const FIGURES_HEADING = '### The figures the suite recomputes';

/**
 * The rows `| \`key\` | figure | value | from |` of the section FIGURES_HEADING: key -> the number in
 * the value cell.
 */
export function documentedFigures(markdown: string): Map<string, number> {
  const start = markdown.indexOf(FIGURES_HEADING);
  if (start < 0)
    throw new Error(`docs/scaling.md: no section ${FIGURES_HEADING}`);
  const rest = markdown.slice(start + FIGURES_HEADING.length);
  const end = rest.search(/^#{1,3} /m);
  const section = end < 0 ? rest : rest.slice(0, end);
  const figures = new Map<string, number>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    // ['', '`key`', figure, value, from, '']
    const key = /^`([a-z_]+)`$/.exec(cells[1] ?? '')?.[1];
    if (key === undefined || cells.length < 5) continue;
    const value = Number((cells[3] ?? '').replace(/,/g, ''));
    if (!Number.isFinite(value))
      throw new Error(`docs/scaling.md: ${key} has no number: ${cells[3]}`);
    if (figures.has(key)) throw new Error(`docs/scaling.md: ${key} twice`);
    figures.set(key, value);
  }
  return figures;
}

/** The cells of the plan table row whose tier cell starts with `tier`. */
export function planRow(markdown: string, tier: string): string[] {
  const row = markdown
    .split('\n')
    .map((l) => l.split('|').map((c) => c.trim()))
    .find((cells) => (cells[1] ?? '').startsWith(tier));
  if (!row) throw new Error(`docs/scaling.md: no plan row ${tier}`);
  return row.slice(1, -1);
}

/** What the production overlay's manifests say, in the plan's units. */
export interface GatewayManifest {
  readonly replicas: number;
  readonly cpuRequest: number;
  readonly cpuLimit: number;
  readonly memoryRequestMib: number;
  readonly memoryLimitMib: number;
  readonly gomemlimitMib: number;
  readonly numTraces: number;
  readonly expectedTracesPerSec: number;
  readonly decisionWaitSeconds: number;
  readonly spanQueue: number;
  readonly logQueue: number;
}

export const cpus = (q: string): number =>
  q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q);
export const mebibytes = (q: string): number => {
  const m = /^(\d+)(Mi|Gi)$/.exec(q);
  if (!m) throw new Error(`not a quantity in Mi or Gi: ${q}`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
};

const floorTo = (value: number, step: number): number =>
  Math.floor(value / step) * step;

/** The formulas, from the doc's constants and a gateway's CPU and memory. */
export function gatewayFigures(
  c: ReadonlyMap<string, number>,
  cpu: number,
  memoryMib: number,
): Record<string, number> {
  const get = (key: string): number => {
    const v = c.get(key);
    if (v === undefined) throw new Error(`docs/scaling.md: no constant ${key}`);
    return v;
  };
  const perCore =
    1 /
    (1 / (get('collector_spans_per_core') * get('tail_sampling_factor')) +
      get('log_records_per_span') / get('log_records_per_core'));
  const perPod = get('headroom') * cpu * perCore;
  const saturationTraces = (cpu * perCore) / get('spans_per_trace');
  const numTraces = floorTo(
    (get('held_traces_share') * memoryMib * 1024) /
      (get('spans_per_trace') * get('held_span_kib')),
    10_000,
  );
  return {
    gateway_spans_per_core: perCore,
    gateway_capacity_per_pod: perPod,
    gateway_gomemlimit_mib: Math.floor(get('gomemlimit_share') * memoryMib),
    gateway_num_traces: numTraces,
    gateway_expected_traces: floorTo(perPod / get('spans_per_trace'), 100),
    gateway_saturation_traces: saturationTraces,
    gateway_max_decision_wait: numTraces / saturationTraces,
  };
}

/** Every disagreement between the doc, the formulas and the manifests; empty when they agree. */
export function planProblems(
  markdown: string,
  gateway: GatewayManifest,
): string[] {
  const doc = documentedFigures(markdown);
  const problems: string[] = [];
  const stated = (key: string): number => {
    const v = doc.get(key);
    if (v === undefined) throw new Error(`docs/scaling.md: no figure ${key}`);
    return v;
  };
  // Stated figures are rounded: to the last digit they show.
  const agrees = (key: string, computed: number): void => {
    const text = String(stated(key));
    const decimals = text.includes('.') ? text.split('.')[1].length : 0;
    if (Number(computed.toFixed(decimals)) !== stated(key))
      problems.push(
        `${key}: docs/scaling.md says ${stated(key)}, the arithmetic gives ${computed.toFixed(decimals)}`,
      );
  };
  const manifest = (key: string, value: number, what: string): void => {
    if (stated(key) !== value)
      problems.push(
        `${key}: docs/scaling.md says ${stated(key)}, the production ${what} is ${value}`,
      );
  };

  // The doc describes the overlay as it is.
  manifest('gateway_cpu', gateway.cpuLimit, 'gateway CPU limit');
  manifest(
    'gateway_memory_mib',
    gateway.memoryLimitMib,
    'gateway memory limit (MiB)',
  );
  manifest('gateway_replicas', gateway.replicas, 'gateway replicas');
  manifest('decision_wait_s', gateway.decisionWaitSeconds, 'decision_wait (s)');
  if (gateway.cpuRequest !== gateway.cpuLimit)
    problems.push('the production gateway does not request all of its CPU');
  if (gateway.memoryRequestMib !== gateway.memoryLimitMib)
    problems.push('the production gateway does not request all of its memory');

  // The arithmetic, from the doc's constants and the overlay's sizes.
  const figures = gatewayFigures(doc, gateway.cpuLimit, gateway.memoryLimitMib);
  for (const [key, value] of Object.entries(figures)) agrees(key, value);
  const needed =
    Math.ceil(
      stated('plan_spans_per_s') / figures['gateway_capacity_per_pod'],
    ) + 1;
  if (gateway.replicas !== needed)
    problems.push(
      `gateway replicas: the overlay runs ${gateway.replicas}, the plan (${stated('plan_spans_per_s')} spans/s) needs ${needed}`,
    );
  agrees(
    'gateway_capacity_total',
    (gateway.replicas - 1) * figures['gateway_capacity_per_pod'],
  );
  if (stated('gateway_capacity_total') < stated('plan_spans_per_s'))
    problems.push('gateway_capacity_total is below plan_spans_per_s');
  agrees(
    'trace_store_outage_h',
    (gateway.replicas * gateway.spanQueue) /
      (stated('kept_fraction') * stated('plan_spans_per_s')) /
      3600,
  );
  agrees(
    'loki_outage_h',
    (gateway.replicas * gateway.logQueue) /
      (stated('log_records_per_span') * stated('plan_spans_per_s')) /
      3600,
  );

  // The overlay's settings are the formulas' results.
  for (const [what, value, key] of [
    ['GOMEMLIMIT (MiB)', gateway.gomemlimitMib, 'gateway_gomemlimit_mib'],
    ['GATEWAY_TAIL_NUM_TRACES', gateway.numTraces, 'gateway_num_traces'],
    [
      'GATEWAY_TAIL_EXPECTED_TRACES_PER_SEC',
      gateway.expectedTracesPerSec,
      'gateway_expected_traces',
    ],
  ] as const)
    if (value !== figures[key])
      problems.push(
        `production ${what} is ${value}, the formula gives ${figures[key]}`,
      );
  if (gateway.decisionWaitSeconds > figures['gateway_max_decision_wait'])
    problems.push(
      `decision_wait ${gateway.decisionWaitSeconds} s is longer than num_traces covers (${figures['gateway_max_decision_wait'].toFixed(1)} s)`,
    );

  // The plan table's gateway row: 1k, 100k, 1M spans/s.
  const row = planRow(markdown, 'gateways (');
  [1_000, 100_000, 1_000_000].forEach((load, i) => {
    const n = Math.ceil(load / figures['gateway_capacity_per_pod']) + 1;
    const cell = Number(/\d[\d,]*/.exec(row[2 + i])?.[0].replace(/,/g, ''));
    if (cell !== n)
      problems.push(
        `plan table, gateways at ${load} spans/s: says ${row[2 + i]}, the formula gives ${n}`,
      );
  });
  return problems;
}
