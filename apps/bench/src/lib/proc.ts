/**
 * Parsers for the Linux /proc files the benchmark samples. Pure: they take file text.
 *
 * A child process cannot be asked for process.cpuUsage()/memoryUsage(), and asking it over HTTP
 * would add work to the process being measured; the kernel's own accounting costs it nothing.
 */

/**
 * USER_HZ: the unit of utime/stime in /proc/PID/stat and of /proc/stat. Fixed at 100 on every
 * mainstream Linux architecture (`getconf CLK_TCK`), and Node has no sysconf() to ask.
 */
export const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcMemory {
  /** Resident set size now (VmRSS), bytes. */
  rssBytes: number;
  /** Peak resident set size over the process's life (VmHWM), bytes. */
  peakRssBytes: number;
}

/** Reads VmRSS and VmHWM (reported in kB) from /proc/PID/status text. */
export function parseProcStatus(text: string): ProcMemory {
  return {
    rssBytes: readKbField(text, 'VmRSS') * 1024,
    peakRssBytes: readKbField(text, 'VmHWM') * 1024,
  };
}

function readKbField(text: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(text);
  if (!match)
    throw new Error(
      `/proc status has no ${field} line (process gone, or not Linux?)`,
    );
  return Number(match[1]);
}

/** CPU time a process has used (user + system), seconds. */
export function parseProcStatCpuSeconds(text: string): number {
  // The command name (field 2) is in parentheses and may itself contain spaces or ')', so the
  // fields are counted from the LAST ')'. After it: state (field 3) ... utime (14), stime (15).
  const end = text.lastIndexOf(')');
  if (end < 0) throw new Error('unexpected /proc/PID/stat format: no ")"');
  const fields = text
    .slice(end + 1)
    .trim()
    .split(/\s+/);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) {
    throw new Error(
      'unexpected /proc/PID/stat format: utime/stime not numbers',
    );
  }
  return (utime + stime) / CLOCK_TICKS_PER_SECOND;
}

export interface MachineCpu {
  /** CPU seconds spent doing anything but idle/iowait, summed over all CPUs. */
  busySeconds: number;
  /** CPU seconds of all kinds, summed over all CPUs. */
  totalSeconds: number;
}

/** The aggregate `cpu` line of /proc/stat. */
export function parseMachineCpu(text: string): MachineCpu {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no aggregate "cpu" line');
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already
  // included in user/nice, so only the first eight count.
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (ticks.length < 4 || ticks.some((n) => !Number.isFinite(n))) {
    throw new Error(`unexpected /proc/stat cpu line: ${line}`);
  }
  const total = ticks.reduce((a, b) => a + b, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return {
    busySeconds: (total - idle) / CLOCK_TICKS_PER_SECOND,
    totalSeconds: total / CLOCK_TICKS_PER_SECOND,
  };
}
