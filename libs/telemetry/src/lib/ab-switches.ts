/**
 * TEMPORARY (issue 18's A/B run): TELEMETRY_AB_OFF=http+tracer+context+selfmetrics+health (or commas) turns
 * one part that replaces or wraps upstream off, alone, in the same build, so the benchmark can
 * measure what each saves. Removed once the verdicts are in docs/benchmarks.md.
 */
export type AbPart = 'http' | 'tracer' | 'context' | 'selfmetrics' | 'health';

const off = new Set(
  (process.env['TELEMETRY_AB_OFF'] ?? '')
    .split(/[,+]/)
    .map((part) => part.trim())
    .filter(Boolean),
);

export function abOff(part: AbPart): boolean {
  return off.has(part);
}
