import { readFileSync } from 'node:fs';
import { isMap, readYaml, type YamlMap } from './yaml-file.js';

/**
 * Just enough of the Compose format to check docker-compose.yml the way `docker compose` reads it:
 * `.env` variables, `${VAR}` / `${VAR:-default}` interpolation, short-syntax volumes and ports.
 */

/** Parses a compose-style .env file (KEY=VALUE lines, # comments). Malformed lines are errors. */
export function parseDotEnv(
  text: string,
  where = '.env',
): Record<string, string> {
  const vars: Record<string, string> = {};
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match)
      throw new Error(
        `${where}:${index + 1}: expected KEY=VALUE, got ${JSON.stringify(raw)}`,
      );
    vars[match[1]] = match[2].replace(/^(['"])(.*)\1$/, '$2');
  });
  return vars;
}

export function readDotEnv(path: string): Record<string, string> {
  return parseDotEnv(readFileSync(path, 'utf8'), path);
}

/**
 * Compose interpolation: `$$` is a literal `$`; `${VAR}` must be set (compose would silently use an
 * empty string, which for an image tag or a port is always a bug, so here it is an error);
 * `${VAR:-default}` / `${VAR-default}` fall back as compose does; `${VAR:?message}` /
 * `${VAR?message}` refuse an unset (or, with `:`, empty) variable with that message, as compose does.
 */
export function interpolate(
  text: string,
  vars: Readonly<Record<string, string | undefined>>,
): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g,
    (whole, name?: string, op?: string, fallback?: string) => {
      if (whole === '$$') return '$';
      const value = vars[name as string];
      if (op === ':-')
        return value === undefined || value === '' ? (fallback ?? '') : value;
      if (op === '-') return value === undefined ? (fallback ?? '') : value;
      if (op === ':?' || op === '?') {
        const missing = value === undefined || (op === ':?' && value === '');
        if (missing)
          throw new Error(
            `compose variable ${name} is required: ${fallback ?? ''}`.trimEnd(),
          );
        return value as string;
      }
      if (value === undefined)
        throw new Error(
          `compose variable ${name} is not set (in ${JSON.stringify(text)})`,
        );
      return value;
    },
  );
}

function interpolateDeep(
  value: unknown,
  vars: Readonly<Record<string, string | undefined>>,
): unknown {
  if (typeof value === 'string') return interpolate(value, vars);
  if (Array.isArray(value))
    return value.map((item) => interpolateDeep(item, vars));
  if (isMap(value))
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, vars)]),
    );
  return value;
}

export interface ComposeService {
  readonly name: string;
  readonly raw: YamlMap;
  readonly image?: string;
  readonly build?: {
    context: string;
    dockerfile: string;
    args: Record<string, string>;
  };
  readonly command: string[];
  readonly environment: Record<string, string>;
  readonly volumes: string[];
  readonly ports: string[];
  readonly dependsOn: Record<string, string>;
  readonly healthcheck?: YamlMap;
  readonly restart?: string;
}

export interface ComposeProject {
  readonly services: Record<string, ComposeService>;
}

/** Reads docker-compose.yml with `vars` (normally the .env file) interpolated. */
export function loadCompose(
  path: string,
  vars: Readonly<Record<string, string | undefined>>,
): ComposeProject {
  const document = interpolateDeep(readYaml(path), vars);
  if (!isMap(document) || !isMap(document['services']))
    throw new Error(`${path}: no services map`);
  const services: Record<string, ComposeService> = {};
  for (const [name, raw] of Object.entries(document['services'])) {
    if (!isMap(raw)) throw new Error(`${path}: service ${name} is not a map`);
    services[name] = toService(name, raw);
  }
  return { services };
}

function toService(name: string, raw: YamlMap): ComposeService {
  const where = `service ${name}`;
  return {
    name,
    raw,
    image: optionalString(raw['image'], `${where}.image`),
    build:
      raw['build'] === undefined ? undefined : toBuild(raw['build'], where),
    command: stringList(raw['command'], `${where}.command`),
    environment: stringMap(raw['environment'], `${where}.environment`),
    volumes: stringList(raw['volumes'], `${where}.volumes`),
    ports: stringList(raw['ports'], `${where}.ports`),
    dependsOn: toDependsOn(raw['depends_on'], where),
    healthcheck: isMap(raw['healthcheck']) ? raw['healthcheck'] : undefined,
    restart: optionalString(raw['restart'], `${where}.restart`),
  };
}

function toBuild(value: unknown, where: string): ComposeService['build'] {
  if (typeof value === 'string')
    return { context: value, dockerfile: 'Dockerfile', args: {} };
  if (!isMap(value))
    throw new Error(`${where}.build must be a string or a map`);
  return {
    context: optionalString(value['context'], `${where}.build.context`) ?? '.',
    dockerfile:
      optionalString(value['dockerfile'], `${where}.build.dockerfile`) ??
      'Dockerfile',
    args: stringMap(value['args'], `${where}.build.args`),
  };
}

function toDependsOn(value: unknown, where: string): Record<string, string> {
  if (value === undefined) return {};
  // Short syntax (a list) means condition service_started.
  if (Array.isArray(value))
    return Object.fromEntries(
      stringList(value, `${where}.depends_on`).map((s) => [
        s,
        'service_started',
      ]),
    );
  if (!isMap(value))
    throw new Error(`${where}.depends_on must be a list or a map`);
  return Object.fromEntries(
    Object.entries(value).map(([service, spec]) => {
      const condition = isMap(spec) ? spec['condition'] : undefined;
      return [
        service,
        typeof condition === 'string' ? condition : 'service_started',
      ];
    }),
  );
}

function optionalString(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new Error(`${where} must be a string, got ${JSON.stringify(value)}`);
  return value;
}

function stringList(value: unknown, where: string): string[] {
  if (value === undefined) return [];
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value))
    throw new Error(`${where} must be a list, got ${JSON.stringify(value)}`);
  return value.map((item) => {
    if (typeof item !== 'string')
      throw new Error(
        `${where} entries must be strings (short syntax), got ${JSON.stringify(item)}`,
      );
    return item;
  });
}

function stringMap(value: unknown, where: string): Record<string, string> {
  if (value === undefined) return {};
  if (Array.isArray(value)) {
    return Object.fromEntries(
      stringList(value, where).map((entry) => {
        const at = entry.indexOf('=');
        return at === -1
          ? [entry, '']
          : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  if (!isMap(value)) throw new Error(`${where} must be a map or a list`);
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, String(v)]),
  );
}

export interface BindMount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

/** Short-syntax bind mounts (`./host/path:/container/path[:ro]`); named volumes are skipped. */
export function bindMounts(service: ComposeService): BindMount[] {
  return service.volumes.flatMap((spec) => {
    const [source, target, mode = ''] = spec.split(':');
    if (target === undefined)
      throw new Error(
        `service ${service.name}: volume ${JSON.stringify(spec)} has no target`,
      );
    if (!source.startsWith('.') && !source.startsWith('/')) return [];
    return [{ source, target, readOnly: mode.split(',').includes('ro') }];
  });
}

export interface PortBinding {
  readonly hostIp: string | undefined;
  readonly hostPort: string;
  readonly containerPort: number;
}

/** Short-syntax port mappings: `[ip:]hostPort:containerPort[/proto]`. */
export function portBindings(service: ComposeService): PortBinding[] {
  return service.ports.map((spec) => {
    const parts = spec.replace(/\/(tcp|udp)$/, '').split(':');
    if (parts.length < 2 || parts.length > 3) {
      throw new Error(
        `service ${service.name}: port ${JSON.stringify(spec)} must name host and container ports`,
      );
    }
    const hostIp = parts.length === 3 ? parts[0] : undefined;
    return {
      hostIp,
      hostPort: parts[parts.length - 2],
      containerPort: Number(parts[parts.length - 1]),
    };
  });
}

/** The value of a `--flag=value` (or `--flag value`) argument in a service command. */
export function commandFlag(
  service: ComposeService,
  flag: string,
): string | undefined {
  const args = service.command;
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith(`${flag}=`)) return args[i].slice(flag.length + 1);
    if (args[i] === flag) return args[i + 1];
  }
  return undefined;
}
