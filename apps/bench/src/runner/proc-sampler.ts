/**
 * Reads a process's memory and CPU from /proc, and polls its RSS during a round.
 */
import { readFileSync } from 'node:fs';
import {
  parseMachineCpu,
  parseProcStatCpuSeconds,
  parseProcStatus,
  type MachineCpu,
  type ProcMemory,
} from '../lib/proc.js';

export function readMemory(pid: number): ProcMemory {
  return parseProcStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

export function readCpuSeconds(pid: number): number {
  return parseProcStatCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

export function readMachineCpu(): MachineCpu {
  return parseMachineCpu(readFileSync('/proc/stat', 'utf8'));
}

/** CPU seconds this (the bench) process has used: load generator, scraper and bookkeeping. */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/**
 * Polls VmRSS every `intervalMs` and keeps the highest value, so a round reports its own peak
 * (VmHWM is the peak of the whole process life, warm-up included).
 */
export function startRssPolling(
  pid: number,
  intervalMs = 200,
): { stop(): number } {
  let max = readMemory(pid).rssBytes;
  const timer = setInterval(() => {
    try {
      max = Math.max(max, readMemory(pid).rssBytes);
    } catch {
      // The process died; the round will fail on its own with a clearer error.
    }
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      try {
        max = Math.max(max, readMemory(pid).rssBytes);
      } catch {
        // as above
      }
      return max;
    },
  };
}
