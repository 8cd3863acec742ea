/**
 * Whether the app is an ES module app, which decides how telemetry can start before it (see the
 * library README): CommonJS apps get an entry that require()s the app after startTelemetry();
 * ES module apps cannot — their static imports load before any of their code runs — so they get
 * a start module that Node loads first with `node --import`. Pure.
 */
import type { TargetConfiguration } from '@nx/devkit';

export type ModuleSystem = 'commonjs' | 'esm';

export interface ModuleSystemFacts {
  /** The `type` field of the app's package.json, if any. */
  readonly packageType?: string;
  /** Workspace-relative path of the build's entry. */
  readonly entry: string;
  readonly build?: TargetConfiguration;
}

export interface DetectedModuleSystem {
  readonly system: ModuleSystem;
  /** What gave it away, for the generator's report. */
  readonly reason: string;
}

export function detectModuleSystem(
  facts: ModuleSystemFacts,
): DetectedModuleSystem {
  if (facts.packageType === 'module')
    return { system: 'esm', reason: '"type": "module" in its package.json' };
  if (facts.entry.endsWith('.mts'))
    return {
      system: 'esm',
      reason: `its entry ${facts.entry} is an .mts file`,
    };
  const format = facts.build?.options?.['format'];
  if (
    Array.isArray(format) &&
    format.length > 0 &&
    format.every((f) => f === 'esm')
  )
    return {
      system: 'esm',
      reason: 'its build outputs ES modules only (format: ["esm"])',
    };
  return { system: 'commonjs', reason: 'CommonJS' };
}
