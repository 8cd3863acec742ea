/** Markdown rendering of a CPU profile summary. Pure. */
import type { ProfileSummary } from './cpu-profile.js';
import { formatNumber, formatPercent, markdownTable } from './format.js';

export function formatProfileSummary(summary: ProfileSummary, top = 15): string {
  const share = (ms: number) => formatPercent(summary.busyMs > 0 ? ms / summary.busyMs : undefined);
  const functions = summary.functions.filter((f) => f.functionName !== '(idle)').slice(0, top);
  const groups = summary.groups.filter((g) => g.group !== '(idle)').slice(0, top);
  return [
    `Profile: ${formatNumber(summary.totalMs / 1000, 1)} s wall, ${formatNumber(summary.busyMs / 1000, 1)} s busy ` +
      `(${formatPercent(summary.totalMs > 0 ? summary.busyMs / summary.totalMs : undefined)}), ` +
      `${formatNumber(summary.samples)} samples. Shares below are of busy (non-idle) time.`,
    '',
    `All @opentelemetry/* packages together: ${formatNumber(summary.openTelemetrySelfMs)} ms self time ` +
      `(${share(summary.openTelemetrySelfMs)}).`,
    '',
    `Top ${groups.length} packages/files by self time:`,
    '',
    markdownTable(
      ['package / file', 'self ms', 'self %', 'inclusive ms', 'inclusive %'],
      groups.map((g) => [
        g.group,
        formatNumber(g.selfMs),
        share(g.selfMs),
        formatNumber(g.inclusiveMs),
        share(g.inclusiveMs),
      ]),
    ),
    '',
    `Top ${functions.length} functions by self time:`,
    '',
    markdownTable(
      ['function', 'where', 'self ms', 'self %'],
      functions.map((f) => [f.functionName, f.location, formatNumber(f.selfMs), share(f.selfMs)]),
    ),
  ].join('\n');
}
