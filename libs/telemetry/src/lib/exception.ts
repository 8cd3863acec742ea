/**
 * Why a request failed, on its server span: the `exception` event of the semantic conventions
 * (`exception.type`, `exception.message`, `exception.stacktrace`) for the error that ended a
 * request in a 5xx, with the library's redaction rules applied to the text — an error message is
 * free text and often carries a URL (a connection string with a password, a signed URL with a
 * token in its query).
 */
import type { Attributes, Span } from '@opentelemetry/api';
import {
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_EXCEPTION_TYPE,
} from '@opentelemetry/semantic-conventions';
import { redactText } from './config/redact.js';
import { redactQuery } from './http-edge.js';

/** The event name the specification gives exceptions. */
export const EXCEPTION_EVENT = 'exception';

const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;

/**
 * Masks what the redaction rules mask, wherever a URL appears in `text`: the library's one
 * routine for printed text (config/redact.ts: user info, `postgres://***@db`, and a query's
 * values after its first name), then the edge rule for a sensitive name left visible
 * (`?token=REDACTED`). Pure.
 */
export function redactMessage(
  text: string,
  isSensitive: (name: string) => boolean,
): string {
  return redactText(text).replace(URL_IN_TEXT, (url) => {
    const q = url.indexOf('?');
    if (q === -1) return url;
    const hash = url.indexOf('#', q);
    const end = hash === -1 ? url.length : hash;
    const query = url.slice(q + 1, end);
    if (!query.includes('=')) return url;
    return `${url.slice(0, q + 1)}${redactQuery(query, isSensitive)}${url.slice(end)}`;
  });
}

/**
 * The exception event's attributes for anything thrown: the class name as the type (`TypeError`,
 * pg's `DatabaseError`), the message and stack redacted. A thrown non-Error becomes its string
 * form. Pure.
 */
export function exceptionAttributes(
  thrown: unknown,
  isSensitive: (name: string) => boolean,
): Attributes {
  if (thrown instanceof Error || isErrorLike(thrown)) {
    const error = thrown as Error;
    const attributes: Attributes = {
      [ATTR_EXCEPTION_TYPE]: errorTypeName(error),
    };
    if (typeof error.message === 'string' && error.message !== '')
      attributes[ATTR_EXCEPTION_MESSAGE] = redactMessage(
        error.message,
        isSensitive,
      );
    if (typeof error.stack === 'string')
      attributes[ATTR_EXCEPTION_STACKTRACE] = redactMessage(
        error.stack,
        isSensitive,
      );
    return attributes;
  }
  return {
    [ATTR_EXCEPTION_TYPE]: typeof thrown,
    [ATTR_EXCEPTION_MESSAGE]: redactMessage(String(thrown), isSensitive),
  };
}

/** Records `thrown` on `span` as an exception event (see exceptionAttributes). */
export function recordRequestException(
  span: Span,
  thrown: unknown,
  isSensitive: (name: string) => boolean,
): void {
  span.addEvent(EXCEPTION_EVENT, exceptionAttributes(thrown, isSensitive));
}

function isErrorLike(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/**
 * The class name, as the conventions ask (`DatabaseError`, `TypeError`), rather than `name`,
 * which libraries set to other things (pg's DatabaseError is named `error`); `name` when the
 * class says nothing (a plain Error, an object literal).
 */
function errorTypeName(error: Error): string {
  const constructorName = (error as { constructor?: { name?: unknown } })
    .constructor?.name;
  if (
    typeof constructorName === 'string' &&
    constructorName !== '' &&
    constructorName !== 'Error' &&
    constructorName !== 'Object'
  )
    return constructorName;
  return typeof error.name === 'string' && error.name !== ''
    ? error.name
    : 'Error';
}
