import { spawnSync } from 'node:child_process';

/**
 * Decides, synchronously and cheaply, whether the container suite can run here: a reachable
 * container engine and every image present locally or pullable. Synchronous so the suite can pick
 * `describe` or `describe.skip` at load time and say why in one line.
 *
 * Uses the docker CLI against the same engine testcontainers talks to (both honour DOCKER_HOST).
 */

export type Availability = { ok: true } | { ok: false; reason: string };

const ENGINE_TIMEOUT_MS = 15_000;
/** A pull over a real network can take a while; without a registry it fails in well under a second. */
const PULL_TIMEOUT_MS = 10 * 60_000;

function docker(
  args: string[],
  timeoutMs: number,
): { ok: boolean; output: string } {
  const result = spawnSync('docker', args, {
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (result.error) return { ok: false, output: result.error.message };
  return {
    ok: result.status === 0,
    output: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim(),
  };
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return lines.at(-1) ?? '(no output)';
}

export function probeContainerImages(images: readonly string[]): Availability {
  const engine = docker(
    ['info', '--format', '{{.ServerVersion}}'],
    ENGINE_TIMEOUT_MS,
  );
  if (!engine.ok)
    return {
      ok: false,
      reason: `no container runtime (docker info: ${lastLine(engine.output)})`,
    };

  for (const image of images) {
    if (
      docker(
        ['image', 'inspect', '--format', '{{.Id}}', image],
        ENGINE_TIMEOUT_MS,
      ).ok
    )
      continue;
    const pull = docker(['pull', '--quiet', image], PULL_TIMEOUT_MS);
    if (!pull.ok)
      return {
        ok: false,
        reason: `image ${image} is not available (docker pull: ${lastLine(pull.output)})`,
      };
  }
  return { ok: true };
}
