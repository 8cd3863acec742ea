import { parseBenchArgs, UsageError } from './args.js';

describe('parseBenchArgs', () => {
  it('defaults to the full run', () => {
    expect(parseBenchArgs([])).toEqual({
      mode: 'run',
      quick: false,
      rounds: 5,
      durationSec: 10,
      warmupSec: 5,
      connections: 10,
      fixedRate: 1000,
      fixedDurationSec: 60,
      fixedWarmupSec: 10,
      scrapes: 200,
      onEnv: {},
      variants: [],
      skipFixedRate: false,
      out: undefined,
      app: undefined,
      baseline: undefined,
      only: undefined,
      profileVariant: 'on',
      floorSec: 3,
      floorWarmupSec: 1,
    });
  });

  it('picks built-in variants with --only (always with off and on) and the profiled variant', () => {
    expect(parseBenchArgs(['--only', 'ratio10,peer']).only).toEqual(['off', 'on', 'ratio10', 'peer', 'peer-off']);
    expect(parseBenchArgs(['--only', 'dd']).only).toEqual(['off', 'on', 'dd', 'dd-off']);
    expect(parseBenchArgs(['--cpu-prof-variant', 'dd']).profileVariant).toBe('dd');
    expect(() => parseBenchArgs(['--cpu-prof-variant', 'dd-off'])).toThrow(/--cpu-prof-variant takes one of on, down, ratio10, peer, dd,/);
    expect(() => parseBenchArgs(['--only', 'gzip'])).toThrow(/--only takes built-in variant ids/);
    expect(parseBenchArgs(['--cpu-prof', '--cpu-prof-variant', 'peer']).profileVariant).toBe('peer');
    expect(() => parseBenchArgs(['--cpu-prof-variant', 'off'])).toThrow(/--cpu-prof-variant takes one of/);
  });

  it('--quick shortens everything, explicit flags still win', () => {
    const options = parseBenchArgs(['--quick', '--rounds', '2']);
    expect(options).toMatchObject({ quick: true, rounds: 2, durationSec: 3, fixedRate: 200, fixedDurationSec: 5, floorSec: 1 });
    expect(parseBenchArgs(['--floor', '0']).floorSec).toBe(0);
  });

  it('reads modes, environment additions and extra variants', () => {
    const options = parseBenchArgs([
      '--cpu-prof',
      '--on-env',
      'OTEL_BSP_MAX_EXPORT_BATCH_SIZE=1024',
      '--on-env=OTEL_LOG_LEVEL=',
      '--variant',
      'gzip:OTEL_EXPORTER_OTLP_COMPRESSION=gzip',
      '--variant',
      'big-batch:OTEL_BSP_MAX_QUEUE_SIZE=8192,OTEL_BSP_MAX_EXPORT_BATCH_SIZE=2048',
      '--skip-fixed-rate',
      '--out',
      'report.md',
    ]);
    expect(options.mode).toBe('cpu-prof');
    expect(options.onEnv).toEqual({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1024', OTEL_LOG_LEVEL: '' });
    expect(options.variants).toEqual([
      { id: 'gzip', env: { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' } },
      { id: 'big-batch', env: { OTEL_BSP_MAX_QUEUE_SIZE: '8192', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048' } },
    ]);
    expect(options.skipFixedRate).toBe(true);
    expect(options.out).toBe('report.md');
    expect(parseBenchArgs(['--help']).mode).toBe('help');
    expect(parseBenchArgs(['--baseline', 'before/main.js']).baseline).toBe('before/main.js');
  });

  it.each([
    [['--rounds', '0'], /--rounds must be between 1 and 100, got 0/],
    [['--duration', '1.5'], /--duration must be a whole number/],
    [['--connections', '-3'], /--connections/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['stray'], /positional/i],
    [['--on-env', 'no-equals'], /--on-env expects NAME=value/],
    [['--on-env', '1X=2'], /--on-env expects NAME=value/],
    [['--variant', 'on:A=1'], /id "on" is already taken/],
    [['--variant', 'x:A=1', '--variant', 'x:B=2'], /id "x" is already taken/],
    [['--variant', 'baseline:A=1'], /id "baseline" is already taken/],
    [['--variant', 'dd:A=1'], /id "dd" is already taken/],
    [['--variant', 'floor:A=1'], /id "floor" is already taken/],
    [['--floor', '1.5'], /--floor must be a whole number/],
    [['--variant', 'Bad:A=1'], /short lower-case id/],
    [['--variant', 'x:'], /sets no variables/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(UsageError);
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });
});
