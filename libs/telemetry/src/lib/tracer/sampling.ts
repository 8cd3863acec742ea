/**
 * The configuration model's sampler as one function of the parent and the trace id: the same
 * decisions as the SDK samplers sdk-traces.ts builds from the same model (`createSampler`:
 * always_on, always_off, trace-id ratio, parent-based with its five delegates, nested), without
 * the objects a `shouldSample` call takes and returns.
 *
 * The trace-id ratio is the SDK's TraceIdRatioBasedSampler exactly: the trace id's four 32-bit
 * words xor-ed together, below `floor(ratio × (2^32 − 1))` (every id when the ratio is 1), so a
 * trace is sampled by this tracer exactly when the SDK would sample it.
 */
import type { SamplerModel } from '../config/model.js';

/** The parent of a new span, as the parent-based sampler tells them apart. */
export const Parent = {
  None: 0,
  LocalSampled: 1,
  LocalNotSampled: 2,
  RemoteSampled: 3,
  RemoteNotSampled: 4,
} as const;
export type Parent = (typeof Parent)[keyof typeof Parent];

/** true: record and sample; false: drop. `fold` = t0 ^ t1 ^ t2 ^ t3 of the trace id. */
export type Decide = (parent: Parent, fold: number) => boolean;

const ON: Decide = () => true;
const OFF: Decide = () => false;

/** The SDK's bound for a ratio (its `_normalize` and `_upperBound`). Pure. */
export function ratioBound(ratio: unknown): number {
  const r =
    typeof ratio !== 'number' || Number.isNaN(ratio)
      ? 0
      : ratio >= 1
        ? 1
        : ratio <= 0
          ? 0
          : ratio;
  return r === 1 ? 4294967296 : Math.floor(r * 4294967295);
}

/** The xor of a trace id's words, unsigned: what the ratio compares. Pure. */
export function foldTraceId(
  t0: number,
  t1: number,
  t2: number,
  t3: number,
): number {
  return (t0 ^ t1 ^ t2 ^ t3) >>> 0;
}

/** The model's sampler (undefined: the SDK's default, parentbased(always_on)) as a Decide. Pure. */
export function compileSampler(sampler: SamplerModel | undefined): Decide {
  if (!sampler)
    return parentBased(ON, undefined, undefined, undefined, undefined);
  if (sampler.always_on) return ON;
  if (sampler.always_off) return OFF;
  if (sampler.trace_id_ratio_based) {
    const bound = ratioBound(sampler.trace_id_ratio_based.ratio ?? 1);
    return (_parent, fold) => fold < bound;
  }
  const p = sampler.parent_based ?? {};
  const child = (s: SamplerModel | null | undefined) =>
    s ? compileSampler(s) : undefined;
  return parentBased(
    child(p.root) ?? ON,
    child(p.remote_parent_sampled),
    child(p.remote_parent_not_sampled),
    child(p.local_parent_sampled),
    child(p.local_parent_not_sampled),
  );
}

function parentBased(
  root: Decide,
  remoteSampled: Decide = ON,
  remoteNotSampled: Decide = OFF,
  localSampled: Decide = ON,
  localNotSampled: Decide = OFF,
): Decide {
  return (parent, fold) => {
    switch (parent) {
      case Parent.None:
        return root(parent, fold);
      case Parent.LocalSampled:
        return localSampled(parent, fold);
      case Parent.LocalNotSampled:
        return localNotSampled(parent, fold);
      case Parent.RemoteSampled:
        return remoteSampled(parent, fold);
      default:
        return remoteNotSampled(parent, fold);
    }
  };
}
