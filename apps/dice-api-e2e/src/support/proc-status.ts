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
