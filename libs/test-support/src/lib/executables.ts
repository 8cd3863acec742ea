import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** First executable called `name` on `searchPath` (a PATH-style list), or undefined. */
export function findExecutable(
  name: string,
  searchPath: string | undefined = process.env['PATH'],
): string | undefined {
  for (const dir of (searchPath ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes the kernel SIGKILL the child when the spawning process dies (prctl PDEATHSIG via
 * util-linux `setpriv`, which then execs the command, so the pid stays the command's).
 * For non-node children, which cannot run our orphan watchdog; a test worker that is killed
 * outright must not leave e.g. a Prometheus running. Without setpriv the command is unchanged.
 */
export function withParentDeathSignal(
  command: string,
  args: readonly string[],
): { command: string; args: string[] } {
  const setpriv = findExecutable('setpriv');
  if (!setpriv) return { command, args: [...args] };
  return {
    command: setpriv,
    args: ['--pdeathsig', 'KILL', '--', command, ...args],
  };
}
