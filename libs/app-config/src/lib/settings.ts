/**
 * How every otel-dice app reads its own settings (APP_PORT, LOG_LEVEL, PLAYER_RATE, …) from the
 * environment. Pure: env in, values and a list of problems out.
 *
 * The rule for every variable: unset means "use the default"; set but empty (or blank) is a
 * mistake and is reported, because an empty value in a compose file or manifest is almost never
 * intended. (The OTEL_* variables follow the OpenTelemetry specification instead, where empty
 * means unset; @otel-dice/telemetry reads those.)
 *
 * A value echoed in a problem goes through the telemetry library's redaction first (credentials
 * in anything URL-shaped are masked), whatever the variable: a URL with a password pasted into
 * the wrong variable is not printed either.
 */
import { redactValue } from '@otel-dice/telemetry/redact';

export type Env = Readonly<Record<string, string | undefined>>;

/** A parsed value, or what was expected instead. */
export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly expected: string };

export const valid = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const invalid = (expected: string): Parsed<never> => ({
  ok: false,
  expected,
});

export interface ConfigProblem {
  readonly variable: string;
  /** The raw value as set (never printed: `message` holds it redacted). */
  readonly value: string;
  /** `APP_PORT must be an integer between 1 and 65535, got "abc"` */
  readonly message: string;
}

/**
 * Reads settings one by one and collects every problem, so one restart can fix them all. Each
 * problem's message names the variable, what it accepts and what it got.
 */
export class SettingsReader {
  private readonly found: ConfigProblem[] = [];

  constructor(private readonly env: Env) {}

  get problems(): readonly ConfigProblem[] {
    return this.found;
  }

  read<T>(variable: string, parse: (raw: string) => Parsed<T>, fallback: T): T {
    const raw = this.env[variable];
    if (raw === undefined) return fallback;
    const parsed: Parsed<T> =
      raw.trim() === '' ? invalid(blankExpectation(parse)) : parse(raw);
    if (parsed.ok) return parsed.value;
    this.found.push({
      variable,
      value: raw,
      message: `${variable} ${parsed.expected}, got ${JSON.stringify(redactValue(raw))}`,
    });
    return fallback;
  }
}

/** What a blank value is told: the parser's own expectation when it has one for ''. */
function blankExpectation<T>(parse: (raw: string) => Parsed<T>): string {
  const parsed = parse('');
  return parsed.ok ? 'must not be empty' : parsed.expected;
}

/** pino's level names; `silent` turns the log off. */
export const LOG_LEVELS = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** One of a fixed set of words, case-insensitive, surrounding blanks ignored. */
export function parseChoice<T extends string>(
  choices: readonly T[],
): (raw: string) => Parsed<T> {
  return (raw) => {
    const choice = choices.find(
      (candidate) => candidate === raw.trim().toLowerCase(),
    );
    return choice === undefined
      ? invalid(`must be one of ${choices.join(', ')}`)
      : valid(choice);
  };
}

export const parseLogLevel = parseChoice(LOG_LEVELS);

/**
 * A TCP port to listen on. Plain decimal digits only: Number() would also accept "0x1F", "1e3",
 * " 80 " and "5000.0", and parseInt() "5000abc". 0 would ask the OS for a random port, which
 * nobody could then find or scrape.
 */
export function parsePort(raw: string): Parsed<number> {
  const port = /^[0-9]{1,5}$/.test(raw) ? Number(raw) : NaN;
  return port >= 1 && port <= 65535
    ? valid(port)
    : invalid('must be an integer between 1 and 65535');
}

/**
 * An interface to bind. Whitespace inside a host name always comes from a quoting mistake;
 * listen() would only fail later with a less helpful getaddrinfo error.
 */
export function parseHost(raw: string): Parsed<string> {
  return raw.trim() === '' || /\s/.test(raw)
    ? invalid('must be a host name or IP address to bind, e.g. 0.0.0.0')
    : valid(raw);
}

/** Any non-blank text (a service name, say). */
export function parseText(what: string): (raw: string) => Parsed<string> {
  return (raw) =>
    raw.trim() === '' ? invalid(`must be a non-empty ${what}`) : valid(raw);
}
