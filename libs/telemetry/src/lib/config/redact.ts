/**
 * Keeps credentials out of everything the library and the apps print: the start-up line, notes,
 * export-outage warnings, configuration errors, the SDK's own diagnostics, the apps' messages.
 * One rule for a URL, applied to a value known to be a URL (`redactUrl`) and to every URL-shaped
 * word of a free text (`redactText`), plus exact masking of credentials known in advance (the
 * configured endpoints' user info and query values, header values: `knownSecrets`) for texts
 * whose format nobody controls, such as an exporter's error message.
 *
 * The rule errs towards hiding: an endpoint's host is worth less than its password.
 * - User info: everything between `scheme://` (or the start, when there is no `scheme://`) and
 *   the LAST `@` is masked, whatever characters it holds — an unencoded `@`, `/`, `:`, space or
 *   quote in a password; `user:pass@host:4317` without a scheme. So an `@` in a path also hides
 *   everything before it, and with a `?` or `#` before the last `@` (a password holding one, or
 *   an `@` in a query value) everything after the scheme is masked.
 * - Query and fragment: the query is shown as its first name and `=***` (`?api_key=***`) — a
 *   credential may hold `&` and `=`, so nothing after the first `=` is shown, and the name only
 *   if it looks like one (letters, digits, `-._~[]`); a fragment is masked whole: printed
 *   endpoints have no business showing either.
 * - The path is shown as it is.
 *
 * Pure string functions that import nothing but node:util: `@otel-dice/telemetry/redact` can be
 * loaded by an app's configuration code before the SDK is.
 */
import { inspect } from 'node:util';

/** What a credential is replaced with. */
export const MASK = '***';

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const SCHEME_INSIDE = /[a-z][a-z0-9+.-]*:\/\//i;

/**
 * A URL as it may be printed (see the rule above): `http://user:p@ss@host:4317/v1/traces?api_key=k`
 * → `http://***@host:4317/v1/traces?api_key=***`. Idempotent; a string without user info, query
 * or fragment is returned unchanged.
 */
export function redactUrl(url: string): string {
  const scheme = SCHEME.exec(url)?.[0] ?? '';
  const at = url.lastIndexOf('@');
  if (at > scheme.length) {
    // A `?` or `#` before the last `@` means that what follows may be the end of a query value
    // or fragment (`?key=a@b`) as well as a host: hidden too.
    const before = url.slice(scheme.length, at);
    if (before.includes('?') || before.includes('#')) return `${scheme}${MASK}`;
    return `${scheme}${MASK}@${redactQueryAndFragment(url.slice(at + 1))}`;
  }
  // No user info, or an empty one (`http://@host`): nothing to hide before the host.
  const host = at === scheme.length ? at + 1 : scheme.length;
  return url.slice(0, host) + redactQueryAndFragment(url.slice(host));
}

const QUERY_NAME = /^[A-Za-z0-9._~[\]-]{1,64}$/;

function redactQueryAndFragment(rest: string): string {
  const hash = rest.indexOf('#');
  const beforeHash = hash === -1 ? rest : rest.slice(0, hash);
  const fragment =
    hash === -1 ? '' : hash === rest.length - 1 ? '#' : `#${MASK}`;
  const q = beforeHash.indexOf('?');
  if (q === -1) return beforeHash + fragment;
  return `${beforeHash.slice(0, q + 1)}${redactQuery(beforeHash.slice(q + 1))}${fragment}`;
}

/**
 * `api_key=k3y&tenant=shop` → `api_key=***`: the first name, if it looks like one, and nothing
 * after the first `=` — a credential may hold `&` and `=`, so what follows could be the rest of
 * it as well as further parameters.
 */
function redactQuery(query: string): string {
  if (query === '') return '';
  const eq = query.indexOf('=');
  if (eq === -1 || !QUERY_NAME.test(query.slice(0, eq))) return MASK;
  return eq === query.length - 1 ? query : `${query.slice(0, eq)}=${MASK}`;
}

/** Words of a free text: runs of anything but white space and quotes (`"…"`, a JSON string). */
const WORD = /[^\s"'`]+/g;

/**
 * Every URL-shaped word of a free text redacted by the URL rule, and every credential in
 * `secrets` (see knownSecrets) replaced by `***` wherever it occurs. URL-shaped: with
 * `scheme://` (text before the scheme is kept: `endpoint=https://…`), or with a colon before its
 * last `@` (`user:pass@host:4317`, a gRPC target `dns:user:pass@host:4317`), or with a `?`
 * followed by an `=` (`collector:4318/v1/traces?api_key=…`; not `why?` or `(ok?)`).
 *
 * A word cannot hold white space or a quote, so a credential containing those is only caught
 * here when it is among `secrets`; values known to be URLs go through redactUrl whole.
 */
export function redactText(
  text: string,
  secrets: readonly string[] = [],
): string {
  let masked = text;
  for (const secret of secrets) masked = masked.split(secret).join(MASK);
  return masked.replace(WORD, redactWord);
}

/**
 * One value whose bounds are known (a setting as set, say), redacted by the URL rule if it is
 * URL-shaped (see redactText), as a whole: unlike a word of a free text, it may hold white space
 * and quotes.
 */
export function redactValue(value: string): string {
  return redactWord(value);
}

function redactWord(word: string): string {
  const scheme = SCHEME_INSIDE.exec(word);
  if (scheme) {
    const start = scheme.index;
    return word.slice(0, start) + redactUrl(word.slice(start));
  }
  // Without a scheme, an `@` is user info only after a `user:password` (or `dns:…`) colon: a
  // package (`@opentelemetry/api@1.9.0`) or an e-mail address is not.
  const at = word.lastIndexOf('@');
  if (at > 0 && word.slice(0, at).includes(':')) return redactUrl(word);
  const q = word.indexOf('?');
  return q !== -1 && word.includes('=', q)
    ? redactQueryAndFragment(word)
    : word;
}

/**
 * Credentials shorter than this are not searched for in free text (masking every `ab` of a
 * message would make it unreadable); the URL rule still hides them where they appear in a URL.
 */
export const MIN_KNOWN_SECRET_LENGTH = 4;

/**
 * The credentials a configuration holds, for redactText: the user info (whole, user name and
 * password), query values and fragment of every `endpoint`, and the values of every `headers`
 * list or map and `headers_list` (whole, and the token after an `Authorization` scheme such as
 * `Bearer `), found anywhere in
 * `config` (arrays and objects are walked, so this does not depend on the shape of the model).
 * Percent-decoded, percent-encoded and quoted (JSON, util.inspect) forms are included too. Longest first, so a longer secret is masked before a
 * shorter one inside it.
 */
export function knownSecrets(config: unknown): string[] {
  const found = new Set<string>();
  const add = (value: string) => {
    for (const form of [value, safeDecode(value)]) {
      if (form.length < MIN_KNOWN_SECRET_LENGTH) continue;
      found.add(form);
      // …as it appears inside a quoted value: JSON, util.inspect (console, diag)…
      found.add(JSON.stringify(form).slice(1, -1));
      found.add(inspect(form).slice(1, -1));
      // …and as a URL parser or a query serializer re-encodes it.
      for (const encoded of urlEncodings(form)) found.add(encoded);
    }
  };
  const addHeader = (header: string) => {
    add(header);
    const space = header.trim().lastIndexOf(' ');
    if (space !== -1) add(header.trim().slice(space + 1));
  };
  const seen = new Set<unknown>();
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    for (const [key, value] of Object.entries(node)) {
      if (key === 'endpoint' && typeof value === 'string')
        urlSecrets(value).forEach(add);
      else if (key === 'headers' && value !== null && typeof value === 'object')
        headerValues(value).forEach(addHeader);
      else if (key === 'headers_list' && typeof value === 'string')
        // `name=value,name=value` (the schema's headers_list, OTEL_EXPORTER_OTLP_HEADERS)
        for (const entry of value.split(',')) {
          const eq = entry.indexOf('=');
          if (eq !== -1) addHeader(entry.slice(eq + 1).trim());
        }
      else walk(value);
    }
  };
  walk(config);
  return [...found].sort((a, b) => b.length - a.length);
}

/**
 * A `headers` value's values: the configuration model's list (`[{ name, value }]`) or a
 * name → value map.
 */
function headerValues(headers: object): string[] {
  const values = Array.isArray(headers)
    ? headers.map((h: unknown) =>
        h !== null && typeof h === 'object'
          ? (h as { value?: unknown }).value
          : undefined,
      )
    : Object.values(headers);
  return values.filter((v): v is string => typeof v === 'string');
}

/**
 * The user info (whole, user name and password), query values and fragment of a URL — read every
 * way where the URL is ambiguous (`?key=a@b`: user info up to the last `@`, and a query value;
 * `?key=a&b=c`: `a`, and `a&b=c`).
 */
export function urlSecrets(url: string): string[] {
  const secrets: string[] = [];
  const body = url.slice((SCHEME.exec(url)?.[0] ?? '').length);
  const at = body.lastIndexOf('@');
  if (at > 0) {
    const userInfo = body.slice(0, at);
    secrets.push(userInfo);
    // The user name too: a token with a `:` in it reads as `user:password`.
    const colon = userInfo.indexOf(':');
    if (colon !== -1)
      secrets.push(userInfo.slice(0, colon), userInfo.slice(colon + 1));
  }
  const hash = body.indexOf('#');
  if (hash !== -1) secrets.push(body.slice(hash + 1));
  const q = body.indexOf('?');
  if (q !== -1) {
    const query = body.slice(q + 1, hash > q ? hash : undefined);
    for (const param of query.split('&')) {
      const eq = param.indexOf('=');
      secrets.push(eq === -1 ? param : param.slice(eq + 1));
    }
    // A value may itself hold `&` or `=`: everything after each `=` is a candidate as well.
    for (
      let eq = query.indexOf('=');
      eq !== -1;
      eq = query.indexOf('=', eq + 1)
    )
      secrets.push(query.slice(eq + 1));
  }

  return secrets.filter((s) => s !== '');
}

/** How `value` reads once encoded as user info, a query value, a fragment or a URL component. */
function urlEncodings(value: string): string[] {
  const forms = [encodeURIComponent(value)];
  try {
    const url = new URL('http://h/');
    url.username = value;
    forms.push(url.username);
    url.password = value;
    forms.push(url.password);
    forms.push(new URL(`http://h/?${value}`).search.slice(1));
    forms.push(new URL(`http://h/#${value}`).hash.slice(1));
    forms.push(new URLSearchParams({ k: value }).toString().slice(2));
  } catch {
    // URL cannot fail on these setters; a parser that does is not one to imitate
  }
  return forms;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Header names only, values masked: `authorization=***,x-tenant=***`. */
export function describeHeaders(
  headers: Readonly<Record<string, string>>,
): string {
  return Object.keys(headers)
    .map((name) => `${name}=***`)
    .join(',');
}
