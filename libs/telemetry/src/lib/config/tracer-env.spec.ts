import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { settingsOf } from './model.js';
import { resolveTelemetryConfig } from './resolve.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'otel-tracer-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tracerOf = (env: Record<string, string>) =>
  settingsOf(resolveTelemetryConfig({ env, defaultServiceName: 'svc' })).tracer;

function configFile(tracer: string): string {
  const path = join(dir, `${tracer || 'none'}.yaml`);
  writeFileSync(
    path,
    `file_format: "1.0"\ndistribution:\n  otel-dice:\n${tracer ? `    tracer: ${tracer}\n` : '    instrumentations: [http]\n'}`,
  );
  return path;
}

describe('TELEMETRY_TRACER', () => {
  it('is compact unless set, and read in any case', () => {
    expect(tracerOf({})).toBe('compact');
    expect(tracerOf({ TELEMETRY_TRACER: 'sdk' })).toBe('sdk');
    expect(tracerOf({ TELEMETRY_TRACER: ' SDK ' })).toBe('sdk');
    expect(tracerOf({ TELEMETRY_TRACER: 'compact' })).toBe('compact');
  });

  it('refuses any other value with one line naming the variable', () => {
    expect(() => tracerOf({ TELEMETRY_TRACER: 'lean' })).toThrow(
      /^TELEMETRY_TRACER="lean".*compact, sdk/,
    );
    expect(() => tracerOf({ TELEMETRY_TRACER: 'fast' })).toThrow(
      /^TELEMETRY_TRACER="fast"/,
    );
  });

  it('is read with a configuration file too, where distribution.otel-dice.tracer sets it, and wins', () => {
    expect(tracerOf({ OTEL_CONFIG_FILE: configFile('') })).toBe('compact');
    expect(tracerOf({ OTEL_CONFIG_FILE: configFile('sdk') })).toBe('sdk');
    expect(
      tracerOf({
        OTEL_CONFIG_FILE: configFile('sdk'),
        TELEMETRY_TRACER: 'compact',
      }),
    ).toBe('compact');
    expect(() => tracerOf({ OTEL_CONFIG_FILE: configFile('turbo') })).toThrow(
      /distribution\.otel-dice\.tracer.*is "turbo"; supported values are compact, sdk/,
    );
  });

  it("is set in code by overrides.distribution['otel-dice'].tracer, checked as a file's", () => {
    const resolved = (tracer: unknown, env: Record<string, string> = {}) =>
      settingsOf(
        resolveTelemetryConfig({
          env,
          defaultServiceName: 'svc',
          overrides: {
            distribution: {
              'otel-dice': { tracer: tracer as 'compact' | 'sdk' },
            },
          },
        }),
      ).tracer;
    expect(resolved('sdk')).toBe('sdk');
    expect(resolved('compact', { TELEMETRY_TRACER: 'sdk' })).toBe('compact');
    expect(resolved(undefined, { TELEMETRY_TRACER: 'sdk' })).toBe('sdk');
    expect(() => resolved('turbo')).toThrow(
      /options\.overrides.*tracer.*is "turbo"; supported values are compact, sdk/,
    );
  });
});
