import {
  cpuTimesFromOs,
  observeCpuTimes,
  parseProcStat,
  readCpuTimes,
} from './cpu.js';

const PROC_STAT = `cpu  10132153 290696 3084719 46828483 16683 0 25195 0 175628 0
cpu0 1393280 32966 572056 13343292 6130 0 17875 0 23933 0
cpu1 1335 7 250 99999 0 0 0 0 0 0
intr 1462898 34 0 0
ctxt 2112327
`;

describe('parseProcStat', () => {
  it('reads user and system columns of every per-CPU line as float seconds', () => {
    expect(parseProcStat(PROC_STAT)).toEqual([
      { cpu: 'cpu0', user: 13932.8, system: 5720.56 },
      { cpu: 'cpu1', user: 13.35, system: 2.5 },
    ]);
  });

  it('skips the aggregate cpu line and non-cpu lines', () => {
    const cpus = parseProcStat(PROC_STAT).map((c) => c.cpu);
    expect(cpus).not.toContain('cpu');
    expect(cpus).toHaveLength(2);
  });

  it('skips malformed lines without throwing', () => {
    const text = [
      'cpu0 100 0 50 1000',
      'cpu1 abc 0 50 1000', // non-numeric user
      'cpu2 100', // truncated
      'cpu3 -1 0 5 0', // negative
      'cpux 1 2 3 4', // bad name
      '',
      'garbage line',
      'cpu4 99999999999999999999 0 1 1', // beyond safe integers
      'cpu5 200 0 100 1000',
    ].join('\n');
    expect(parseProcStat(text)).toEqual([
      { cpu: 'cpu0', user: 1, system: 0.5 },
      { cpu: 'cpu5', user: 2, system: 1 },
    ]);
  });

  it('returns nothing for empty input', () => {
    expect(parseProcStat('')).toEqual([]);
  });
});

describe('readCpuTimes', () => {
  const osCpus = () => [
    { times: { user: 1500, sys: 250 } },
    { times: { user: 10, sys: 0 } },
  ];

  it('prefers /proc/stat', () => {
    expect(
      readCpuTimes({ readProcStat: () => PROC_STAT, osCpus }),
    ).toHaveLength(2);
    expect(
      readCpuTimes({ readProcStat: () => PROC_STAT, osCpus })[0].user,
    ).toBeCloseTo(13932.8);
  });

  it('falls back to os.cpus() (milliseconds) where /proc/stat is missing', () => {
    const missing = () => {
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    };
    expect(readCpuTimes({ readProcStat: missing, osCpus })).toEqual([
      { cpu: 'cpu0', user: 1.5, system: 0.25 },
      { cpu: 'cpu1', user: 0.01, system: 0 },
    ]);
  });

  it('falls back when /proc/stat has no usable line', () => {
    expect(readCpuTimes({ readProcStat: () => 'nonsense', osCpus })).toEqual(
      cpuTimesFromOs(osCpus()),
    );
  });
});

describe('cpuTimeCallback (observeCpuTimes with its sources)', () => {
  it('observes user and system per cpu with the seed attributes', () => {
    const observed: Array<[number, Record<string, string>]> = [];
    const result = {
      observe: (v: number, a?: Record<string, string>) =>
        observed.push([v, a ?? {}]),
    };
    observeCpuTimes(result, {
      readProcStat: () => 'cpu0 100 0 50 1000\n',
      osCpus: () => [],
    });
    expect(observed).toEqual([
      [1, { cpu: 'cpu0', state: 'user' }],
      [0.5, { cpu: 'cpu0', state: 'system' }],
    ]);
  });
});
