/**
 * The model's `propagator.composite` → one TextMapPropagator: the W3C pair and B3 from the OpenTelemetry packages,
 * Jaeger from this library (see jaeger-propagator.ts for why). Order is kept: on extract, a
 * later propagator's span context wins, as in the SDK's composite.
 */
import type { TextMapPropagator } from '@opentelemetry/api';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import type { PropagatorName, TelemetryConfig } from './config/model.js';
import { JaegerPropagator } from './jaeger-propagator.js';

/** B3's package is required only by a configuration that names it. */
function b3(encoding: 'SINGLE_HEADER' | 'MULTI_HEADER'): TextMapPropagator {
  const { B3Propagator, B3InjectEncoding } =
    require('@opentelemetry/propagator-b3') as typeof import('@opentelemetry/propagator-b3');
  return new B3Propagator({ injectEncoding: B3InjectEncoding[encoding] });
}

const FACTORIES: Record<PropagatorName, () => TextMapPropagator> = {
  tracecontext: () => new W3CTraceContextPropagator(),
  baggage: () => new W3CBaggagePropagator(),
  b3: () => b3('SINGLE_HEADER'),
  b3multi: () => b3('MULTI_HEADER'),
  jaeger: () => new JaegerPropagator(),
};

/** Empty list: a composite of nothing, which neither injects nor extracts (`none`). */
export function createPropagator(
  names: readonly PropagatorName[],
): TextMapPropagator {
  const propagators = names.map((name) => FACTORIES[name]());
  return propagators.length === 1
    ? propagators[0]
    : new CompositePropagator({ propagators });
}

/** The propagator names of the model's composite, in order (checked when it was resolved). */
export function propagatorNames(config: TelemetryConfig): PropagatorName[] {
  return (config.propagator?.composite ?? []).map(
    (entry) => Object.keys(entry)[0] as PropagatorName,
  );
}
