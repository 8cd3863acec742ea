import {
  loadCompose,
  readDotEnv,
  type ComposeProject,
  type ComposeService,
} from './compose.js';
import { paths } from './paths.js';

/**
 * What a user must add to the committed .env to start the stack: secrets, which never live in the
 * repository (compose refuses to start without them).
 */
export const REQUIRED_SECRETS = ['GRAFANA_ADMIN_PASSWORD'] as const;

/**
 * docker-compose.yml as `docker compose` sees it: interpolated with the root .env and `extra`
 * (by default a stand-in for each required secret).
 */
export function loadStackCompose(
  extra: Record<string, string> = Object.fromEntries(
    REQUIRED_SECRETS.map((name) => [name, 'test-only-secret']),
  ),
): ComposeProject {
  return loadCompose(paths.compose, { ...readDotEnv(paths.dotEnv), ...extra });
}

export function serviceOf(
  project: ComposeProject,
  name: string,
): ComposeService {
  const service = project.services[name];
  if (!service)
    throw new Error(
      `docker-compose.yml has no service "${name}" (has: ${Object.keys(project.services).join(', ')})`,
    );
  return service;
}

/** The image a compose service runs, resolved through .env. */
export function imageOf(project: ComposeProject, name: string): string {
  const image = serviceOf(project, name).image;
  if (!image) throw new Error(`compose service ${name} has no image`);
  return image;
}
