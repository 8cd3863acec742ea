import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  groupOf,
  summariseCpuProfile,
  type CpuProfile,
} from './cpu-profile.js';
import {
  formatProfileComparison,
  formatProfileSummary,
} from './profile-report.js';

// 10 samples of 100 µs each; see the fixture for the call tree:
// (root) → emit[node:events] → incomingRequest[instrumentation-http] → handle[router] → startSpan[sdk-trace] → emit
//                                                                    → (anonymous)[app bundle]
const fixture = JSON.parse(
  readFileSync(join(__dirname, 'fixtures', 'tiny.cpuprofile'), 'utf8'),
) as CpuProfile;

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
    expect(
      summary.functions
        .filter((f) => Math.abs(f.selfMs - 0.2) < 1e-9)
        .map((f) => f.functionName)
        .sort(),
    ).toEqual(['emit', 'startSpan']);
    const anonymous = summary.functions.find(
      (f) => f.functionName === '(anonymous)',
    );
    expect(anonymous).toMatchObject({
      location: 'apps/dice-api/dist/main.js:41',
      group: 'apps/dice-api/dist/main.js',
    });
    expect(
      summary.functions.find((f) => f.functionName === 'startSpan')?.location,
    ).toBe('@opentelemetry/sdk-trace:1');
  });

  it('groups by package (innermost node_modules), node: module or app file, with inclusive time counted once per sample', () => {
    expect(group('node:events')).toMatchObject({
      selfMs: expect.closeTo(0.2),
      inclusiveMs: expect.closeTo(0.7),
    });
    expect(group('@opentelemetry/instrumentation-http')).toMatchObject({
      selfMs: expect.closeTo(0.1),
      inclusiveMs: expect.closeTo(0.6),
    });
    expect(group('router')).toMatchObject({
      selfMs: expect.closeTo(0.1),
      inclusiveMs: expect.closeTo(0.4),
    });
    expect(group('@opentelemetry/sdk-trace')).toMatchObject({
      selfMs: expect.closeTo(0.2),
      inclusiveMs: expect.closeTo(0.3),
    });
    expect(group('(garbage collector)')?.selfMs).toBeCloseTo(0.1);
    expect(group('(program)')?.selfMs).toBeCloseTo(0.1);
    expect(group('(root)')).toBeUndefined();
    expect(summary.openTelemetrySelfMs).toBeCloseTo(0.3);
  });

  it('rejects what is not a profile, or a corrupt one', () => {
    expect(() => summariseCpuProfile({} as CpuProfile)).toThrow(
      /not a V8 CPU profile/,
    );
    expect(() => summariseCpuProfile({ ...fixture, timeDeltas: [1] })).toThrow(
      /10 samples but 1 time deltas/,
    );
    expect(() =>
      summariseCpuProfile({
        ...fixture,
        samples: [...fixture.samples.slice(1), 99],
      }),
    ).toThrow(/unknown node 99/);
  });
});

describe('groupOf', () => {
  it('names packages, scoped packages, core modules, app files and pseudo-frames', () => {
    const frame = (url: string, functionName = 'f') => ({
      url,
      functionName,
      lineNumber: 0,
    });
    expect(
      groupOf(frame('/x/node_modules/@grpc/grpc-js/build/src/call.js')),
    ).toBe('@grpc/grpc-js');
    expect(groupOf(frame('/x/node_modules/pino/pino.js'))).toBe('pino');
    expect(groupOf(frame('node:internal/streams/writable'))).toBe(
      'node:internal/streams/writable',
    );
    expect(groupOf(frame('/repo/apps/a/main.js'), '/repo')).toBe(
      'apps/a/main.js',
    );
    expect(groupOf(frame('file:///repo/apps/a%20b/main.js'), '/repo')).toBe(
      'apps/a b/main.js',
    );
    expect(groupOf(frame('', '(garbage collector)'))).toBe(
      '(garbage collector)',
    );
    expect(groupOf(frame('', 'writev'))).toBe('(native)');
  });
});

describe('formatProfileSummary', () => {
  it('renders shares of busy time and leaves idle out of the tables', () => {
    const text = formatProfileSummary(
      summariseCpuProfile(fixture, { rootDir: '/w' }),
      3,
    );
    expect(text).toContain(
      'All @opentelemetry/* packages together: 0 ms self time (33.3 %).',
    );
    expect(text).toContain('Top 3 packages/files by self time:');
    expect(text).toMatch(
      /\| @opentelemetry\/sdk-trace +\| +0 \| +22\.2 % \| +0 \| +33\.3 % \|/,
    );
    expect(text).not.toContain('(idle)');
  });
});

describe('summariseCpuProfile with a time window', () => {
  it('counts only the part of each sample inside the window', () => {
    // Samples run 5000–6000 µs, 100 µs each; the window keeps 5250–5650 µs: half of sample 2
    // (incomingRequest), samples 3–5 (handle, startSpan ×2) and half of sample 6 (anonymous).
    const summary = summariseCpuProfile(fixture, {
      window: { startUs: 5250, endUs: 5650 },
    });
    expect(summary.totalMs).toBeCloseTo(0.4);
    expect(summary.idleMs).toBe(0);
    expect(summary.samples).toBe(5);
    const self = (name: string) =>
      summary.functions.find((f) => f.functionName === name)?.selfMs;
    expect(self('incomingRequest')).toBeCloseTo(0.05);
    expect(self('startSpan')).toBeCloseTo(0.2);
    expect(self('(anonymous)')).toBeCloseTo(0.05);
    expect(self('emit')).toBeUndefined();
  });

  it('clips a window that reaches past the profile', () => {
    const summary = summariseCpuProfile(fixture, {
      window: { startUs: 0, endUs: 1e12 },
    });
    expect(summary.totalMs).toBeCloseTo(1);
    expect(summary.samples).toBe(10);
  });
});

describe('formatProfileComparison', () => {
  it('puts the largest per-request increase first', () => {
    const subject = summariseCpuProfile(fixture, { rootDir: '/w' });
    // A baseline that spent its whole busy time in node:events, serving twice the requests.
    const base = summariseCpuProfile(
      {
        nodes: [
          {
            id: 1,
            callFrame: { functionName: '(root)', url: '', lineNumber: -1 },
            children: [2],
          },
          {
            id: 2,
            callFrame: {
              functionName: 'emit',
              url: 'node:events',
              lineNumber: 9,
            },
          },
        ],
        startTime: 0,
        endTime: 400,
        samples: [2, 2],
        timeDeltas: [0, 200],
      },
      {},
    );
    const text = formatProfileComparison(
      { label: 'off', summary: base, requests: 2 },
      { label: 'on', summary: subject, requests: 1 },
    );
    // off: 0.4 ms busy / 2 requests = 200 µs; on: 0.9 ms / 1 request = 900 µs.
    expect(text).toContain(
      'Busy main-thread time per request: off 200.0 µs, on 900.0 µs (+700.0 µs, 4.50×).',
    );
    expect(text).toContain('@opentelemetry/* self time: 300.0 µs per request.');
    const rows = text
      .split('\n')
      .filter((line) => /^\| [^-]/.test(line) && !line.startsWith('| package'));
    expect(rows[0]).toMatch(
      /^\| @opentelemetry\/sdk-trace +\| +0\.0 \| +200\.0 \| +\+200\.0 \| +28\.6 % \|$/,
    );
    expect(rows.at(-1)).toMatch(
      /^\| node:events +\| +200\.0 \| +200\.0 \| +\+0\.0 \|/,
    );
    expect(() =>
      formatProfileComparison(
        { label: 'a', summary: base, requests: 0 },
        { label: 'b', summary: subject, requests: 1 },
      ),
    ).toThrow(/needs requests/);
  });
});
