/**
 * OTEL_CONFIG_FILE read strictly, before @opentelemetry/configuration sees a byte of it.
 *
 * Upstream's `parseConfigFile(path)` reads any path whole (`/dev/zero` grows until the process
 * dies, a FIFO blocks forever) and parses it leniently: YAML errors and warnings are collected
 * and ignored, so an unterminated quote swallows the lines after it and a duplicate key
 * silently wins. Here:
 *
 * 1. The file is opened without blocking (a FIFO opens at once instead of waiting for a
 *    writer) and checked on the open descriptor: a regular file (through symlinks — Kubernetes
 *    mounts ConfigMaps that way) of at most MAX_CONFIG_FILE_BYTES, read in chunks with a
 *    deadline of CONFIG_FILE_READ_TIMEOUT_MS, as UTF-8.
 * 2. It is parsed with the same `yaml` package and YAML version as upstream, strictly: any error
 *    or warning (unterminated quote, bad indentation, a duplicate key, more than one document…)
 *    stops the start with one line naming file, line and column.
 * 3. Upstream's own `parseConfig` then does the rest on the same text, so `${VAR:-default}`
 *    substitution (including `$$` and the re-typing of plain scalars), the file_format check
 *    and the schema validation (its generated validator) stay exactly upstream's.
 * 4. No error message carries a substituted value: every value a `${…}` reference can bring in
 *    (the variable's value, its default) is masked in the messages of this step and of the
 *    mapping onto the library's model (`withSubstitutionsMasked`).
 *
 * A read that the kernel itself blocks (a hung network file system) cannot be interrupted by a
 * synchronous start; nor can the loading of the app's own code from such a mount.
 */
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readSync,
  type Stats,
} from 'node:fs';
import { createRequire } from 'node:module';
import type { ConfigurationModel } from '@opentelemetry/configuration';
import type { Document, LineCounter as LineCounterType } from 'yaml';
import { TelemetryConfigError } from './errors.js';
import { MASK } from './redact.js';

/** The largest file read: a full configuration is a few KiB. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;
/** The longest a read may take, checked between chunks. */
export const CONFIG_FILE_READ_TIMEOUT_MS = 5_000;
const CHUNK_BYTES = 64 * 1024;

export interface ReadConfigFileOptions {
  readonly maxBytes?: number;
  readonly timeoutMs?: number;
  /** Monotonic clock in ms (tests). */
  readonly now?: () => number;
  /** What `${VAR}` reads; upstream reads the process environment. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Reads, checks, parses, substitutes and validates OTEL_CONFIG_FILE; see the module comment. */
export function readConfigFile(
  path: string,
  options: ReadConfigFileOptions = {},
): ConfigurationModel {
  const text = readConfigText(path, options);
  const doc = parseStrictly(path, text);
  const values = substitutableValues(doc, options.env ?? process.env);
  let model: ConfigurationModel;
  try {
    model = upstreamParseConfig()({ configYaml: text, source: path });
  } catch (error) {
    const reason = (error as Error).message
      .replace(/\s*\n\s*/g, '; ')
      // upstream prefixes the path, which the line names already
      .replace(`${path}: `, '');
    throw fileError(path, maskValues(reason, values));
  }
  substituted.set(model, values);
  return model;
}

/**
 * Runs `map` (the mapping of `model` onto the library's model) with every value `${…}` may have
 * brought into `model` masked in the message of a TelemetryConfigError it throws.
 */
export function withSubstitutionsMasked<T>(
  model: ConfigurationModel,
  map: () => T,
): T {
  try {
    return map();
  } catch (error) {
    const values = substituted.get(model);
    if (!(error instanceof TelemetryConfigError) || !values?.length)
      throw error;
    throw new TelemetryConfigError(
      error.variable,
      maskValues(error.message, values),
    );
  }
}

const substituted = new WeakMap<object, readonly string[]>();

function fileError(path: string, reason: string): TelemetryConfigError {
  return new TelemetryConfigError(
    'OTEL_CONFIG_FILE',
    `OTEL_CONFIG_FILE=${JSON.stringify(path)} cannot be used: ${reason}`,
  );
}

/** What a path that is not a regular file is, for the message. */
function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Step 1: the text of a regular file of bounded size, read within a deadline. */
export function readConfigText(
  path: string,
  {
    maxBytes = MAX_CONFIG_FILE_BYTES,
    timeoutMs = CONFIG_FILE_READ_TIMEOUT_MS,
    now = () => performance.now(),
  }: ReadConfigFileOptions = {},
): string {
  const started = now();
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw fileError(path, systemReason(error));
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile())
      throw fileError(
        path,
        `it is ${kindOf(stats)}; only a regular file is read`,
      );
    if (stats.size > maxBytes)
      throw fileError(path, tooLarge(stats.size, maxBytes));
    // The size can change under us (or be 0 for a /proc file): read to the end, bounded.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      let read: number;
      try {
        read = readSync(fd, chunk, 0, CHUNK_BYTES, null);
      } catch (error) {
        throw fileError(path, systemReason(error));
      }
      if (read === 0) break;
      total += read;
      if (total > maxBytes)
        throw fileError(path, tooLarge(maxBytes, maxBytes, true));
      chunks.push(chunk.subarray(0, read));
      if (now() - started > timeoutMs)
        throw fileError(
          path,
          `reading it took longer than ${timeoutMs} ms (a hung file system)`,
        );
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(
        Buffer.concat(chunks, total),
      );
    } catch {
      throw fileError(path, 'it is not UTF-8 text');
    }
  } finally {
    closeSync(fd);
  }
}

function tooLarge(size: number, maxBytes: number, atLeast = false): string {
  const mib =
    maxBytes % (1024 * 1024) === 0 ? ` (${maxBytes / 1024 / 1024} MiB)` : '';
  return `it is ${atLeast ? 'more than ' : ''}${size} bytes; at most ${maxBytes} bytes${mib} are read`;
}

/** `ENOENT` (with Node's words for it), never a stack. */
function systemReason(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  return code
    ? `${code} (${message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')})`
    : String(message);
}

type YamlModule = typeof import('yaml');

/**
 * Step 2: the YAML as upstream parses it (`version: '1.2'`), with every error and warning fatal.
 * The first one is reported with its line and column; the text around it is not quoted (it may
 * hold a literal credential).
 */
export function parseStrictly(path: string, text: string): Document {
  // Loaded here, not at the top: only apps that use a configuration file pay for the parser.
  const yaml = require('yaml') as YamlModule;
  const lineCounter: LineCounterType = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, {
    version: '1.2',
    uniqueKeys: true,
    strict: true,
    prettyErrors: false,
    lineCounter,
  });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    const first = problems[0];
    const at = locate(text, first);
    const { line, col } = lineCounter.linePos(at);
    const what =
      first.code === 'DUPLICATE_KEY'
        ? `duplicate key ${JSON.stringify(keyAt(text, at))}`
        : first.message.replace(/\s*\n[\s\S]*$/, '').replace(/\.$/, '');
    const more =
      problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw fileError(
      path,
      `${path}:${line}:${col}: ${first.name === 'YAMLWarning' ? 'YAML warning' : 'YAML error'}: ${what}${more}`,
    );
  }
  if (doc.contents === null)
    throw fileError(
      path,
      'it is empty; a configuration names at least its file_format',
    );
  return doc;
}

/**
 * Where to point for a YAML problem: the parser reports some at the end of the line before the
 * culprit (a duplicate key, a bad indentation), so white space is skipped; an unterminated quote
 * is reported at the end of the text, so it points back at the quote that opened it.
 */
function locate(
  text: string,
  error: { code: string; message: string; pos: [number, number] },
): number {
  let at = error.pos[0];
  if (error.code === 'MISSING_CHAR' && /quote/.test(error.message)) {
    const opening = openingQuote(text, at);
    if (opening !== -1) return opening;
  }
  while (at < text.length && /\s/.test(text[at])) at++;
  return Math.min(at, Math.max(text.length - 1, 0));
}

/** The quote that opens the scalar still open at `end`: the last `"` not escaped by `\`. */
function openingQuote(text: string, end: number): number {
  for (let i = Math.min(end, text.length) - 1; i >= 0; i--) {
    if (text[i] !== '"') continue;
    let backslashes = 0;
    for (let j = i - 1; j >= 0 && text[j] === '\\'; j--) backslashes++;
    if (backslashes % 2 === 0) return i;
  }
  return -1;
}

/** The key that starts at `at`, up to its `:` (at most 64 characters). */
function keyAt(text: string, at: number): string {
  const line = text.slice(
    at,
    text.indexOf('\n', at) === -1 ? undefined : text.indexOf('\n', at),
  );
  const key = line.replace(/\s*:(\s.*)?$/, '').trim();
  return key.length > 64 ? `${key.slice(0, 64)}…` : key;
}

// Upstream's reference syntax (its utils.ts): `${NAME}`, `${env:NAME}`, `${NAME:-default}`.
const REFERENCE = /\$\{(?:env:)?([a-zA-Z_][a-zA-Z0-9_]*)(?::-([^\n}]*))?\}/g;

/**
 * Every value a `${…}` reference in a value of `doc` may bring in: the variable's value, its
 * default. Keys are not substituted (upstream neither).
 */
export function substitutableValues(
  doc: Document,
  env: NodeJS.ProcessEnv,
): string[] {
  const yaml = require('yaml') as YamlModule;
  const values = new Set<string>();
  yaml.visit(doc, {
    Scalar(key, node) {
      if (key === 'key' || typeof node.value !== 'string') return;
      for (const [, name, fallback] of node.value.matchAll(REFERENCE)) {
        const value = env[name];
        if (value !== undefined && value.trim() !== '') values.add(value);
        if (fallback) values.add(fallback);
      }
    },
  });
  return [...values].sort((a, b) => b.length - a.length);
}

/**
 * Shorter than this, a value is masked only where it stands alone (`"abc"`, `=abc`), not inside
 * words: a substituted `1` must not turn `processors[1]` into `processors[***]`.
 */
const MIN_SUBSTRING_MASK = 4;

/** `message` with every one of `values` replaced by `***`. */
export function maskValues(message: string, values: readonly string[]): string {
  let masked = message;
  for (const value of values) {
    if (value.length >= MIN_SUBSTRING_MASK) {
      // as it is, and as it reads inside a quoted (JSON) value
      masked = masked.split(value).join(MASK);
      masked = masked.split(JSON.stringify(value).slice(1, -1)).join(MASK);
    } else {
      const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      masked = masked.replace(
        new RegExp(`(?<![A-Za-z0-9_])${escaped}(?![A-Za-z0-9_])`, 'g'),
        MASK,
      );
    }
  }
  return masked;
}

type UpstreamParseConfig = (options: {
  configYaml: string;
  source?: string;
}) => ConfigurationModel;

let parseConfig: UpstreamParseConfig | undefined;

/**
 * Upstream's `parseConfig(text)`: what its exported `parseConfigFile(path)` runs after reading the
 * file, not exported itself. Loaded from the package's own directory (a relative require is not
 * subject to its exports map); a version that moves it fails here, loudly, and in the tests.
 */
function upstreamParseConfig(): UpstreamParseConfig {
  if (parseConfig) return parseConfig;
  const main = require.resolve('@opentelemetry/configuration');
  const loaded = createRequire(main)('./parse.cjs') as {
    parseConfig?: unknown;
  };
  if (typeof loaded.parseConfig !== 'function')
    throw new Error(
      '@opentelemetry/configuration has no parseConfig in dist/parse.cjs: this version is not supported',
    );
  parseConfig = loaded.parseConfig as UpstreamParseConfig;
  return parseConfig;
}
