import {
  ROOT_CONTEXT,
  SamplingDecision,
  SpanKind,
  trace,
  TraceFlags,
  type Context,
} from '@opentelemetry/api';
import type { SamplerModel } from '../config/model.js';
import { createSampler } from '../sdk-traces.js';
import { wordHex } from './ids.js';
import { compileSampler, foldTraceId, Parent, ratioBound } from './sampling.js';

const PARENTS: [Parent, string, (traceId: string) => Context][] = [
  [Parent.None, 'no parent', () => ROOT_CONTEXT],
  ...(
    [
      [Parent.LocalSampled, TraceFlags.SAMPLED, false],
      [Parent.LocalNotSampled, TraceFlags.NONE, false],
      [Parent.RemoteSampled, TraceFlags.SAMPLED, true],
      [Parent.RemoteNotSampled, TraceFlags.NONE, true],
    ] as const
  ).map(
    ([parent, traceFlags, isRemote]) =>
      [
        parent,
        `${isRemote ? 'remote' : 'local'} parent, flags ${traceFlags}`,
        (traceId: string) =>
          trace.setSpanContext(ROOT_CONTEXT, {
            traceId,
            spanId: '00f067aa0ba902b7',
            traceFlags,
            isRemote,
          }),
      ] as [Parent, string, (traceId: string) => Context],
  ),
];

const SAMPLERS: [string, SamplerModel | undefined][] = [
  ['the default', undefined],
  ['always_on', { always_on: {} }],
  ['always_off', { always_off: {} }],
  ['traceidratio 0.25', { trace_id_ratio_based: { ratio: 0.25 } }],
  ['traceidratio without a ratio', { trace_id_ratio_based: {} }],
  [
    'parentbased(traceidratio 0.5)',
    { parent_based: { root: { trace_id_ratio_based: { ratio: 0.5 } } } },
  ],
  ['parentbased(always_off)', { parent_based: { root: { always_off: {} } } }],
  [
    'parentbased with every delegate turned around, one of them parent-based itself',
    {
      parent_based: {
        root: { always_off: {} },
        remote_parent_sampled: { always_off: {} },
        remote_parent_not_sampled: { trace_id_ratio_based: { ratio: 0.5 } },
        local_parent_sampled: { parent_based: { root: { always_off: {} } } },
        local_parent_not_sampled: { always_on: {} },
      },
    },
  ],
];

/** Deterministic trace ids spread over the whole range (a multiplicative hash of the index). */
function traceIds(count: number): number[][] {
  return Array.from({ length: count }, (_, i) =>
    [1, 2, 3, 4].map((k) => Math.imul(i * 4 + k, 0x9e3779b1) >>> 0),
  );
}

describe('compileSampler', () => {
  it.each(SAMPLERS)(
    '%s decides as the SDK sampler of the same model',
    (_name, model) => {
      const decide = compileSampler(model);
      const sdk = createSampler(model);
      for (const words of traceIds(200)) {
        const traceId = words.map(wordHex).join('');
        for (const [parent, label, context] of PARENTS) {
          const expected =
            sdk.shouldSample(
              context(traceId),
              traceId,
              'span',
              SpanKind.INTERNAL,
              {},
              [],
            ).decision === SamplingDecision.RECORD_AND_SAMPLED;
          const [t0, t1, t2, t3] = words as [number, number, number, number];
          expect([
            label,
            traceId,
            decide(parent, foldTraceId(t0, t1, t2, t3)),
          ]).toEqual([label, traceId, expected]);
        }
      }
    },
  );

  it("bounds a ratio as the SDK's TraceIdRatioBasedSampler normalizes it", () => {
    expect(ratioBound(1)).toBe(2 ** 32);
    expect(ratioBound(7)).toBe(2 ** 32);
    expect(ratioBound(0.5)).toBe(Math.floor(0.5 * 4294967295));
    expect(ratioBound(0)).toBe(0);
    expect(ratioBound(-1)).toBe(0);
    expect(ratioBound(NaN)).toBe(0);
    expect(ratioBound('0.5')).toBe(0);
  });

  it('folds a trace id into one unsigned word', () => {
    expect(foldTraceId(0xffffffff, 0, 0, 0)).toBe(0xffffffff);
    expect(foldTraceId(0x0f0f0f0f, 0xf0f0f0f0, 0, 1)).toBe(0xfffffffe);
  });
});
