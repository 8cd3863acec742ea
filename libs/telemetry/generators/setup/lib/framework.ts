/**
 * Which HTTP framework the app runs on — the `--framework` choices of `nx g @nx/node:app`
 * (express, fastify, koa, nest, none) — decided before anything is written, because the
 * framework decides how the generator serves /metrics, closes the server and gets the routes
 * into the spans. A framework it cannot wire stops the generator with one line, before any
 * change. Pure.
 *
 * The entry's imports decide; when the entry imports none (it may only start a module that does),
 * the app's package.json dependencies do.
 */
import { importsModule } from './source-edit';

export type Framework = 'express' | 'fastify' | 'koa' | 'nest' | 'node';

export type FrameworkDetection =
  | { readonly kind: 'supported'; readonly framework: Framework }
  | { readonly kind: 'unsupported'; readonly name: string };

export interface FrameworkFacts {
  /** The entry's source. */
  readonly source: string;
  /** dependencies and devDependencies of the app's package.json, when it has one. */
  readonly dependencies: Readonly<Record<string, string>>;
}

/** Checked first: packages that mean the app runs on a framework the generator cannot wire. */
const UNSUPPORTED: ReadonlyArray<{ module: string; name: string }> = [
  // Nest's own platform check comes first: a Nest app on Fastify is not a Nest-on-Express app.
  { module: '@nestjs/platform-fastify', name: 'NestJS on Fastify' },
  { module: '@hapi/hapi', name: 'hapi' },
  { module: 'restify', name: 'restify' },
  { module: 'hono', name: 'Hono' },
  { module: '@hono/node-server', name: 'Hono' },
];

/** In this order: a Nest app also has express, a Fastify/Koa app may keep express around. */
const SUPPORTED: ReadonlyArray<{ module: string; framework: Framework }> = [
  { module: '@nestjs/core', framework: 'nest' },
  { module: 'fastify', framework: 'fastify' },
  { module: 'koa', framework: 'koa' },
  { module: 'express', framework: 'express' },
];

export function detectFramework(facts: FrameworkFacts): FrameworkDetection {
  const inSource = (module: string) => importsModule(facts.source, module);
  const inDependencies = (module: string) =>
    facts.dependencies[module] !== undefined;
  for (const present of [inSource, inDependencies]) {
    const unsupported = UNSUPPORTED.find(({ module }) => present(module));
    if (unsupported) return { kind: 'unsupported', name: unsupported.name };
    const supported = SUPPORTED.find(({ module }) => present(module));
    if (supported) return { kind: 'supported', framework: supported.framework };
  }
  return { kind: 'supported', framework: 'node' };
}

/** The one line the generator stops with; nothing has been written when it is thrown. */
export function unsupportedMessage(project: string, name: string): string {
  return `${project} runs on ${name}, which the setup generator cannot wire (it wires Express, Fastify, Koa, NestJS on Express and plain Node apps); nothing was changed.`;
}
