import {
  loadCompose,
  readDotEnv,
  type ComposeProject,
  type ComposeService,
} from './compose.js';
import { paths } from './paths.js';

/** docker-compose.yml as `docker compose` sees it: interpolated with the root .env. */
export function loadStackCompose(): ComposeProject {
  return loadCompose(paths.compose, readDotEnv(paths.dotEnv));
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
