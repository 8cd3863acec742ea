import type {
  Attributes,
  Counter,
  Meter,
  MeterOptions,
  MeterProvider,
  MetricOptions,
  Observable,
  ObservableResult,
  UpDownCounter,
} from '@opentelemetry/api';

/**
 * The meter provider handed to the TracerProvider for its per-span self-metrics
 * (`otel.sdk.span.started`, `otel.sdk.span.live`): the same metrics, names, units, descriptions
 * and attributes, added up in plain numbers and reported when a reader collects.
 *
 * Why: the tracer updates them for every span it starts (started +1, and for a recording span
 * live +1 and −1), the spans the sampler drops included. Through the SDK's synchronous
 * instruments each update sorts and JSON-serializes its attribute object to find the series,
 * reads the clock and checks the value; these counters have a handful of series (parent origin
 * × sampling result), so a few Map lookups (see SeriesSums) do the same job. What that saves is
 * measured in docs/benchmarks.md.
 *
 * Counters and up-down counters become observable counters and observable up-down counters on the
 * wrapped meter: Prometheus shows the same `otel_sdk_span_started_total` counter and
 * `otel_sdk_span_live` gauge. Every other instrument is created on the wrapped meter as asked.
 * Meant for a few low-cardinality instruments: series beyond `maxSeries` per instrument are added
 * to one `otel.metric.overflow=true` series, as the SDK does.
 */
export class PreAggregatedMeterProvider implements MeterProvider {
  /** Instruments by meter and instrument name: asking for the same counter twice gives the same sums. */
  private readonly instruments = new Map<string, Counter & UpDownCounter>();

  constructor(
    private readonly target: MeterProvider,
    private readonly maxSeries = 2000,
  ) {}

  getMeter(name: string, version?: string, options?: MeterOptions): Meter {
    return preAggregatedMeter(
      this.target.getMeter(name, version, options),
      this.maxSeries,
      (instrument, create) => {
        const key = `${name}\u0000${instrument}`;
        let found = this.instruments.get(key);
        if (found === undefined) {
          found = create();
          this.instruments.set(key, found);
        }
        return found;
      },
    );
  }
}

function preAggregatedMeter(
  target: Meter,
  maxSeries: number,
  once: (
    name: string,
    create: () => Counter & UpDownCounter,
  ) => Counter & UpDownCounter,
): Meter {
  // Adds up in a SeriesSums and registers the observable instrument that reports it.
  const summed =
    (
      observable: (name: string, options?: MetricOptions) => Observable,
      monotonic: boolean,
    ) =>
    (name: string, options?: MetricOptions): Counter & UpDownCounter =>
      once(name, () => {
        const sums = new SeriesSums(maxSeries);
        observable(name, options).addCallback((result) =>
          sums.observeInto(result),
        );
        return {
          add(value: number, attributes?: Attributes) {
            // A counter ignores negative increments, as the SDK's does.
            if (!monotonic || value >= 0) sums.add(value, attributes);
          },
        };
      });
  // An object whose prototype is the wrapped meter: everything but the two overridden
  // factories (histograms, gauges, observables, batch callbacks) is the wrapped meter's own.
  const meter = Object.create(target) as Meter;
  meter.createCounter = summed(
    (name, options) => target.createObservableCounter(name, options),
    true,
  );
  meter.createUpDownCounter = summed(
    (name, options) => target.createObservableUpDownCounter(name, options),
    false,
  );
  return meter;
}

interface Series {
  readonly attributes: Attributes;
  value: number;
}

const OVERFLOW: Attributes = { 'otel.metric.overflow': true };

/** Running sums per attribute set. Exported for its unit test. */
export class SeriesSums {
  // A trie over (name, value) pairs in the caller's order: a few Map lookups with strings the
  // caller already holds, where a string key would be built and hashed on every add.
  private readonly root = new TrieNode();
  private count = 0;
  private overflowSeries: Series | undefined;

  constructor(private readonly maxSeries: number) {}

  add(value: number, attributes: Attributes = {}): void {
    if (!Number.isFinite(value)) return;
    let node = this.root;
    for (const name in attributes) {
      const attributeValue = attributes[name];
      node = node
        .child(name)
        .child(
          typeof attributeValue === 'object'
            ? JSON.stringify(attributeValue)
            : attributeValue,
        );
    }
    let series = node.series;
    if (series === undefined) {
      if (this.count >= this.maxSeries) {
        series = this.overflowSeries ??= { attributes: OVERFLOW, value: 0 };
      } else {
        series = node.series = { attributes: { ...attributes }, value: 0 };
        this.count += 1;
      }
    }
    series.value += value;
  }

  /** One observation per distinct attribute set (keys in any order count as the same set). */
  observeInto(result: ObservableResult): void {
    for (const { attributes, value } of this.snapshot())
      result.observe(value, attributes);
  }

  snapshot(): Series[] {
    const merged = new Map<string, Series>();
    const visit = (node: TrieNode) => {
      if (node.series) {
        const { attributes, value } = node.series;
        const key = canonicalKey(attributes);
        const seen = merged.get(key);
        if (seen) seen.value += value;
        else merged.set(key, { attributes, value });
      }
      for (const child of node.children.values()) visit(child);
    };
    visit(this.root);
    const all = [...merged.values()];
    if (this.overflowSeries) all.push({ ...this.overflowSeries });
    return all;
  }
}

class TrieNode {
  readonly children = new Map<unknown, TrieNode>();
  series: Series | undefined;

  child(key: unknown): TrieNode {
    let node = this.children.get(key);
    if (node === undefined) {
      node = new TrieNode();
      this.children.set(key, node);
    }
    return node;
  }
}

function canonicalKey(attributes: Attributes): string {
  return JSON.stringify(
    Object.keys(attributes)
      .sort()
      .map((name) => [name, attributes[name]]),
  );
}
