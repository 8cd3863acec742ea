import { createDeferredReporter, MAX_HELD_LINES } from './reporter.js';

function recorder(name: string, lines: string[]) {
  return {
    warn: (m: string) => lines.push(`${name} warn ${m}`),
    info: (m: string) => lines.push(`${name} info ${m}`),
  };
}

describe('createDeferredReporter', () => {
  it('holds lines until a logger is attached, replays them in order, then forwards', () => {
    const lines: string[] = [];
    const reporter = createDeferredReporter(
      recorder('stderr', lines),
      () => undefined,
    );
    reporter.info('telemetry: service x');
    reporter.warn('collector down');
    expect(lines).toEqual([]);
    reporter.attach(recorder('log', lines));
    reporter.info('recovered');
    expect(lines).toEqual([
      'log info telemetry: service x',
      'log warn collector down',
      'log info recovered',
    ]);
  });

  it('writes held lines to the fallback when the process ends before a logger exists', () => {
    const lines: string[] = [];
    let atExit: () => void = () => undefined;
    const reporter = createDeferredReporter(recorder('stderr', lines), (l) => {
      atExit = l;
    });
    reporter.warn('cannot serve metrics');
    atExit();
    expect(lines).toEqual(['stderr warn cannot serve metrics']);
    reporter.flush(); // nothing held twice
    expect(lines).toHaveLength(1);
  });

  it('holds a bounded number of lines', () => {
    const lines: string[] = [];
    const reporter = createDeferredReporter(
      recorder('stderr', lines),
      () => undefined,
    );
    for (let i = 0; i <= MAX_HELD_LINES; i++) reporter.info(`line ${i}`);
    expect(lines).toEqual([`stderr info line ${MAX_HELD_LINES}`]);
  });
});
