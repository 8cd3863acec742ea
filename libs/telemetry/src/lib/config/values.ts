/**
 * Strict readers for the value types of the OpenTelemetry SDK environment specification:
 * enums, lists, booleans, integers, durations, key=value lists (headers and resource attributes)
 * and URLs. Pure: every function takes the raw string and the name it came from, and either
 * returns the value or throws a TelemetryConfigError naming both the source and what is accepted.
 *
 * Where the specification says an SDK "SHOULD warn and use the default", these refuse instead:
 * a library that many services reuse is better off failing at start-up with one line than
 * running with a setting nobody asked for.
 *
 * readVariables reads the environment once, through a table of these readers
 * (known-variables.ts): every mapping works from what it returns, never from the environment.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { invalidValue } from './errors.js';
import { redactUrl } from './redact.js';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * A variable counts as set only when it holds something other than whitespace: the specification
 * says an empty value is the same as an unset one.
 */
export function readEnv(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** How one variable's text (trimmed, never blank) becomes its value. Throws naming the variable. */
export type Reader<T> = (variable: string, raw: string) => T;

/** The readers of a table of variables, by variable name. */
export type ReaderTable = Readonly<Record<string, Reader<unknown>>>;

/** The value of each variable of a table that is set, as its reader returned it. */
export type Parsed<T extends ReaderTable> = {
  readonly [K in keyof T]?: ReturnType<T[K]>;
};

/** The environment, read once. */
export interface Snapshot<T extends ReaderTable> {
  /** Every variable of the table that is set, parsed. */
  readonly values: Parsed<T>;
  /** The names of all variables that are set, known or not (for the notes on what does nothing), sorted. */
  readonly set: readonly string[];
}

/**
 * Reads every variable of `table` that is set, in the table's order, and stops at the first that
 * cannot be used with one TelemetryConfigError naming it. A variable is parsed even when the part
 * it configures is off: a bad value should fail today, not the day someone turns that part on.
 */
export function readVariables<T extends ReaderTable>(
  env: Env,
  table: Partial<T>,
): Snapshot<T> {
  const values: Record<string, unknown> = {};
  for (const [name, read] of Object.entries(table)) {
    const raw = readEnv(env, name);
    if (raw !== undefined && read) values[name] = read(name, raw);
  }
  const set = Object.keys(env)
    .filter((name) => readEnv(env, name) !== undefined)
    .sort();
  return Object.freeze({
    values: Object.freeze(values) as Parsed<T>,
    set: Object.freeze(set),
  });
}

// ---- the readers a table names ----

/** The text as given (trimmed): a name, a path, or a value whose meaning depends on another variable. */
export const text: Reader<string> = (_variable, raw) => raw;

/** `true`/`false`. */
export const flag: Reader<boolean> = parseBoolean;

/** A duration in milliseconds. */
export const millis: Reader<number> = parseMillis;

/** An integer in [min, max] (default: ≥ 0). */
export function integer(bounds?: {
  min?: number;
  max?: number;
}): Reader<number> {
  return (variable, raw) => parseInteger(variable, raw, bounds);
}

/** One of `allowed`. */
export function oneOf<T extends string>(allowed: readonly T[]): Reader<T> {
  return (variable, raw) => parseEnum(variable, raw, allowed);
}

/** A comma-separated list of `allowed` values. */
export function someOf<T extends string>(allowed: readonly T[]): Reader<T[]> {
  return (variable, raw) => parseEnumList(variable, raw, allowed);
}

/** A comma-separated list of free-form entries, each passing `valid` (else: `"entry" <hint>`). */
export function listOf(
  valid: (entry: string) => boolean,
  hint: string,
): Reader<string[]> {
  return (variable, raw) => {
    const entries = raw
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    const bad = entries.find((entry) => !valid(entry));
    if (bad !== undefined)
      throw invalidValue(variable, raw, `${JSON.stringify(bad)} ${hint}`);
    return entries;
  };
}

/** `key1=value1,…` headers (parseHeaders). */
export const headers: Reader<Record<string, string>> = parseHeaders;

/** `key1=value1,…` attributes (parseKeyValueList). */
export const keyValues: Reader<Record<string, string>> = parseKeyValueList;

/** A host name or address to bind a server to. */
export const bindHost: Reader<string> = (variable, raw) => {
  if (/\s/.test(raw))
    throw invalidValue(
      variable,
      raw,
      'must be a host name or IP address to bind',
    );
  return raw;
};

/** An IP address or CIDR, as TELEMETRY_HTTP_TRUSTED_PROXIES (and the file) take them. */
export function validProxy(entry: string): boolean {
  const [address, prefix, extra] = entry.split('/');
  if (extra !== undefined) return false;
  const v4 = isIPv4(address);
  if (!v4 && !isIPv6(address)) return false;
  if (prefix === undefined) return true;
  const bits = /^[0-9]{1,3}$/.test(prefix) ? Number(prefix) : NaN;
  return bits >= 0 && bits <= (v4 ? 32 : 128);
}

export const PROXY_HINT =
  'is not an IP address or CIDR (e.g. 10.0.0.7, 10.0.0.0/8, fd00::/8)';

// ---- the parsers ----

/** One of `allowed`, case-insensitive (the specification's rule for enum values). */
export function parseEnum<T extends string>(
  variable: string,
  raw: string,
  allowed: readonly T[],
): T {
  const wanted = raw.trim().toLowerCase();
  const found = allowed.find((candidate) => candidate === wanted);
  if (found === undefined)
    throw invalidValue(
      variable,
      raw,
      `supported values are ${allowed.join(', ')}`,
    );
  return found;
}

/**
 * A comma-separated list of enum values, lower-cased, duplicates dropped, blank entries ignored.
 * `none` must stand alone: `none,otlp` is contradictory, and guessing which was meant is how
 * telemetry silently goes missing.
 */
export function parseEnumList<T extends string>(
  variable: string,
  raw: string,
  allowed: readonly T[],
): T[] {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const values = [
    ...new Set(entries.map((entry) => parseEnum(variable, entry, allowed))),
  ];
  if (values.length > 1 && values.includes('none' as T))
    throw invalidValue(
      variable,
      raw,
      '"none" cannot be combined with other values',
    );
  return values;
}

/** `true`/`false`, case-insensitive. The specification's "anything else is false" is refused. */
export function parseBoolean(variable: string, raw: string): boolean {
  return parseEnum(variable, raw, ['true', 'false'] as const) === 'true';
}

/** A plain decimal integer in [min, max]: no signs, exponents, hex or fractions. */
export function parseInteger(
  variable: string,
  raw: string,
  {
    min = 0,
    max = Number.MAX_SAFE_INTEGER,
  }: { min?: number; max?: number } = {},
): number {
  const value = raw.trim();
  const number = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    const range =
      max === Number.MAX_SAFE_INTEGER
        ? `an integer ≥ ${min}`
        : `an integer between ${min} and ${max}`;
    throw invalidValue(variable, raw, `must be ${range}`);
  }
  return number;
}

/** A duration in milliseconds, as every *_TIMEOUT, *_DELAY and *_INTERVAL variable is. */
export function parseMillis(variable: string, raw: string): number {
  return parseInteger(variable, raw, { min: 1 });
}

/** A probability in [0, 1] (OTEL_TRACES_SAMPLER_ARG for the ratio samplers). */
export function parseRatio(variable: string, raw: string): number {
  const value = raw.trim();
  const ratio = /^(0|1|0?\.[0-9]+|[01]\.0*)$/.test(value) ? Number(value) : NaN;
  if (!(ratio >= 0 && ratio <= 1))
    throw invalidValue(variable, raw, 'must be a number between 0 and 1');
  return ratio;
}

// RFC 9110 token: what an HTTP header name (and a gRPC metadata key) may be made of.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * OTEL_EXPORTER_OTLP_HEADERS and friends: `key1=value1,key2=value2`, values percent-decoded (the
 * W3C Baggage octet rules the specification refers to). Errors name the position of the bad
 * entry, never its text: a header list is where API keys live.
 */
export function parseHeaders(
  variable: string,
  raw: string,
): Record<string, string> {
  const headers: Record<string, string> = {};
  const entries = raw.split(',');
  entries.forEach((entry, index) => {
    if (entry.trim() === '') return;
    const where = `entry ${index + 1} of ${entries.length}`;
    const eq = entry.indexOf('=');
    if (eq <= 0)
      throw invalidValue(
        variable,
        undefined,
        `${where} is not key=value (values are not shown: they may hold credentials); expected key1=value1,key2=value2 with percent-encoded values`,
      );
    const name = entry.slice(0, eq).trim();
    if (!HEADER_NAME.test(name))
      throw invalidValue(
        variable,
        undefined,
        `${where} has a key that is not a valid header name; expected key1=value1,key2=value2`,
      );
    let value: string;
    try {
      value = decodeURIComponent(entry.slice(eq + 1).trim());
    } catch {
      throw invalidValue(
        variable,
        undefined,
        `${where} (${name}) has a broken %-escape in its value`,
      );
    }
    // A decoded CR/LF would let a value smuggle a second header into the export request.
    if (/[\r\n\0]/.test(value))
      throw invalidValue(
        variable,
        undefined,
        `${where} (${name}) decodes to a value with a line break or NUL`,
      );
    headers[name.toLowerCase()] = value;
  });
  return headers;
}

/**
 * OTEL_RESOURCE_ATTRIBUTES: `key1=value1,key2=value2`, values percent-decoded. The specification
 * says to discard the whole variable on a malformed entry; discarding it silently would strip
 * `deployment.environment` or `service.namespace` from every signal, so it is refused instead.
 */
export function parseKeyValueList(
  variable: string,
  raw: string,
): Record<string, string> {
  const attributes: Record<string, string> = {};
  const entries = raw.split(',');
  entries.forEach((entry, index) => {
    if (entry.trim() === '') return;
    const eq = entry.indexOf('=');
    const key = eq > 0 ? entry.slice(0, eq).trim() : '';
    if (!key)
      throw invalidValue(
        variable,
        raw,
        `entry ${index + 1} (${JSON.stringify(entry.trim())}) is not key=value`,
      );
    try {
      attributes[key] = decodeURIComponent(entry.slice(eq + 1).trim());
    } catch {
      throw invalidValue(
        variable,
        raw,
        `the value of ${key} has a broken %-escape (encode "%" as %25)`,
      );
    }
  });
  return attributes;
}

export interface ParsedUrl {
  /** The URL as it will be used (whitespace trimmed, otherwise as given). */
  readonly href: string;
  /** `http`, `https`, or undefined for a gRPC `host:port` without a scheme. */
  readonly scheme: 'http' | 'https' | undefined;
  /** Path of the URL ('' or '/' when there is none). */
  readonly path: string;
}

/**
 * An endpoint URL. http(s) only; `allowNoScheme` accepts the gRPC form `host:port` as well. The
 * value is echoed redacted (config/redact.ts).
 */
export function parseEndpoint(
  variable: string,
  raw: string,
  { allowNoScheme = false }: { allowNoScheme?: boolean } = {},
): ParsedUrl {
  const value = raw.trim();
  const shown = redactUrl(value);
  const expected = allowNoScheme
    ? 'expected http://host:port, https://host:port or host:port'
    : 'expected an http:// or https:// URL';
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
  if (!hasScheme) {
    if (!allowNoScheme || !/^[^\s/:]+:[0-9]{1,5}$/.test(value))
      throw invalidValue(variable, shown, expected);
    return { href: value, scheme: undefined, path: '' };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidValue(variable, shown, expected);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalidValue(variable, shown, expected);
  if (!url.hostname) throw invalidValue(variable, shown, expected);
  // An `@` the URL parser did not take as the end of the user info sits in the path, query or
  // fragment: almost always a password with an unencoded `/`, `?` or `#`, whose first part
  // would otherwise be used as the host (and sent to DNS).
  if (`${url.pathname}${url.search}${url.hash}`.includes('@'))
    throw invalidValue(
      variable,
      shown,
      'an "@" after the host: percent-encode "/", "?", "#" and "@" in the user name and password (%2F, %3F, %23, %40)',
    );
  return {
    href: value,
    scheme: url.protocol === 'https:' ? 'https' : 'http',
    path: url.pathname,
  };
}
