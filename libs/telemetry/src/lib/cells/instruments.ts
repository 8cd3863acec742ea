/**
 * The fast path's synchronous instruments: the API's Counter, UpDownCounter and Histogram, plus
 * `bind(attributes)`, which finds an attribute set's cells once and returns what records into
 * them. Code that knows its attribute sets ahead (the tracer's self-metrics, `request_counter`
 * without attributes, the HTTP server's duration by method/status/route) binds once and records
 * with a few additions; `add`/`record` with an attributes object find the bound cells through a
 * trie over the object's keys and values — Map lookups of strings V8 has already hashed, in
 * place of the SDK's sort-and-JSON.stringify of every attribute set on every measurement.
 *
 * A measurement is checked as the SDK's instruments check it (a non-number is refused, an INT
 * instrument truncates, a counter or histogram refuses a negative value), with the same warnings.
 */
import {
  diag,
  ValueType,
  type Attributes,
  type Counter,
  type Histogram,
  type UpDownCounter,
} from '@opentelemetry/api';
import type { Recorder, Stream } from './stream.js';
import type { InstrumentDescriptor } from './streams.js';

export type { Recorder } from './stream.js';

/** What the fast path's instruments add to the API's: binding an attribute set once. */
export interface Bindable {
  bind(attributes?: Attributes): Recorder;
}

const NOTHING: Recorder = { record: () => undefined };

class Recorders implements Recorder {
  constructor(private readonly all: readonly Recorder[]) {}
  record(value: number): void {
    for (const recorder of this.all) recorder.record(value);
  }
}

/** Recorders cached per attribute object contents, without hashing the object (see above). */
class AttributeTrie {
  private readonly root = new TrieNode();
  private size = 0;

  constructor(private readonly maxSize: number) {}

  /** The recorder of `attributes`, made by `bind` the first time. */
  get(attributes: Attributes, bind: (a: Attributes) => Recorder): Recorder {
    let node = this.root;
    for (const key in attributes) {
      if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
      const next = node.child(key, attributes[key], this.size < this.maxSize);
      // Beyond the trie's size every new set is bound afresh (the stream's own limit holds).
      if (next === undefined) return bind(attributes);
      node = next;
    }
    if (node.recorder === undefined) {
      node.recorder = bind(attributes);
      this.size++;
    }
    return node.recorder;
  }
}

class TrieNode {
  recorder: Recorder | undefined = undefined;
  private byKey: Map<string, Map<unknown, TrieNode>> | undefined = undefined;

  child(key: string, value: unknown, create: boolean): TrieNode | undefined {
    // Arrays (and anything else that is not a primitive) by their JSON, under a key of their own.
    const valueKey =
      typeof value === 'object' && value !== null
        ? `\u0000${JSON.stringify(value)}`
        : typeof value === 'string' && value.startsWith('\u0000')
          ? `\u0000${JSON.stringify(value)}`
          : value;
    let values = this.byKey?.get(key);
    let node = values?.get(valueKey);
    if (node !== undefined || !create) return node;
    this.byKey ??= new Map();
    if (values === undefined) {
      values = new Map();
      this.byKey.set(key, values);
    }
    node = new TrieNode();
    values.set(valueKey, node);
    return node;
  }
}

/** How many attribute sets an instrument caches by object contents. */
const TRIE_SIZE = 4096;

abstract class CellInstrument implements Bindable {
  private empty: Recorder | undefined = undefined;
  private readonly trie = new AttributeTrie(TRIE_SIZE);
  private readonly bindFn = (attributes: Attributes) => this.bind(attributes);

  constructor(
    readonly descriptor: InstrumentDescriptor,
    private readonly streams: readonly Stream[],
  ) {}

  bind(attributes: Attributes = {}): Recorder {
    const cells = this.streams.map((stream) => stream.cellFor(attributes));
    if (cells.length === 0) return NOTHING;
    if (cells.length === 1) return cells[0] as Recorder;
    return new Recorders(cells);
  }

  /** The SDK's SyncInstrument._record, then the attribute set's recorder. */
  protected measure(value: number, attributes: Attributes | undefined): void {
    let v = value;
    if (typeof v !== 'number') {
      diag.warn(
        `non-number value provided to metric ${this.descriptor.name}: ${String(v)}`,
      );
      return;
    }
    if (this.descriptor.valueType === ValueType.INT && !Number.isInteger(v)) {
      diag.warn(
        `INT value type cannot accept a floating-point value for ${this.descriptor.name}, ignoring the fractional digits.`,
      );
      v = Math.trunc(v);
      if (!Number.isInteger(v)) return;
    }
    const recorder =
      attributes === undefined
        ? (this.empty ??= this.bind())
        : this.trie.get(attributes, this.bindFn);
    recorder.record(v);
  }
}

export class CellCounter extends CellInstrument implements Counter {
  add(value: number, attributes?: Attributes): void {
    if (value < 0) {
      diag.warn(
        `negative value provided to counter ${this.descriptor.name}: ${value}`,
      );
      return;
    }
    this.measure(value, attributes);
  }
}

export class CellUpDownCounter extends CellInstrument implements UpDownCounter {
  add(value: number, attributes?: Attributes): void {
    this.measure(value, attributes);
  }
}

export class CellHistogram extends CellInstrument implements Histogram {
  record(value: number, attributes?: Attributes): void {
    if (value < 0) {
      diag.warn(
        `negative value provided to histogram ${this.descriptor.name}: ${value}`,
      );
      return;
    }
    this.measure(value, attributes);
  }
}

/** An SDK instrument (the fallback) with `bind`: each record then hashes as the SDK does. */
export function bindableSdkInstrument<
  T extends Counter | UpDownCounter | Histogram,
>(instrument: T): T & Bindable {
  const record =
    'add' in instrument
      ? (value: number, attributes: Attributes) =>
          instrument.add(value, attributes)
      : (value: number, attributes: Attributes) =>
          (instrument as Histogram).record(value, attributes);
  return Object.assign(instrument, {
    bind: (attributes: Attributes = {}): Recorder => ({
      record: (value: number) => record(value, attributes),
    }),
  });
}
