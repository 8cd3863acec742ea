import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { groupOf, summariseCpuProfile, type CpuProfile } from './cpu-profile.js';
import { formatProfileSummary } from './profile-report.js';

// 10 samples of 100 µs each; see the fixture for the call tree:
// (root) → emit[node:events] → incomingRequest[instrumentation-http] → handle[router] → startSpan[sdk-trace] → emit
//                                                                    → (anonymous)[app bundle]
const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'tiny.cpuprofile'), 'utf8')) as CpuProfile;

describe('summariseCpuProfile', () => {
  const summary = summariseCpuProfile(fixture, { rootDir: '/w/' });
  const group = (name: string) => summary.groups.find((g) => g.group === name);

  it('charges each sample with the time until the next one and separates idle time', () => {
    expect(summary.totalMs).toBeCloseTo(1);
    expect(summary.idleMs).toBeCloseTo(0.1);
    expect(summary.busyMs).toBeCloseTo(0.9);
    expect(summary.samples).toBe(10);
  });

  it('adds self time per function, merging the same function seen at two depths', () => {
    const top = summary.functions[0];
    expect(top?.selfMs).toBeCloseTo(0.2);
    expect(summary.functions.filter((f) => Math.abs(f.selfMs - 0.2) < 1e-9).map((f) => f.functionName).sort()).toEqual([
      'emit',
      'startSpan',
    ]);
    const anonymous = summary.functions.find((f) => f.functionName === '(anonymous)');
    expect(anonymous).toMatchObject({ location: 'apps/dice-api/dist/main.js:41', group: 'apps/dice-api/dist/main.js' });
    expect(summary.functions.find((f) => f.functionName === 'startSpan')?.location).toBe('@opentelemetry/sdk-trace:1');
  });

  it('groups by package (innermost node_modules), node: module or app file, with inclusive time counted once per sample', () => {
    expect(group('node:events')).toMatchObject({ selfMs: expect.closeTo(0.2), inclusiveMs: expect.closeTo(0.7) });
    expect(group('@opentelemetry/instrumentation-http')).toMatchObject({
      selfMs: expect.closeTo(0.1),
      inclusiveMs: expect.closeTo(0.6),
    });
    expect(group('router')).toMatchObject({ selfMs: expect.closeTo(0.1), inclusiveMs: expect.closeTo(0.4) });
    expect(group('@opentelemetry/sdk-trace')).toMatchObject({ selfMs: expect.closeTo(0.2), inclusiveMs: expect.closeTo(0.3) });
    expect(group('(garbage collector)')?.selfMs).toBeCloseTo(0.1);
    expect(group('(program)')?.selfMs).toBeCloseTo(0.1);
    expect(group('(root)')).toBeUndefined();
    expect(summary.openTelemetrySelfMs).toBeCloseTo(0.3);
  });

  it('rejects what is not a profile, or a corrupt one', () => {
    expect(() => summariseCpuProfile({} as CpuProfile)).toThrow(/not a V8 CPU profile/);
    expect(() => summariseCpuProfile({ ...fixture, timeDeltas: [1] })).toThrow(/10 samples but 1 time deltas/);
    expect(() => summariseCpuProfile({ ...fixture, samples: [...fixture.samples.slice(1), 99] })).toThrow(
      /unknown node 99/,
    );
  });
});

describe('groupOf', () => {
  it('names packages, scoped packages, core modules, app files and pseudo-frames', () => {
    const frame = (url: string, functionName = 'f') => ({ url, functionName, lineNumber: 0 });
    expect(groupOf(frame('/x/node_modules/@grpc/grpc-js/build/src/call.js'))).toBe('@grpc/grpc-js');
    expect(groupOf(frame('/x/node_modules/pino/pino.js'))).toBe('pino');
    expect(groupOf(frame('node:internal/streams/writable'))).toBe('node:internal/streams/writable');
    expect(groupOf(frame('/repo/apps/a/main.js'), '/repo')).toBe('apps/a/main.js');
    expect(groupOf(frame('file:///repo/apps/a%20b/main.js'), '/repo')).toBe('apps/a b/main.js');
    expect(groupOf(frame('', '(garbage collector)'))).toBe('(garbage collector)');
    expect(groupOf(frame('', 'writev'))).toBe('(native)');
  });
});

describe('formatProfileSummary', () => {
  it('renders shares of busy time and leaves idle out of the tables', () => {
    const text = formatProfileSummary(summariseCpuProfile(fixture, { rootDir: '/w' }), 3);
    expect(text).toContain('All @opentelemetry/* packages together: 0 ms self time (33.3 %).');
    expect(text).toContain('Top 3 packages/files by self time:');
    expect(text).toMatch(/\| @opentelemetry\/sdk-trace +\| +0 \| +22\.2 % \| +0 \| +33\.3 % \|/);
    expect(text).not.toContain('(idle)');
  });
});
