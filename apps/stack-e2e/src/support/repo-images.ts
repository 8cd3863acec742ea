import { spawnSync } from 'node:child_process';
import { GenericContainer } from 'testcontainers';
import { readDotEnv } from './compose.js';
import { paths, repoRoot } from './paths.js';

/**
 * The images the container suite builds from this repository, and how. Dockerfile paths are
 * relative to the repository root, which is the build context of both.
 */
export interface ImageRecipe {
  /** Short name, used in image tags and messages. */
  readonly name: string;
  readonly dockerfile: string;
  readonly buildArgs: Readonly<Record<string, string>>;
}

/**
 * The Node base image every Dockerfile here starts from: NODE_IMAGE from the environment, else as
 * pinned in the root .env (the precedence docker compose applies to the same variable).
 */
export function pinnedNodeImage(): string {
  const image =
    process.env['NODE_IMAGE']?.trim() || readDotEnv(paths.dotEnv)['NODE_IMAGE'];
  if (!image) throw new Error(`${paths.dotEnv} has no NODE_IMAGE`);
  return image;
}

/**
 * How the dice-api image is built: the root Dockerfile, which builds every app of the workspace and
 * is told which by APP. The one place to change when the recipe moves or gains build arguments.
 */
export function diceApiImageRecipe(nodeImage = pinnedNodeImage()): ImageRecipe {
  return {
    name: 'dice-api',
    dockerfile: 'Dockerfile',
    buildArgs: { APP: 'dice-api', NODE_IMAGE: nodeImage },
  };
}

/** The OTLP receiver with its HTTP read-out (libs/test-support/Dockerfile). */
export function receiverImageRecipe(
  nodeImage = pinnedNodeImage(),
): ImageRecipe {
  return {
    name: 'otlp-receiver',
    dockerfile: 'libs/test-support/Dockerfile',
    buildArgs: { NODE_IMAGE: nodeImage },
  };
}

const DIAGNOSE_TIMEOUT_MS = 10 * 60_000;
const DIAGNOSE_TAIL_LINES = 40;

/**
 * Builds `recipe` with testcontainers (the engine's classic builder, so the layer cache is shared
 * with `docker build`) and tags it `tag`. testcontainers only reports "Failed to build image"; on
 * failure the build is rerun with the docker CLI, which stops at the same step from cache, and its
 * last lines go into the error.
 */
export async function buildRepoImage(
  recipe: ImageRecipe,
  tag: string,
): Promise<void> {
  try {
    await GenericContainer.fromDockerfile(repoRoot, recipe.dockerfile)
      .withBuildArgs({ ...recipe.buildArgs })
      .build(tag, { deleteOnExit: false });
  } catch (error) {
    throw new Error(
      `building ${recipe.dockerfile} failed (${(error as Error).message}); docker build says:\n${diagnoseBuild(recipe, tag)}`,
      { cause: error },
    );
  }
}

function diagnoseBuild(recipe: ImageRecipe, tag: string): string {
  const args = ['build', '--file', recipe.dockerfile, '--tag', tag];
  for (const [name, value] of Object.entries(recipe.buildArgs))
    args.push('--build-arg', `${name}=${value}`);
  args.push('.');
  const result = spawnSync('docker', args, {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: DIAGNOSE_TIMEOUT_MS,
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
  });
  if (result.error)
    return `(could not run docker build: ${result.error.message})`;
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`
    .split('\n')
    .filter((line) => line.trim() !== '');
  return output.slice(-DIAGNOSE_TAIL_LINES).join('\n');
}
