/** Markdown table and number formatting for the report. Pure. */

export type Align = 'left' | 'right';

/**
 * A GitHub-flavoured Markdown table. Cells are escaped (`|` would end a cell) and padded so the
 * table also reads well as plain text in a terminal.
 */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align?: readonly Align[],
): string {
  const width = headers.length;
  for (const [index, row] of rows.entries()) {
    if (row.length !== width)
      throw new Error(
        `table row ${index} has ${row.length} cells, expected ${width}`,
      );
  }
  const cells = [headers, ...rows].map((row) => row.map(escapeCell));
  const widths = headers.map((_, col) =>
    Math.max(3, ...cells.map((row) => (row[col] as string).length)),
  );
  const alignment = headers.map(
    (_, col) => align?.[col] ?? (col === 0 ? 'left' : 'right'),
  );
  const pad = (text: string, col: number) =>
    alignment[col] === 'right'
      ? text.padStart(widths[col] as number)
      : text.padEnd(widths[col] as number);
  const line = (row: readonly string[]) => `| ${row.map(pad).join(' | ')} |`;
  const rule = `| ${widths.map((w, col) => (alignment[col] === 'right' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(cells[0] as string[]), rule, ...cells.slice(1).map(line)].join(
    '\n',
  );
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Shown for a value the run did not produce (e.g. spans of the SDK-off variant). */
export const NOT_APPLICABLE = '–';

/** 12345.6 → "12,346"; with digits, "12,345.60". */
export function formatNumber(value: number | undefined, digits = 0): string {
  if (value === undefined || Number.isNaN(value)) return NOT_APPLICABLE;
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** Milliseconds with a precision that suits latencies from 0.1 ms to seconds. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return NOT_APPLICABLE;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms).toLocaleString('en-US')} ms`;
}

export function formatMiB(bytes: number | undefined): string {
  if (bytes === undefined || Number.isNaN(bytes)) return NOT_APPLICABLE;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export function formatRatio(ratio: number | undefined): string {
  if (ratio === undefined || !Number.isFinite(ratio)) return NOT_APPLICABLE;
  return `${ratio.toFixed(2)}×`;
}

/** 0.0312 → "+3.1 %"; a change, so it carries its sign. */
export function formatChange(fraction: number | undefined): string {
  if (fraction === undefined || !Number.isFinite(fraction))
    return NOT_APPLICABLE;
  const percent = fraction * 100;
  return `${percent >= 0 ? '+' : '−'}${Math.abs(percent).toFixed(1)} %`;
}

/** 0.9995 → "99.95 %". */
export function formatPercent(
  fraction: number | undefined,
  digits = 1,
): string {
  if (fraction === undefined || !Number.isFinite(fraction))
    return NOT_APPLICABLE;
  return `${(fraction * 100).toFixed(digits)} %`;
}
