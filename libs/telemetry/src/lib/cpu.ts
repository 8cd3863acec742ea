import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { ObservableResult } from '@opentelemetry/api';

/** Cumulative CPU time of one logical CPU, in seconds. */
export interface CpuTime {
  cpu: string;
  user: number;
  system: number;
}

/**
 * Linux reports /proc/stat in USER_HZ ticks. USER_HZ is part of the kernel ABI and is 100 on
 * every architecture Node runs on (it is not CONFIG_HZ), so no sysconf(_SC_CLK_TCK) call is needed.
 */
export const USER_HZ = 100;

const PER_CPU_LINE = /^cpu\d+$/;

/**
 * Parses the per-CPU lines of /proc/stat (`cpu0 user nice system idle …`), skipping the aggregate
 * `cpu` line and anything malformed. Columns are user=1, nice=2, system=3: the seed read column 2
 * (nice) as "system"; this reads the system column. Ticks become float seconds (the seed's integer
 * floor dropped up to 0.99 s per series).
 */
export function parseProcStat(text: string): CpuTime[] {
  const times: CpuTime[] = [];
  for (const line of text.split('\n')) {
    const [cpu, userTicks, , systemTicks] = line.trim().split(/\s+/);
    if (!cpu || !PER_CPU_LINE.test(cpu)) continue;
    const user = toTicks(userTicks);
    const system = toTicks(systemTicks);
    if (user === undefined || system === undefined) continue;
    times.push({ cpu, user: user / USER_HZ, system: system / USER_HZ });
  }
  return times;
}

function toTicks(field: string | undefined): number | undefined {
  if (field === undefined || !/^\d+$/.test(field)) return undefined;
  const value = Number(field);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** os.cpus() fallback (macOS, Windows): times are milliseconds there. */
export function cpuTimesFromOs(
  info: ReadonlyArray<{ times: { user: number; sys: number } }>,
): CpuTime[] {
  return info.map((c, i) => ({
    cpu: `cpu${i}`,
    user: c.times.user / 1000,
    system: c.times.sys / 1000,
  }));
}

export interface CpuTimeSources {
  readProcStat: () => string;
  osCpus: () => ReadonlyArray<{ times: { user: number; sys: number } }>;
}

const defaultSources: CpuTimeSources = {
  readProcStat: () => readFileSync('/proc/stat', 'utf8'),
  osCpus: cpus,
};

/** Per-CPU times from /proc/stat, or from os.cpus() where /proc/stat cannot be read or parsed. */
export function readCpuTimes(
  sources: CpuTimeSources = defaultSources,
): CpuTime[] {
  try {
    const parsed = parseProcStat(sources.readProcStat());
    if (parsed.length > 0) return parsed;
  } catch {
    // no /proc (macOS) or unreadable: fall through
  }
  return cpuTimesFromOs(sources.osCpus());
}

/**
 * Callback for the seed's `system.cpu.time` observable counter: one observation per CPU and
 * state, attributes `cpu` (cpu0, cpu1, …) and `state` (user | system), in float seconds.
 */
export function cpuTimeCallback(result: ObservableResult): void {
  observeCpuTimes(result, defaultSources);
}

/** cpuTimeCallback with the sources given (tests). */
export function observeCpuTimes(
  result: ObservableResult,
  sources: CpuTimeSources,
): void {
  for (const { cpu, user, system } of readCpuTimes(sources)) {
    result.observe(user, { cpu, state: 'user' });
    result.observe(system, { cpu, state: 'system' });
  }
}
