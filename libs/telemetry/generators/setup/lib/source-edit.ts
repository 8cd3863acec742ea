/**
 * Small text edits on an app's source, shared by the framework files (express.ts, fastify.ts,
 * koa.ts, nest.ts). Pure. They work on the shapes Nx's app generators write and on code close to
 * it; anything they cannot place is reported by the caller, never guessed.
 */
import { SHUTDOWN_MODULE, TELEMETRY_MODULE } from './templates';
import { LIBRARY_PACKAGE } from './workspace';

/**
 * `commonjs`: the app module is loaded by the generated entry after telemetry started, and
 * imports `telemetry` and `onShutdown` from the generated files. `esm`: telemetry runs from a
 * start module the app never imports (`node --import`), so the route uses the library's
 * `metricsHandler` (the running telemetry's) and the server is closed by the app's own signal
 * handler, after which the start module's flush lets the process end.
 */
export type RouteStyle = 'commonjs' | 'esm';

export type RouteEdit =
  | { readonly kind: 'already-present' }
  /** The framework's app/server object was not found where it is created. */
  | { readonly kind: 'not-found' }
  | {
      readonly kind: 'added';
      readonly content: string;
      /** False when the server could not be named at the top level to close it on shutdown. */
      readonly closesServer: boolean;
    };

/** Already serving metrics: any use of the library's handler counts, wherever it is mounted. */
export function servesMetrics(source: string): boolean {
  return source.includes('metricsHandler');
}

/** How the route calls the handler in each style. */
export function metricsHandlerCall(style: RouteStyle): string {
  return style === 'esm' ? 'metricsHandler' : 'telemetry.metricsHandler';
}

/** The import the route needs in each style. */
export function metricsImport(style: RouteStyle): string {
  return style === 'esm'
    ? `import { metricsHandler } from '${LIBRARY_PACKAGE}';`
    : `import { telemetry } from './${TELEMETRY_MODULE}.js';`;
}

export function shutdownImport(): string {
  return `import { onShutdown } from './${SHUTDOWN_MODULE}.js';`;
}

/** The comment above every route the generator adds. */
export function metricsComment(style: RouteStyle, where = ''): string {
  return style === 'esm'
    ? `// Prometheus scrape endpoint of the telemetry started with node --import${where}; no span is recorded for it.`
    : `// Prometheus scrape endpoint (@otel-dice/telemetry)${where}; the library records no span for it.`;
}

/**
 * The statement that closes `server` on SIGTERM/SIGINT, appended at the end of the file where a
 * top-level `server` is in scope. `close` is the expression returning a promise (CommonJS: run by
 * the generated shutdown.ts before telemetry flushes) or called for its effect (ES modules).
 */
export function closeOnShutdown(style: RouteStyle, close: string): string {
  return (
    style === 'esm'
      ? [
          '',
          '// On SIGTERM/SIGINT let in-flight requests finish; the telemetry start module flushes on the same signals.',
          `for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => ${close});`,
          '',
        ]
      : [
          '',
          '// Let in-flight requests finish (and their spans end) before telemetry is flushed on SIGTERM/SIGINT.',
          `onShutdown(() => ${close});`,
          '',
        ]
  ).join('\n');
}

/** `source` with `block` appended after its last non-blank line. */
export function appendBlock(source: string, block: string): string {
  return `${source.replace(/\s*$/, '\n')}${block}`;
}

/**
 * Adds the lines (each skipped when the source already has it) before the first top-level import,
 * or at the top (after a shebang) when there is none.
 */
export function addImportLines(
  source: string,
  lines: readonly string[],
): string {
  const missing = lines.filter((line) => !source.includes(line));
  if (missing.length === 0) return source;
  const block = `${missing.join('\n')}\n`;
  const firstImport = /^import\s/m.exec(source);
  if (firstImport)
    return `${source.slice(0, firstImport.index)}${block}${source.slice(firstImport.index)}`;
  const shebang = /^#!.*\n/.exec(source);
  const at = shebang ? shebang[0].length : 0;
  return `${source.slice(0, at)}${block}\n${source.slice(at)}`;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The index just past the `)` matching the `(` at `open`, skipping strings, template literals and
 * comments; undefined when the parentheses do not balance.
 */
export function matchingParen(
  source: string,
  open: number,
): number | undefined {
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    const c = source[i];
    if (c === '"' || c === "'" || c === '`') {
      i = skipString(source, i);
      continue;
    }
    if (c === '/' && source[i + 1] === '/') {
      const end = source.indexOf('\n', i);
      i = end === -1 ? source.length : end;
      continue;
    }
    if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end === -1 ? source.length : end + 1;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return undefined;
}

/** Index of the closing quote of the string starting at `start` (a template's `${}` included). */
function skipString(source: string, start: number): number {
  const quote = source[start];
  for (let i = start + 1; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (c === quote) return i;
    else if (quote === '`' && c === '$' && source[i + 1] === '{') {
      let depth = 0;
      for (i = i + 1; i < source.length; i++) {
        if (source[i] === '{') depth++;
        else if (source[i] === '}' && --depth === 0) break;
      }
    }
  }
  return source.length;
}

/**
 * The end of the line that ends the call whose `(` is at `open` (its `;` and anything after it on
 * that line included), so a block can be inserted after the statement. Undefined when the call
 * does not end cleanly there (it goes on with `.then(...)` or the like).
 */
export function endOfCallStatement(
  source: string,
  open: number,
): number | undefined {
  const close = matchingParen(source, open);
  if (close === undefined) return undefined;
  const rest = /^[ \t]*;?[ \t]*(?:\/\/[^\n]*)?(?:\n|$)/.exec(
    source.slice(close),
  );
  if (!rest) return undefined;
  const end = close + rest[0].length;
  // Point at the newline itself, so the inserted block starts on the next line.
  return source[end - 1] === '\n' ? end - 1 : end;
}

/**
 * `source` with `lines` (each indented with `indent`) on new lines after `at` (an index at the end
 * of a line, see endOfCallStatement).
 */
export function insertLinesAfter(
  source: string,
  at: number,
  indent: string,
  lines: readonly string[],
): string {
  const block = lines
    .map((line) => (line === '' ? '' : `${indent}${line}`))
    .join('\n');
  return `${source.slice(0, at)}\n${block}${source.slice(at)}`;
}

/** The local name a module's default (or namespace) import is bound to, e.g. `Fastify`. */
export function importedName(
  source: string,
  module: string,
): string | undefined {
  const m = escapeRegExp(module);
  const patterns = [
    new RegExp(
      `^\\s*import\\s+([A-Za-z_$][\\w$]*)\\s*(?:,[^;]*?)?from\\s+['"]${m}['"]`,
      'm',
    ),
    new RegExp(
      `^\\s*import\\s+\\*\\s+as\\s+([A-Za-z_$][\\w$]*)\\s+from\\s+['"]${m}['"]`,
      'm',
    ),
    new RegExp(
      `^\\s*import\\s+([A-Za-z_$][\\w$]*)\\s*=\\s*require\\(\\s*['"]${m}['"]\\s*\\)`,
      'm',
    ),
    new RegExp(
      `^\\s*(?:const|let|var)\\s+([A-Za-z_$][\\w$]*)\\s*=\\s*require\\(\\s*['"]${m}['"]\\s*\\)`,
      'm',
    ),
  ];
  for (const pattern of patterns) {
    const match = pattern.exec(source);
    if (match) return match[1];
  }
  return undefined;
}

/** Whether the source imports or requires `module` (or a subpath of it). */
export function importsModule(source: string, module: string): boolean {
  const m = escapeRegExp(module);
  return new RegExp(
    `(?:^\\s*import\\s[^;]*?from\\s+|^\\s*import\\s+|require\\(\\s*|import\\(\\s*)['"]${m}(?:/[^'"]*)?['"]`,
    'm',
  ).test(source);
}
