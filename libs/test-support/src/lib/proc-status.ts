import { readFileSync } from 'node:fs';

/**
 * Resident set size of a live process in bytes, from the VmRSS line of /proc/PID/status
 * (Linux only; the suite runs on Linux in CI and in dev containers).
 */
export function readRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return parseVmRssBytes(status);
}

/** Pure part of readRssBytes: "VmRSS:   123456 kB" -> 126418944. */
export function parseVmRssBytes(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match?.[1])
    throw new Error(
      'no VmRSS line in /proc/PID/status (process gone, or not Linux?)',
    );
  return Number(match[1]) * 1024;
}

export const MiB = 1024 * 1024;

export function formatMiB(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

/** CPU time (user + system) a live process has used, in seconds, from /proc/PID/stat. */
export function readCpuSeconds(pid: number, ticksPerSecond = 100): number {
  return (
    parseCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) / ticksPerSecond
  );
}

/** Pure part of readCpuSeconds: utime + stime (fields 14 and 15) of a /proc/PID/stat line. */
export function parseCpuTicks(stat: string): number {
  // the command name (field 2) is in parentheses and may contain spaces
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime))
    throw new Error(`not a /proc/PID/stat line: ${stat.slice(0, 80)}`);
  return utime + stime;
}
