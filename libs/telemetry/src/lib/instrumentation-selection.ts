/**
 * Which instrumentations are on, and how each one starts — pure rules over the generated table
 * (instrumentation-table.ts), so they are unit-tested without loading anything.
 *
 * Every instrumentation @opentelemetry/auto-instrumentations-node offers is available, with the
 * same two left off by default as there (`fs`, `host-metrics`: a span per file operation, and
 * host metrics a Collector usually scrapes) and one more: `pino`, which the library switches on
 * when logs are exported, as before. How each starts:
 *
 * - `library`: http and express are built by createInstrumentations() (the lean server spans,
 *   the Express route without layer spans, the error that ends a request);
 * - `eager`: instrumentations that patch no package — runtime metrics (`runtime-node`), host
 *   metrics, and `aws-lambda` (the function's handler file; on by default only inside Lambda,
 *   config/from-env.ts) — start with telemetry;
 * - `lazy`: everything else is loaded only when the app first resolves a module it patches
 *   (lazy-instrumentations.ts), so an app pays for the instrumentations of what it uses.
 */
import { isBuiltin } from 'node:module';
import { invalidValue } from './config/errors.js';
import {
  INSTRUMENTATION_TABLE,
  type InstrumentationEntry,
} from './instrumentation-table.js';

/**
 * Built by the library itself (instrumentations.ts), never loaded from the table. pino is not:
 * log sending needs nothing of the library's, so it waits, like the rest, for the app to load
 * pino.
 */
export const LIBRARY_INSTRUMENTATIONS: readonly string[] = ['http', 'express'];

/** Off unless named in OTEL_NODE_ENABLED_INSTRUMENTATIONS (pino: also on when logs are exported). */
export const OFF_BY_DEFAULT: readonly string[] = ['fs', 'host-metrics', 'pino'];

/**
 * Patch nothing, measure the process: started when telemetry is, but after the app's own
 * synchronous start (lazy-instrumentations.ts), so they do not delay its first request.
 */
export const MEASURE_ONLY: readonly string[] = ['runtime-node', 'host-metrics'];

/** Patch no package: started with telemetry when enabled. */
const EAGER: readonly string[] = [...MEASURE_ONLY, 'aws-lambda'];

/**
 * Triggers the module definitions do not name: the undici instrumentation listens on diagnostics
 * channels, which both the `undici` package and Node's own `fetch` publish to (the global `fetch`
 * is watched separately, see lazy-instrumentations.ts).
 */
const EXTRA_TRIGGERS: Readonly<Record<string, readonly string[]>> = {
  undici: ['undici'],
};

/** Every name OTEL_NODE_ENABLED/DISABLED_INSTRUMENTATIONS accepts. */
export const INSTRUMENTATION_NAMES: readonly string[] =
  INSTRUMENTATION_TABLE.map((e) => e.name);

/** What is on when nothing narrows it: every instrumentation but OFF_BY_DEFAULT. */
export const DEFAULT_INSTRUMENTATION_NAMES: readonly string[] =
  INSTRUMENTATION_NAMES.filter((name) => !OFF_BY_DEFAULT.includes(name));

/** Names people reach for that are spelled differently here. */
const ALIASES: Readonly<Record<string, string>> = {
  postgres: 'pg',
  postgresql: 'pg',
  'node-postgres': 'pg',
  mongo: 'mongodb',
  'node-redis': 'redis',
  fetch: 'undici',
  https: 'http',
  nest: 'nestjs-core',
  nestjs: 'nestjs-core',
  socketio: 'socket.io',
  'socket-io': 'socket.io',
  aws: 'aws-sdk',
  lambda: 'aws-lambda',
  mssql: 'tedious',
  oracle: 'oracledb',
  kafka: 'kafkajs',
  runtime: 'runtime-node',
  cassandra: 'cassandra-driver',
  'grpc-js': 'grpc',
  'grpc/grpc-js': 'grpc',
  sequelize:
    'pg, mysql2 or tedious (sequelize is instrumented through its driver)',
  prisma: 'none: Prisma has its own instrumentation (@prisma/instrumentation)',
};

/** Edit distance, for "did you mean". Pure. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(
        row[j] + 1,
        row[j - 1] + 1,
        diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      diagonal = above;
    }
  }
  return row[b.length];
}

/**
 * The instrumentation an unknown name was probably meant to be: a package the instrumentation
 * patches (`@redis/client`, `pg-pool`), a common alias (`postgres`), the full package name, or a
 * name one or two edits away. Pure.
 */
export function nearMiss(
  unknown: string,
  table: readonly InstrumentationEntry[] = INSTRUMENTATION_TABLE,
): string | undefined {
  const name = unknown.replace(/^@opentelemetry\/instrumentation-/, '');
  if (name !== unknown && table.some((e) => e.name === name)) return name;
  if (ALIASES[name] !== undefined) return ALIASES[name];
  const patching = table.find((e) => e.modules.includes(name));
  if (patching) return patching.name;
  let best: { name: string; distance: number } | undefined;
  for (const entry of table) {
    const distance = editDistance(name, entry.name);
    if (distance <= 2 && (best === undefined || distance < best.distance))
      best = { name: entry.name, distance };
  }
  return best?.name;
}

/**
 * What is wrong with a list of instrumentation names — each unknown one with its near miss, then
 * every valid name — or undefined when every name is known. Pure.
 */
export function unknownInstrumentations(
  names: readonly string[],
): string | undefined {
  const unknown = names.filter((n) => !INSTRUMENTATION_NAMES.includes(n));
  if (unknown.length === 0) return undefined;
  const hints = unknown.map((n) => {
    const near = nearMiss(n);
    return near === undefined
      ? JSON.stringify(n)
      : `${JSON.stringify(n)} (did you mean ${near}?)`;
  });
  return `${hints.join(', ')} ${unknown.length === 1 ? 'is not an instrumentation' : 'are not instrumentations'}; valid names: ${INSTRUMENTATION_NAMES.join(', ')}`;
}

/**
 * Checks a list from OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS:
 * an unknown name stops the start with one line naming the variable, the near miss and every
 * valid name. Pure.
 */
export function checkInstrumentationNames(
  variable: string,
  value: string | undefined,
  names: readonly string[],
): void {
  const problem = unknownInstrumentations(names);
  if (problem !== undefined) throw invalidValue(variable, value, problem);
}

/** How the enabled instrumentations start (see the file comment). */
export interface InstrumentationPlan {
  /** Built by createInstrumentations(): http, express. */
  readonly library: readonly string[];
  /** Started with telemetry. */
  readonly eager: readonly string[];
  /** Started when the app first resolves a module they patch. */
  readonly lazy: readonly string[];
  /** In the table but switched off: their modules are watched only to say so. */
  readonly off: readonly string[];
}

/**
 * Splits the enabled names (the configuration's `instrumentations`) by how they start. Pure.
 * `aws-lambda` patches the function's handler file, not a package: it starts with telemetry
 * (the environment mapping leaves it out of the default outside Lambda, config/from-env.ts).
 */
export function planInstrumentations(
  names: readonly string[],
): InstrumentationPlan {
  const on = new Set(names);
  const library: string[] = [];
  const eager: string[] = [];
  const lazy: string[] = [];
  const off: string[] = [];
  for (const { name } of INSTRUMENTATION_TABLE) {
    if (!on.has(name)) off.push(name);
    else if (LIBRARY_INSTRUMENTATIONS.includes(name)) library.push(name);
    else if (EAGER.includes(name)) eager.push(name);
    else lazy.push(name);
  }
  return { library, eager, lazy, off };
}

/** The modules that start (or, for an instrumentation that is off, name) each entry. Pure. */
export function triggerIndex(
  names: readonly string[],
  table: readonly InstrumentationEntry[] = INSTRUMENTATION_TABLE,
): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const entry of table) {
    if (!names.includes(entry.name)) continue;
    for (const module of [
      ...entry.modules,
      ...(EXTRA_TRIGGERS[entry.name] ?? []),
    ]) {
      if (module.startsWith('/')) continue;
      const list = index.get(module) ?? [];
      if (!list.includes(entry.name)) list.push(entry.name);
      index.set(module, list);
    }
  }
  return index;
}

/** The modules import-in-the-middle must intercept for `names` to patch ES module imports. Pure. */
export function modulesOf(names: readonly string[]): string[] {
  return [...triggerIndex(names).keys()];
}

/**
 * The key a specifier is looked up by: a builtin without `node:` (`dns/promises` as is), a
 * package by its name (`knex/lib/client` → `knex`, `@redis/client/dist/x` → `@redis/client`);
 * undefined for relative, absolute and URL specifiers. Pure, and cheap: it runs on every resolve.
 */
export function specifierKeys(
  specifier: string,
): readonly string[] | undefined {
  const first = specifier.charCodeAt(0);
  // '.', '/', and URLs (file:, data:, …) name no package.
  if (first === 46 || first === 47) return undefined;
  if (specifier.startsWith('node:')) {
    const builtin = specifier.slice(5);
    const slash = builtin.indexOf('/');
    return slash === -1 ? [builtin] : [builtin, builtin.slice(0, slash)];
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(specifier)) return undefined;
  const slash = specifier.indexOf('/');
  if (slash === -1) return [specifier];
  if (specifier.startsWith('@')) {
    const second = specifier.indexOf('/', slash + 1);
    return second === -1
      ? [specifier]
      : [specifier.slice(0, second), specifier];
  }
  // `dns/promises` is a builtin of its own name; `knex/lib/x` belongs to `knex`.
  return isBuiltin(specifier)
    ? [specifier, specifier.slice(0, slash)]
    : [specifier.slice(0, slash)];
}

/** The start-up line's part on instrumentations. Pure. */
export function describeInstrumentations(
  started: readonly string[],
  waiting: readonly string[],
): string {
  const now = started.length > 0 ? started.join(', ') : 'none';
  return waiting.length === 0
    ? `instrumentations ${now}`
    : `instrumentations ${now}; ${waiting.length} more start when the app loads what they patch`;
}

/** A package the app loaded whose instrumentation is switched off. */
export interface SwitchedOff {
  /** The package, as the app named it (`ioredis`). */
  readonly module: string;
  /** The instrumentation that would patch it (`ioredis`). */
  readonly instrumentation: string;
}

/**
 * The one note naming packages the app loaded that have an instrumentation that is switched
 * off, with the near miss when an enabled name looks like the one meant (`redis` for an app on
 * ioredis). Undefined when there is nothing to say. Pure.
 */
export function switchedOffNote(
  loaded: readonly SwitchedOff[],
  enabled: readonly string[],
): string | undefined {
  if (loaded.length === 0) return undefined;
  const modules = [...new Set(loaded.map((l) => l.module))];
  const instrumentations = [...new Set(loaded.map((l) => l.instrumentation))];
  const nearMisses = instrumentations.flatMap((wanted) =>
    enabled
      .filter(
        (name) =>
          name !== wanted &&
          (wanted.includes(name) ||
            name.includes(wanted) ||
            editDistance(name, wanted) <= 2),
      )
      .map(
        (name) => `${name} instruments ${describeModules(name)}, not ${wanted}`,
      ),
  );
  const one = modules.length === 1;
  return (
    `${modules.join(', ')} ${one ? 'is' : 'are'} loaded but not instrumented: the ${instrumentations.join(', ')} ` +
    `instrumentation${instrumentations.length === 1 ? ' is' : 's are'} switched off by ` +
    `OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS, so ${one ? 'its' : 'their'} calls get no spans` +
    (nearMisses.length > 0 ? ` (${nearMisses.join('; ')})` : '')
  );
}

function describeModules(name: string): string {
  const entry = INSTRUMENTATION_TABLE.find((e) => e.name === name);
  const modules = entry?.modules ?? [];
  return modules.length > 0 ? modules.join(' and ') : name;
}
