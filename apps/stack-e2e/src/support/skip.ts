/**
 * One line on stdout saying why a suite is skipped. Written directly (not console.log, which jest
 * decorates with a stack trace) so it stays one line.
 */
export function announceSkip(suite: string, reason: string): void {
  process.stdout.write(`stack-e2e: skipping ${suite}: ${reason}\n`);
}

/** CI must run everything it can; there a missing tool is a failure, elsewhere a skip. */
export const inCi = (): boolean =>
  /^(1|true|yes)$/i.test(process.env['CI'] ?? '');
