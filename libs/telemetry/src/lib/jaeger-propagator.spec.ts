import {
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import { W3CBaggagePropagator } from '@opentelemetry/core';
import { JaegerPropagator, parseUberTraceId } from './jaeger-propagator.js';

describe('parseUberTraceId', () => {
  it.each([
    [
      '4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1',
      {
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        sampled: true,
      },
    ],
    [
      // 64-bit trace id and a short span id, padded; URL-encoded colons
      'a3ce929d0e0e4736%3Af067aa0ba902b7%3A0%3A0',
      {
        traceId: '0000000000000000a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        sampled: false,
      },
    ],
    [
      // debug flag (2) implies sampled
      'ABC:DEF:0:2',
      {
        traceId: '00000000000000000000000000000abc',
        spanId: '0000000000000def',
        sampled: true,
      },
    ],
  ])('%s', (raw, expected) => {
    expect(parseUberTraceId(raw)).toEqual(expected);
  });

  it.each([
    'abc:def:0',
    'xyz:def:0:1',
    '0:def:0:1',
    'abc:0000:0:1',
    'abc:def:0:100',
    `${'a'.repeat(33)}:def:0:1`,
    'abc%zz:def:0:1',
  ])('rejects %s', (raw) => {
    expect(parseUberTraceId(raw)).toBeUndefined();
  });
});

describe('JaegerPropagator', () => {
  const propagator = new JaegerPropagator();

  it('continues a trace from uber-trace-id and its uberctx baggage', () => {
    const carrier = {
      'uber-trace-id': '4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1',
      'uberctx-tenant': 'acme%20corp',
    };
    const extracted = propagator.extract(
      ROOT_CONTEXT,
      carrier,
      defaultTextMapGetter,
    );
    expect(trace.getSpanContext(extracted)).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    expect(propagation.getBaggage(extracted)?.getEntry('tenant')?.value).toBe(
      'acme corp',
    );
  });

  it('injects the span context and baggage in the same format', () => {
    let ctx = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.NONE,
    });
    ctx = propagation.setBaggage(
      ctx,
      propagation.createBaggage({ tenant: { value: 'a b' } }),
    );
    const carrier: Record<string, string> = {};
    propagator.inject(ctx, carrier, defaultTextMapSetter);
    expect(carrier).toEqual({
      'uber-trace-id': '4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:00',
      'uberctx-tenant': 'a%20b',
    });
  });

  it('leaves the context alone when there is nothing valid to extract', () => {
    const extracted = propagator.extract(
      context.active(),
      { 'uber-trace-id': 'garbage' },
      defaultTextMapGetter,
    );
    expect(trace.getSpanContext(extracted)).toBeUndefined();
    expect(new W3CBaggagePropagator().fields()).not.toContain('uber-trace-id');
    expect(propagator.fields()).toEqual(['uber-trace-id']);
  });
});
