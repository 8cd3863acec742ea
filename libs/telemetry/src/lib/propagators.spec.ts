import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import { createPropagator } from './propagators.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const sampled = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: TRACE_ID,
  spanId: SPAN_ID,
  traceFlags: TraceFlags.SAMPLED,
});

function inject(names: Parameters<typeof createPropagator>[0]) {
  const carrier: Record<string, string> = {};
  createPropagator(names).inject(sampled, carrier, defaultTextMapSetter);
  return carrier;
}

describe('createPropagator', () => {
  it('tracecontext,baggage by the W3C headers', () => {
    expect(inject(['tracecontext', 'baggage'])).toEqual({
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
    });
  });

  it('b3 as one header, b3multi as X-B3-* headers', () => {
    expect(inject(['b3'])).toEqual({ b3: `${TRACE_ID}-${SPAN_ID}-1` });
    expect(inject(['b3multi'])).toEqual({
      'x-b3-traceid': TRACE_ID,
      'x-b3-spanid': SPAN_ID,
      'x-b3-sampled': '1',
    });
  });

  it('continues an incoming B3 multi-header trace', () => {
    const extracted = createPropagator(['b3multi', 'tracecontext']).extract(
      ROOT_CONTEXT,
      { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': '1' },
      defaultTextMapGetter,
    );
    expect(trace.getSpanContext(extracted)).toMatchObject({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      isRemote: true,
    });
  });

  it('none: neither injects nor extracts', () => {
    expect(inject([])).toEqual({});
    const extracted = createPropagator([]).extract(
      ROOT_CONTEXT,
      { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` },
      defaultTextMapGetter,
    );
    expect(trace.getSpanContext(extracted)).toBeUndefined();
  });

  it('jaeger', () => {
    expect(inject(['jaeger'])).toEqual({
      'uber-trace-id': `${TRACE_ID}:${SPAN_ID}:0:01`,
    });
  });
});
