/**
 * Span attributes in two parallel arrays (keys, values), with the SDK's rules for what is kept:
 * the same checks in the same order as `maybeAddAttribute` / `cleanAttributes` of
 * @opentelemetry/core (undefined ignored, empty key and invalid value refused with a warning,
 * the count limit counted in `dropped`, strings and byte arrays truncated to the value length
 * limit, arrays and maps copied), so a span exports what the SDK would have exported.
 *
 * Why arrays: a span has a dozen attributes, set once each; two arrays and a linear search for a
 * repeated key cost less than the object the SDK grows per span, and the encoder walks them in
 * order without `for…in`.
 */
import { diag, type Attributes } from '@opentelemetry/api';
import { isAnyValue } from '@opentelemetry/core';

export interface AttributeLimits {
  /** attribute_count_limit (Infinity: none). */
  readonly count: number;
  /** attribute_value_length_limit (Infinity: none). */
  readonly valueLength: number;
}

/** Where a span's attributes live (the span itself). */
export interface AttributeStore {
  readonly keys: string[];
  readonly values: unknown[];
  droppedAttributes: number;
}

/** What became of one attribute (the SDK's AddAttributeDecision, minus the overwrite case). */
export const Added = {
  Ignored: 0,
  Invalid: 1,
  LimitReached: 2,
  Added: 3,
} as const;
export type Added = (typeof Added)[keyof typeof Added];

/** A value the SDK accepts: a primitive without a look inside, anything else by its rules. */
function valid(value: unknown): boolean {
  const type = typeof value;
  return (
    type === 'string' ||
    type === 'number' ||
    type === 'boolean' ||
    (type === 'object' && isAnyValue(value))
  );
}

/**
 * The value as stored: strings and byte arrays cut to `limit`, arrays and maps copied (with the
 * same cut inside, undefined map entries left out) so later changes by the caller do not reach
 * the span. Pure.
 */
export function truncated(value: unknown, limit: number): unknown {
  if (typeof value === 'string')
    return value.length <= limit ? value : value.substring(0, limit);
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Uint8Array)
    return value.length <= limit ? value : value.slice(0, limit);
  if (Array.isArray(value))
    return value.map((element) => truncated(element, limit));
  const copy: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source))
    if (source[key] !== undefined) copy[key] = truncated(source[key], limit);
  return copy;
}

/** The SDK ignores a non-positive value length limit, with a warning. */
export function effectiveLengthLimit(limit: number): number {
  if (limit > 0) return limit;
  diag.warn(
    `Invalid attributeValueLengthLimit: must be positive, got ${limit} (ignoring)`,
  );
  return Infinity;
}

/** `span.setAttribute(key, value)` on the arrays: the SDK's maybeAddAttribute. */
export function addAttribute(
  store: AttributeStore,
  key: string,
  value: unknown,
  limits: AttributeLimits,
): Added {
  if (value === undefined) return Added.Ignored;
  if (key.length === 0) {
    diag.warn(`Invalid attribute key: ${key}`);
    return Added.Invalid;
  }
  const keys = store.keys;
  let index = -1;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] === key) {
      index = i;
      break;
    }
  }
  if (index < 0 && keys.length >= limits.count) return Added.LimitReached;
  if (!valid(value)) {
    diag.warn(`Invalid attribute value set for key: ${key}`);
    return Added.Invalid;
  }
  const stored =
    typeof value === 'number' || typeof value === 'boolean'
      ? value
      : truncated(value, effectiveLengthLimit(limits.valueLength));
  if (index < 0) {
    keys.push(key);
    store.values.push(stored);
  } else {
    store.values[index] = stored;
  }
  return Added.Added;
}

/**
 * The attributes a span starts with (`SpanOptions.attributes`): the SDK cleans them twice —
 * first dropping invalid entries, then applying the count limit — and counts both in the
 * span's dropped attributes.
 */
export function addInitialAttributes(
  store: AttributeStore,
  attributes: Attributes,
  limits: AttributeLimits,
): void {
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    if (key.length === 0) {
      diag.warn(`Invalid attribute key: ${key}`);
      store.droppedAttributes++;
      continue;
    }
    if (!valid(value)) {
      diag.warn(`Invalid attribute value set for key: ${key}`);
      store.droppedAttributes++;
      continue;
    }
    if (store.keys.length >= limits.count) {
      store.droppedAttributes++;
      continue;
    }
    store.keys.push(key);
    store.values.push(
      truncated(value, effectiveLengthLimit(limits.valueLength)),
    );
  }
}
