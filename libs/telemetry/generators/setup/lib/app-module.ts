/**
 * The name of the module a CommonJS app's original entry moves to (`src/<name>.ts`). Pure.
 *
 * `app` by default — unless the entry's directory already has an `app.ts` or an `app/` directory
 * (Nx's Fastify and Nest templates keep their code in `src/app/`), where `server` reads better
 * than an `app.ts` beside `app/`. Once the entry has been written by the generator, the name is
 * the one it loads, so later runs agree with the first whatever they are passed.
 */
export interface AppModuleFacts {
  /** --appFile, when given. */
  readonly requested: string | undefined;
  /** The entry's source when the generator wrote it, else undefined. */
  readonly generatedEntry: string | undefined;
  /** Whether `<entry dir>/<name>.ts` or a directory `<entry dir>/<name>` exists. */
  readonly taken: (name: string) => boolean;
}

export const DEFAULT_APP_MODULE = 'app';
const ALTERNATIVE_APP_MODULE = 'server';

export function appModuleName(facts: AppModuleFacts): string {
  if (facts.generatedEntry !== undefined) {
    const loaded = /require\(\s*'\.\/([^']+)\.js'\s*\)/.exec(
      facts.generatedEntry,
    );
    if (loaded?.[1]) return loaded[1];
  }
  if (facts.requested !== undefined) return facts.requested;
  if (!facts.taken(DEFAULT_APP_MODULE)) return DEFAULT_APP_MODULE;
  // Both taken: keep the default, so the move stops and asks for --appFile.
  return facts.taken(ALTERNATIVE_APP_MODULE)
    ? DEFAULT_APP_MODULE
    : ALTERNATIVE_APP_MODULE;
}
