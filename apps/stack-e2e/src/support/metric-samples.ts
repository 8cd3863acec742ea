/**
 * Samples of a Prometheus text exposition (what an app's /metrics serves), enough to read counters:
 * `name{label="value",…} 12.5` lines, comments skipped. Label values may hold escaped quotes.
 */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE =
  /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?[0-9]+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseSamples(exposition: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const raw of exposition.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match)
      throw new Error(`not a Prometheus sample line: ${JSON.stringify(raw)}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL))
      labels[key] = value.replace(/\\(.)/g, (_, c: string) =>
        c === 'n' ? '\n' : c,
      );
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** Sum of every sample named `name` whose labels include `where`. */
export function sumOf(
  samples: readonly MetricSample[],
  name: string,
  where: Record<string, string> = {},
): number {
  return samples
    .filter(
      (s) =>
        s.name === name &&
        Object.entries(where).every(([k, v]) => s.labels[k] === v),
    )
    .reduce((total, s) => total + s.value, 0);
}
