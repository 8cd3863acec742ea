import { createDeferredReporter } from './log-reporter';

describe('createDeferredReporter', () => {
  it('writes to the fallback until a logger is attached, then only to the logger', () => {
    const lines: string[] = [];
    const reporter = createDeferredReporter({
      warn: (m) => lines.push(`fallback warn ${m}`),
      info: (m) => lines.push(`fallback info ${m}`),
    });
    reporter.warn('collector down');
    reporter.attach({
      warn: (m) => lines.push(`logger warn ${m}`),
      info: (m) => lines.push(`logger info ${m}`),
    });
    reporter.warn('still down');
    reporter.info('recovered');
    expect(lines).toEqual([
      'fallback warn collector down',
      'logger warn still down',
      'logger info recovered',
    ]);
  });
});
