import { readFileSync } from 'node:fs';
import {
  parseMachineCpu,
  parseProcStatCpuSeconds,
  parseProcStatus,
} from './proc.js';

describe('parseProcStatus', () => {
  it('reads VmRSS and VmHWM in bytes', () => {
    const text =
      'Name:\tnode\nVmPeak:\t 1200000 kB\nVmHWM:\t   90000 kB\nVmRSS:\t   85000 kB\nThreads:\t11\n';
    expect(parseProcStatus(text)).toEqual({
      rssBytes: 85_000 * 1024,
      peakRssBytes: 90_000 * 1024,
    });
  });

  it('explains a missing field', () => {
    expect(() => parseProcStatus('Name:\tzombie\n')).toThrow(/no VmRSS/);
  });

  it('reads this very process', () => {
    const memory = parseProcStatus(readFileSync('/proc/self/status', 'utf8'));
    expect(memory.rssBytes).toBeGreaterThan(1024 * 1024);
    expect(memory.peakRssBytes).toBeGreaterThanOrEqual(memory.rssBytes);
  });
});

describe('parseProcStatCpuSeconds', () => {
  it('adds utime and stime, counting fields after the last ")" of the command name', () => {
    // Field 2 contains a space and a ')' on purpose; utime=250, stime=50 ticks.
    const text =
      '4242 (node (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 12345 1000 200';
    expect(parseProcStatCpuSeconds(text)).toBe(3);
  });

  it('rejects unknown formats', () => {
    expect(() => parseProcStatCpuSeconds('garbage')).toThrow(/no "\)"/);
    expect(() => parseProcStatCpuSeconds('1 (x) S 1')).toThrow(/utime\/stime/);
  });

  it('reads this very process and grows with work', () => {
    const before = parseProcStatCpuSeconds(
      readFileSync('/proc/self/stat', 'utf8'),
    );
    const until = Date.now() + 150;
    while (Date.now() < until) Math.sqrt(Math.random());
    const after = parseProcStatCpuSeconds(
      readFileSync('/proc/self/stat', 'utf8'),
    );
    expect(after).toBeGreaterThan(before);
  });
});

describe('parseMachineCpu', () => {
  it('counts everything but idle and iowait as busy, ignoring guest columns', () => {
    const text =
      'cpu  100 10 50 800 40 0 5 5 99 99\ncpu0 50 5 25 400 20 0 2 3 0 0\n';
    expect(parseMachineCpu(text)).toEqual({
      busySeconds: 1.7,
      totalSeconds: 10.1,
    });
  });

  it('rejects a file without the aggregate line', () => {
    expect(() => parseMachineCpu('cpu0 1 2 3 4\n')).toThrow(/aggregate/);
  });
});
