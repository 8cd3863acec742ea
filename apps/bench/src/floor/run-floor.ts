/**
 * The floor microbenchmark as a command (`main.js floor`): each part in a closed loop for a
 * fixed time after a warm-up, CPU time of this process (every thread: GC helpers included) per
 * iteration. Run by the bench as a child process once per round, so it sees the same machine
 * as the variants; alone it prints its own table.
 */
import { parseArgs } from 'node:util';
import { formatNumber, markdownTable } from '../lib/format.js';
import { createFloorApp, floorComponents } from './floor-request.js';

export interface FloorMeasurement {
  id: string;
  iterations: number;
  /** CPU (user + system, all threads) per iteration, µs. */
  cpuUs: number;
  /** Wall-clock time per iteration, µs. */
  wallUs: number;
}

/** What each measured id is, in the order the table prints them. */
export const FLOOR_PARTS: readonly { id: string; what: string }[] = [
  { id: 'request', what: 'one request, 100 % sampled: all of the below together' },
  { id: 'request-10', what: 'one request, 10 % of traces sampled (parent-based ratio)' },
  { id: 'ids', what: '10 random 32-bit words from the pooled buffer (1 trace id + 3 span ids)' },
  { id: 'context', what: '3 AsyncLocalStorage runs (nested as in the request) with getStore()' },
  { id: 'spans', what: '3 spans started and ended: ids, 6 clock reads, 13 attributes, not encoded' },
  { id: 'metrics', what: '3 metric records: duration histogram (5 attributes), 2 counters' },
  { id: 'encode', what: '3 spans encoded to OTLP protobuf, batches of 512 framed' },
];

/** Calls `fn(i)` for `durationMs` after `warmupMs`, in chunks, and reports the cost of one call. */
export function measure(id: string, fn: (i: number) => void, durationMs: number, warmupMs: number): FloorMeasurement {
  let i = 0;
  const warmupEnd = performance.now() + warmupMs;
  while (performance.now() < warmupEnd) for (let k = 0; k < 256; k++) fn(i++);
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const end = start + durationMs;
  let iterations = 0;
  let now = start;
  while (now < end) {
    for (let k = 0; k < 256; k++) fn(i++);
    iterations += 256;
    now = performance.now();
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { id, iterations, cpuUs: (cpu.user + cpu.system) / iterations, wallUs: ((now - start) * 1000) / iterations };
}

/**
 * Measures the parts asked for. The bytes every batch produced are counted and checked against
 * the spans encoded, so a part that silently stopped encoding fails instead of looking cheap.
 */
export function runFloor(ids: readonly string[], durationMs: number, warmupMs: number): FloorMeasurement[] {
  let bytes = 0;
  let batchedSpans = 0;
  const send = (request: Uint8Array, spans: number) => {
    bytes += request.length;
    batchedSpans += spans;
  };
  const full = createFloorApp(send, 1);
  const sampled = createFloorApp(send, 0.1);
  const parts: Record<string, (i: number) => void> = {
    request: (i) => full.request(i),
    'request-10': (i) => sampled.request(i),
    ...floorComponents(send),
  };
  return ids.map((id) => {
    const fn = parts[id];
    if (!fn) throw new Error(`no floor part "${id}" (parts: ${Object.keys(parts).join(', ')})`);
    const before = { bytes, batchedSpans };
    const result = measure(id, fn, durationMs, warmupMs);
    if ((id === 'request' || id === 'encode') && (bytes === before.bytes || batchedSpans < before.batchedSpans + 512)) {
      throw new Error(`floor part "${id}" framed no batch while measured`);
    }
    return result;
  });
}

export function formatFloorTable(results: readonly FloorMeasurement[]): string {
  const what = new Map(FLOOR_PARTS.map((p) => [p.id, p.what]));
  return markdownTable(
    ['part', 'what', 'CPU µs / request', 'wall µs / request', 'iterations'],
    results.map((r) => [
      r.id,
      what.get(r.id) ?? '',
      formatNumber(r.cpuUs, 2),
      formatNumber(r.wallUs, 2),
      formatNumber(r.iterations),
    ]),
    ['left', 'left', 'right', 'right', 'right'],
  );
}

export const FLOOR_USAGE = `Usage: node apps/bench/dist/main.js floor [--duration S] [--warmup S] [--parts ID[,ID]] [--json]
   or: npx nx run bench:floor [-- options]

The floor: one dice-api request's telemetry done the cheapest correct way (src/floor/), timed
in a closed loop, CPU µs per request. Parts: ${FLOOR_PARTS.map((p) => p.id).join(', ')}.

  --duration S   seconds per part (default 3)
  --warmup S     seconds of unmeasured calls per part first (default 1)
  --parts IDS    which parts (default all)
  --json         one JSON array on stdout instead of the table
`;

/** `main.js floor …`: prints the table (or JSON for the bench) and returns the exit code. */
export function floorCommand(argv: readonly string[]): number {
  let values;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        duration: { type: 'string' },
        warmup: { type: 'string' },
        parts: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    process.stderr.write(`floor: ${(error as Error).message}\n\n${FLOOR_USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(FLOOR_USAGE);
    return 0;
  }
  const seconds = (flag: string, raw: string | undefined, fallback: number) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw) || value > 600) throw new Error(`--${flag} must be seconds (0–600), got ${JSON.stringify(raw)}`);
    return value;
  };
  let results: FloorMeasurement[];
  try {
    const parts = values.parts?.split(',').map((p) => p.trim()) ?? FLOOR_PARTS.map((p) => p.id);
    const duration = seconds('duration', values.duration, 3);
    if (duration === 0) throw new Error('--duration must be more than 0');
    results = runFloor(parts, duration * 1000, seconds('warmup', values.warmup, 1) * 1000);
  } catch (error) {
    process.stderr.write(`floor: ${(error as Error).message}\n`);
    return 2;
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(results)}\n`);
  } else {
    process.stdout.write(
      `# The floor: one request's telemetry, minimal and correct — Node ${process.version}\n\n${formatFloorTable(results)}\n`,
    );
  }
  return 0;
}
