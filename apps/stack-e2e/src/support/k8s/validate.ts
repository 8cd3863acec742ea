import { spawnSync } from 'node:child_process';
import { repoPath } from '../paths.js';

/**
 * Runs scripts/validate-k8s.mjs (kubernetes-models: the Kubernetes 1.36 OpenAPI schema, plus its
 * TypeScript types for unknown fields) on a list of objects, in its own Node process because the
 * package is ES modules only. Returns the problems of each object, in input order.
 */
export interface ValidationResult {
  readonly id: string;
  readonly problems: readonly string[];
}

export function validateObjects(
  objects: readonly unknown[],
): ValidationResult[] {
  const result = spawnSync(
    process.execPath,
    [repoPath('apps/stack-e2e/scripts/validate-k8s.mjs')],
    {
      input: JSON.stringify(objects),
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (result.error) throw result.error;
  if (result.status !== 0)
    throw new Error(
      `validate-k8s.mjs exited ${result.status}:\n${result.stderr}`,
    );
  return JSON.parse(result.stdout) as ValidationResult[];
}
