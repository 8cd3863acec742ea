/** Markdown rendering of a CPU profile summary. Pure. */
import type { ProfileSummary } from './cpu-profile.js';
import { formatNumber, formatPercent, markdownTable } from './format.js';

export function formatProfileSummary(
  summary: ProfileSummary,
  top = 15,
): string {
  const share = (ms: number) =>
    formatPercent(summary.busyMs > 0 ? ms / summary.busyMs : undefined);
  const functions = summary.functions
    .filter((f) => f.functionName !== '(idle)')
    .slice(0, top);
  const groups = summary.groups
    .filter((g) => g.group !== '(idle)')
    .slice(0, top);
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
      functions.map((f) => [
        f.functionName,
        f.location,
        formatNumber(f.selfMs),
        share(f.selfMs),
      ]),
    ),
  ].join('\n');
}

/** A profile summarised over a window in which `requests` requests were served. */
export interface ProfiledRun {
  label: string;
  summary: ProfileSummary;
  requests: number;
}

/**
 * Where the extra time per request goes: each package/file's self time per request in the
 * baseline and in the subject, largest increase first. Per request, so runs that served
 * different numbers of requests (as an instrumented and a bare app do in the same time) compare.
 */
export function formatProfileComparison(
  base: ProfiledRun,
  subject: ProfiledRun,
  top = 15,
): string {
  if (base.requests <= 0 || subject.requests <= 0)
    throw new Error('profile comparison needs requests in both runs');
  const perRequestUs = (ms: number, run: ProfiledRun) =>
    (ms * 1000) / run.requests;
  const groups = new Set(
    [...base.summary.groups, ...subject.summary.groups].map((g) => g.group),
  );
  groups.delete('(idle)');
  const selfOf = (run: ProfiledRun, group: string) =>
    run.summary.groups.find((g) => g.group === group)?.selfMs ?? 0;
  const rows = [...groups]
    .map((group) => {
      const b = perRequestUs(selfOf(base, group), base);
      const s = perRequestUs(selfOf(subject, group), subject);
      return { group, b, s, delta: s - b };
    })
    .sort((x, y) => y.delta - x.delta);
  const busyBase = perRequestUs(base.summary.busyMs, base);
  const busySubject = perRequestUs(subject.summary.busyMs, subject);
  const us = (value: number) => formatNumber(value, 1);
  return [
    `Busy main-thread time per request: ${base.label} ${us(busyBase)} µs, ${subject.label} ${us(busySubject)} µs ` +
      `(+${us(busySubject - busyBase)} µs, ${formatNumber(busySubject / busyBase, 2)}×). ` +
      `@opentelemetry/* self time: ${us(perRequestUs(subject.summary.openTelemetrySelfMs, subject))} µs per request.`,
    '',
    markdownTable(
      [
        'package / file',
        `${base.label} µs/req`,
        `${subject.label} µs/req`,
        'Δ µs/req',
        'share of Δ',
      ],
      rows
        .slice(0, top)
        .map((r) => [
          r.group,
          us(r.b),
          us(r.s),
          `${r.delta >= 0 ? '+' : '−'}${us(Math.abs(r.delta))}`,
          formatPercent(
            busySubject > busyBase
              ? r.delta / (busySubject - busyBase)
              : undefined,
          ),
        ]),
    ),
  ].join('\n');
}
