/**
 * The floor's metric records: cumulative cells found by their attribute values, one Map lookup
 * per attribute (values are the same few strings and numbers request after request, so the
 * lookups hit, and no attribute set is sorted, serialized or hashed as a whole). A reader would
 * collect the cells; recording is the per-request part, and all the floor measures.
 */

/** `http.server.request.duration`'s advisory bucket boundaries (semantic conventions), in seconds. */
export const HTTP_DURATION_BOUNDARIES: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

export class HistogramCell {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  readonly buckets: Float64Array;

  constructor(private readonly boundaries: readonly number[]) {
    this.buckets = new Float64Array(boundaries.length + 1);
  }

  record(value: number): void {
    const boundaries = this.boundaries;
    let i = 0;
    while (i < boundaries.length && value > (boundaries[i] as number)) i++;
    this.buckets[i]++;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }
}

export class CounterCell {
  value = 0;

  add(value: number): void {
    if (value >= 0) this.value += value;
  }
}

type Nested<C> = Map<unknown, Nested<C> | C>;

/**
 * Cells keyed by a fixed list of attribute values, in a fixed order: nested maps, one level per
 * attribute. `cell()` makes a missing cell (a real SDK would also cap how many: the
 * cardinality limit, 2000 by default).
 */
export class CellTable<C> {
  private readonly root: Nested<C> = new Map();
  size = 0;

  constructor(
    private readonly depth: number,
    private readonly make: () => C,
    private readonly limit = 2000,
  ) {}

  cell(a: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown): C | undefined {
    let level = this.root;
    for (let i = 0; i < this.depth; i++) {
      const key = i === 0 ? a : i === 1 ? b : i === 2 ? c : i === 3 ? d : e;
      let next = level.get(key);
      if (next === undefined) {
        if (i === this.depth - 1) {
          if (this.size >= this.limit) return undefined;
          const made = this.make();
          this.size++;
          level.set(key, made);
          return made;
        }
        next = new Map();
        level.set(key, next);
      }
      if (i === this.depth - 1) return next as C;
      level = next as Nested<C>;
    }
    return undefined;
  }
}
