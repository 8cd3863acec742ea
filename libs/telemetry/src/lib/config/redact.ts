/**
 * Keeps credentials out of everything the library prints: start-up summary, warnings, errors.
 * Pure string functions, so the rules are unit-tested on their own.
 */

/** `http://user:secret@host:4317/x` → `http://***@host:4317/x`; other strings unchanged. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@?#]*@/i, '$1***@');
}

/**
 * Scrubs user info from every URL inside a free text (an exporter's error message, say).
 */
export function redactText(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@?#]*@/gi, '$1***@');
}

/** Header names only, values masked: `authorization=***,x-tenant=***`. */
export function describeHeaders(
  headers: Readonly<Record<string, string>>,
): string {
  return Object.keys(headers)
    .map((name) => `${name}=***`)
    .join(',');
}
