import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

/**
 * promtool (Debian's `prometheus` package; .ci/run installs it) validates the Prometheus config and
 * the dashboards' PromQL offline. Locating it is synchronous so a suite can decide at load time
 * whether its promtool tests run.
 */

export type PromtoolAvailability =
  | { available: true; version: string }
  | { available: false; reason: string };

export function locatePromtool(): PromtoolAvailability {
  const result = spawnSync('promtool', ['--version'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (result.error)
    return {
      available: false,
      reason: `promtool not runnable (${result.error.message})`,
    };
  if (result.status !== 0)
    return {
      available: false,
      reason: `promtool --version exited ${result.status}: ${result.stderr.trim()}`,
    };
  return { available: true, version: result.stdout.split('\n')[0].trim() };
}

export interface PromtoolResult {
  readonly ok: boolean;
  readonly output: string;
}

function run(args: string[]): PromtoolResult {
  const result = spawnSync('promtool', args, {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  return {
    ok: result.status === 0,
    output: `${result.stdout}${result.stderr}`.trim(),
  };
}

export function checkPrometheusConfig(path: string): PromtoolResult {
  return run(['check', 'config', path]);
}

/**
 * Parses every expression with Prometheus' own PromQL parser, by wrapping each in a recording rule
 * and running `promtool check rules` on the generated file.
 */
export function checkPromqlExpressions(
  expressions: readonly string[],
): PromtoolResult {
  const dir = mkdtempSync(join(tmpdir(), 'stack-e2e-promql-'));
  try {
    const file = join(dir, 'expressions.rules.yml');
    const rules = expressions.map((expr, i) => ({
      record: `stack_e2e:expression_${i}`,
      expr,
    }));
    writeFileSync(
      file,
      stringify({ groups: [{ name: 'dashboard-expressions', rules }] }),
    );
    return run(['check', 'rules', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
