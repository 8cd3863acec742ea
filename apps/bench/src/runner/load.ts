/**
 * HTTP load with autocannon: keep-alive connections against one URL for a fixed time, closed
 * loop (each connection sends its next request when the previous answer arrived) or paced at an
 * overall rate.
 */
import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSec: number;
  /** Pace to this many req/s in total; omitted = as fast as the server answers. */
  overallRate?: number;
}

export interface LoadResult {
  /** Measured by autocannon, seconds. */
  durationSec: number;
  requests: number;
  /** Connection errors + timeouts + non-2xx responses. */
  failures: number;
  /** Every response's latency in ms, unrounded (autocannon's own histogram rounds to 1 ms). */
  latenciesMs: Float64Array;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let latencies = new Float64Array(64 * 1024);
  let count = 0;
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSec,
    overallRate: options.overallRate,
    pipelining: 1,
    timeout: 10,
  });
  instance.on('response', (_client, _statusCode, _bytes, responseTime) => {
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[count++] = responseTime;
  });
  const result = await instance;
  return {
    durationSec: result.duration,
    requests: count,
    failures: result.errors + result.timeouts + result.non2xx,
    latenciesMs: latencies.slice(0, count),
  };
}
