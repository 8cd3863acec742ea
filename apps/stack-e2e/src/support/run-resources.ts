import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { getContainerRuntimeClient } from 'testcontainers';

/**
 * Names and labels for what one run of the container suite creates in the engine (images,
 * containers, a network), so the run removes exactly its own things and a later run can remove
 * what a killed run left behind, without touching anyone else's.
 *
 * testcontainers' reaper (Ryuk) would do the second part, but its image cannot be pulled everywhere;
 * the suite runs with TESTCONTAINERS_RYUK_DISABLED=true and relies on this instead. A run is "dead"
 * when it was started on this host and its process no longer exists; runs from other hosts sharing
 * the engine are never touched.
 */

const PREFIX = 'otel-dice-e2e';
/** Image repositories: otel-dice-e2e/<name>:<owner tag>. */
const IMAGE_REPO_PREFIX = `${PREFIX}/`;
const LABEL_HOST = 'io.otel-dice.e2e.host';
const LABEL_PID = 'io.otel-dice.e2e.pid';

/** A host name as it may appear in an image tag or network name: [a-z0-9.-], at most 60 chars. */
function tagSafe(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9.-]+/g, '-')
      .slice(0, 60) || 'host'
  );
}

export interface RunResources {
  /** `<host>_<pid>_<random>`: valid as an image tag and inside a network name. */
  readonly id: string;
  imageTag(name: string): string;
  readonly networkName: string;
  /** Labels for every container of this run. */
  readonly containerLabels: Readonly<Record<string, string>>;
}

export function createRunResources(): RunResources {
  const host = tagSafe(hostname());
  const id = `${host}_${process.pid}_${randomBytes(3).toString('hex')}`;
  return {
    id,
    imageTag: (name) => `${IMAGE_REPO_PREFIX}${name}:${id}`,
    networkName: `${PREFIX}_${id}`,
    containerLabels: { [LABEL_HOST]: host, [LABEL_PID]: String(process.pid) },
  };
}

/** Parses `<host>_<pid>_<random>` back; undefined for anything else. */
export function ownerOf(id: string): { host: string; pid: number } | undefined {
  const match = /^([a-z0-9.-]+)_([0-9]+)_[0-9a-f]+$/.exec(id);
  return match ? { host: match[1], pid: Number(match[2]) } : undefined;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isDeadRunOnThisHost(
  owner: { host: string; pid: number } | undefined,
): boolean {
  return (
    owner !== undefined &&
    owner.host === tagSafe(hostname()) &&
    owner.pid !== process.pid &&
    !processExists(owner.pid)
  );
}

/**
 * Removes containers, networks and images left by runs of this suite on this host whose process is
 * gone (a killed test run cannot clean up after itself). Returns what it removed, for the log.
 */
export async function removeLeftoversOfDeadRuns(): Promise<string[]> {
  const client = await getContainerRuntimeClient();
  const docker = client.container.dockerode;
  const removed: string[] = [];

  const containers = await docker.listContainers({
    all: true,
    filters: { label: [LABEL_HOST, LABEL_PID] },
  });
  for (const info of containers) {
    const owner = {
      host: info.Labels[LABEL_HOST] ?? '',
      pid: Number(info.Labels[LABEL_PID]),
    };
    if (!isDeadRunOnThisHost(owner)) continue;
    await docker.getContainer(info.Id).remove({ force: true, v: true });
    removed.push(`container ${(info.Names[0] ?? info.Id).replace(/^\//, '')}`);
  }

  for (const network of await docker.listNetworks()) {
    if (!network.Name.startsWith(`${PREFIX}_`)) continue;
    if (!isDeadRunOnThisHost(ownerOf(network.Name.slice(PREFIX.length + 1))))
      continue;
    await docker.getNetwork(network.Id).remove();
    removed.push(`network ${network.Name}`);
  }

  for (const image of await docker.listImages()) {
    for (const reference of image.RepoTags ?? []) {
      if (!reference.startsWith(IMAGE_REPO_PREFIX)) continue;
      const tag = reference.slice(reference.lastIndexOf(':') + 1);
      if (!isDeadRunOnThisHost(ownerOf(tag))) continue;
      await docker.getImage(reference).remove({ noprune: true });
      removed.push(`image ${reference}`);
    }
  }
  return removed;
}

/**
 * Removes an image of this run. Its parent layers are kept (`noprune`): they are the engine's build
 * cache, which makes the next run's build take seconds; `docker image prune` reclaims them. An image
 * that is already gone is fine.
 */
export async function removeImage(reference: string): Promise<void> {
  const client = await getContainerRuntimeClient();
  try {
    await client.container.dockerode
      .getImage(reference)
      .remove({ noprune: true });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return;
    throw error;
  }
}
