/**
 * Small conversions from decoded OTLP wire values to the plain JS values tests assert on. Shared
 * by the trace, metrics and logs flatteners.
 */
import type {
  AttributeValue,
  Attributes,
  ReceivedScope,
  WireAnyValue,
  WireKeyValue,
  WireScope,
} from './otlp-types.js';

/** Turns OTLP's repeated KeyValue into a plain object (a later duplicate key wins). */
export function toAttributes(
  keyValues: readonly WireKeyValue[] | undefined | null,
): Attributes {
  const attributes: Attributes = {};
  for (const { key, value } of keyValues ?? []) {
    attributes[key] = unwrapAnyValue(value);
  }
  return attributes;
}

/** Unwraps an OTLP AnyValue to the JS value it carries; an empty AnyValue becomes null. */
export function unwrapAnyValue(
  value: WireAnyValue | null | undefined,
): AttributeValue {
  switch (value?.value) {
    case 'stringValue':
      return value.stringValue ?? '';
    case 'boolValue':
      return value.boolValue ?? false;
    case 'intValue':
      return toSafeNumber(value.intValue ?? '0');
    case 'doubleValue':
      return value.doubleValue ?? 0;
    case 'arrayValue':
      return (value.arrayValue?.values ?? []).map(unwrapAnyValue);
    case 'kvlistValue':
      return toAttributes(value.kvlistValue?.values);
    case 'bytesValue':
      return value.bytesValue ?? Buffer.alloc(0);
    default:
      return null;
  }
}

/** int64 arrives as a decimal string; keep it exact (bigint) when a number would round. */
export function toSafeNumber(decimal: string): number | bigint {
  const asBigInt = BigInt(decimal);
  const asNumber = Number(asBigInt);
  return Number.isSafeInteger(asNumber) ? asNumber : asBigInt;
}

/** A (u)int64 count as a number; counts past 2^53 cannot come from a test, so rounding is moot. */
export function toCount(decimal: string | undefined): number {
  return Number(decimal ?? '0');
}

export function toBigInt(decimal: string | undefined): bigint {
  return BigInt(decimal ?? '0');
}

export function toHex(bytes: Buffer | Uint8Array | undefined | null): string {
  return bytes ? Buffer.from(bytes).toString('hex') : '';
}

/** Proto3 cannot tell "unset" from "empty": an empty id means "none". */
export function toOptionalHex(
  bytes: Buffer | Uint8Array | undefined | null,
): string | undefined {
  const hex = toHex(bytes);
  return hex === '' ? undefined : hex;
}

export function toScope(scope: WireScope | null | undefined): ReceivedScope {
  return { name: scope?.name ?? '', version: scope?.version ?? '' };
}
