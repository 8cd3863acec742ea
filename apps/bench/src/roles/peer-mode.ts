/**
 * `PEER_TRACER`: `on` (default) starts a peer's tracer; `off` runs the same app with the tracer
 * never started — the peer's own baseline for "telemetry CPU per request". Anything else is an
 * error naming the variable. Its own module, free of express, so a peer's entry can read it
 * before its tracer patches anything.
 */
export type PeerTracerMode = 'on' | 'off';

export function peerTracerMode(env: NodeJS.ProcessEnv): PeerTracerMode {
  const value = env['PEER_TRACER'] ?? 'on';
  if (value === 'on' || value === 'off') return value;
  throw new Error(`PEER_TRACER must be "on" or "off", got ${JSON.stringify(value)}`);
}

/** Reads the mode, or prints one line naming the variable and exits 1. */
export function peerTracerModeOrExit(name: string, env: NodeJS.ProcessEnv = process.env): PeerTracerMode {
  try {
    return peerTracerMode(env);
  } catch (error) {
    process.stderr.write(`${name}: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
