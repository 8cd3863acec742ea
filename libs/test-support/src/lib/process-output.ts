import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export type OutputStream = 'stdout' | 'stderr';

export interface OutputLine {
  stream: OutputStream;
  text: string;
}

/** Line-by-line capture of a child's stdout and stderr, kept in arrival order. */
export class CapturedOutput {
  readonly lines: OutputLine[] = [];
  readonly stdoutLines: string[] = [];
  readonly stderrLines: string[] = [];
  private readonly closed: Promise<void>[] = [];

  attach(stream: OutputStream, readable: Readable | null): void {
    if (!readable) return;
    const reader = createInterface({ input: readable, crlfDelay: Infinity });
    reader.on('line', (text) => {
      this.lines.push({ stream, text });
      (stream === 'stdout' ? this.stdoutLines : this.stderrLines).push(text);
    });
    this.closed.push(
      new Promise((resolve) => reader.once('close', () => resolve())),
    );
  }

  /** Resolves once every attached stream hit EOF (all lines delivered). */
  async drained(): Promise<void> {
    await Promise.all(this.closed);
  }

  /** Every line that parses as a JSON object (e.g. pino logs), from both streams, in order. */
  jsonLines(): Record<string, unknown>[] {
    const parsed: Record<string, unknown>[] = [];
    for (const { text } of this.lines) {
      const value = parseJsonObject(text);
      if (value) parsed.push(value);
    }
    return parsed;
  }

  /** The last `max` lines, prefixed by stream, for error messages. */
  tail(max = 60): string {
    const shown = this.lines
      .slice(-max)
      .map(({ stream, text }) => `[${stream}] ${text}`);
    const hidden = this.lines.length - shown.length;
    return (
      [hidden > 0 ? `… ${hidden} earlier line(s)` : '', ...shown]
        .filter(Boolean)
        .join('\n') || '(no output)'
    );
  }
}

/** A JSON object line, or undefined for anything else (plain text, arrays, broken JSON). */
export function parseJsonObject(
  text: string,
): Record<string, unknown> | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
