/**
 * The sample names in a Prometheus text exposition (what /metrics serves): `foo_bucket`, `foo_sum`,
 * `foo_count` for a histogram, `bar_total` for a counter, exactly as PromQL must name them.
 */
export function sampleNamesIn(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const raw of exposition.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{|\s)/.exec(line);
    if (!match)
      throw new Error(`not a Prometheus sample line: ${JSON.stringify(raw)}`);
    names.add(match[1]);
  }
  return names;
}
