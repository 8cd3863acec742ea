// The drain Job's watcher (drain-job.mjs puts this file into the Job): polls the collector's own
// metrics until every exporter queue it drains reports 0 items for DRAIN_SETTLE_SECONDS, then exits
// 0 and the Job completes (the kubelet then stops the collector, whose queues are empty). Exits 1
// when DRAIN_TIMEOUT_SECONDS pass first, naming what is still queued: the claim is kept, nothing is
// lost, look at the collector's log (the store may be down).
//
// A persistent queue's otelcol_exporter_queue_size counts a batch until the backend acknowledged it
// (exporterhelper 0.159, persistent_queue.go: the size drops in onDone, not when a batch is read),
// so 0 means everything was delivered, not merely taken out of the queue.
//
// Environment: METRICS_URL (the collector's telemetry endpoint), DRAIN_EXPORTERS (comma-separated
// exporter ids), DRAIN_SETTLE_SECONDS (default 15), DRAIN_POLL_SECONDS (5),
// DRAIN_TIMEOUT_SECONDS (21600).

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') {
    console.error(`drain: ${name} is not set`);
    process.exit(2);
  }
  return value;
};
const seconds = (name, fallback) => {
  const value = Number(env(name, fallback));
  if (!Number.isFinite(value) || value < 0) {
    console.error(
      `drain: ${name} is not a number of seconds: ${process.env[name]}`,
    );
    process.exit(2);
  }
  return value * 1000;
};

const metricsUrl = env('METRICS_URL');
const exporters = env('DRAIN_EXPORTERS')
  .split(',')
  .map((e) => e.trim())
  .filter(Boolean);
const settleMs = seconds('DRAIN_SETTLE_SECONDS', '15');
const pollMs = seconds('DRAIN_POLL_SECONDS', '5');
const timeoutMs = seconds('DRAIN_TIMEOUT_SECONDS', '21600');

/** Label value of `name` in a sample line's label set, or undefined. */
function label(labels, name) {
  const match = new RegExp(`(?:^|,)${name}="((?:[^"\\\\]|\\\\.)*)"`).exec(
    labels,
  );
  return match ? match[1] : undefined;
}

/** Sums per exporter of the samples of one metric family (with or without a _total suffix). */
function perExporter(text, metric) {
  const sums = new Map();
  const sample = new RegExp(`^${metric}(?:_total)?\\{([^}]*)\\}\\s+(\\S+)`);
  for (const line of text.split('\n')) {
    const match = sample.exec(line);
    if (!match) continue;
    const exporter = label(match[1], 'exporter');
    if (exporter === undefined) continue;
    sums.set(exporter, (sums.get(exporter) ?? 0) + Number(match[2]));
  }
  return sums;
}

function describe(sizes) {
  return exporters
    .map(
      (e) =>
        `${e}: ${sizes.has(e) ? `${sizes.get(e)} queued` : 'no queue metric yet'}`,
    )
    .join(', ');
}

function delivered(text) {
  const parts = [];
  for (const [what, metric] of [
    ['sent', 'otelcol_exporter_sent_spans'],
    ['sent', 'otelcol_exporter_sent_log_records'],
    ['failed for good or retried', 'otelcol_exporter_send_failed_spans'],
    ['failed for good or retried', 'otelcol_exporter_send_failed_log_records'],
  ]) {
    const items = metric.endsWith('spans') ? 'spans' : 'log records';
    for (const [exporter, value] of perExporter(text, metric))
      if (exporters.includes(exporter) && value > 0)
        parts.push(`${exporter} ${what} ${value} ${items}`);
  }
  return parts.length > 0 ? parts.join('; ') : 'nothing was waiting';
}

const started = Date.now();
let emptySince;
let lastSizes = new Map();
let lastText = '';
let lastProblem = '';
for (;;) {
  try {
    const response = await fetch(metricsUrl, {
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    lastText = await response.text();
    lastSizes = perExporter(lastText, 'otelcol_exporter_queue_size');
    const empty = exporters.every((e) => lastSizes.get(e) === 0);
    if (empty) {
      emptySince ??= Date.now();
      if (Date.now() - emptySince >= settleMs) {
        console.log(
          `drain: done, every queue empty for ${settleMs / 1000} s (${describe(lastSizes)}); ${delivered(lastText)}`,
        );
        process.exit(0);
      }
    } else {
      emptySince = undefined;
      console.log(`drain: ${describe(lastSizes)}`);
    }
    lastProblem = '';
  } catch (error) {
    const problem = `waiting for the collector's metrics at ${metricsUrl} (${error.message})`;
    if (problem !== lastProblem) console.log(`drain: ${problem}`);
    lastProblem = problem;
  }
  if (Date.now() - started >= timeoutMs) {
    console.error(
      `drain: gave up after ${timeoutMs / 1000} s, still queued: ${describe(lastSizes)}. The volume keeps it; see the collector's log, fix the cause, and run the drain again.`,
    );
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, pollMs));
}
