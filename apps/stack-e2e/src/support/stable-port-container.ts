import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { LoopbackContainer } from './loopback-container.js';

/**
 * A LoopbackContainer whose published ports lie below the kernel's ephemeral port range.
 *
 * Docker hands out published host ports one after the other from the ephemeral range, the same
 * range the kernel picks from for `listen(0)` and outgoing connections. Other suites running at the
 * same time (Nx runs e2e targets in parallel) reserve a port that way and bind it a moment later;
 * a container published in between takes it from them (seen: dice-api-e2e failing with EADDRINUSE
 * on the port Docker had just given this suite). Below the range only explicit binds compete.
 * Where the range cannot be read (not Linux), Docker chooses as usual.
 */
export class StablePortContainer extends LoopbackContainer {
  protected override async beforeContainerCreated(): Promise<void> {
    await super.beforeContainerCreated();
    for (const bindings of Object.values(this.hostConfig.PortBindings ?? {})) {
      for (const binding of bindings as Array<{ HostPort?: string }>) {
        if (binding.HostPort && binding.HostPort !== '0') continue;
        const port = await portBelowEphemeralRange();
        if (port !== undefined) binding.HostPort = String(port);
      }
    }
  }
}

/** Lowest port handed out: clear of well-known and most registered service ports. */
const LOWEST_PORT = 10_000;
const ATTEMPTS = 50;
/** Ports this process gave out, so two containers started together never get the same one. */
const handedOut = new Set<number>();

/** The kernel's ephemeral range from `ip_local_port_range` text ("32768\t60999"). Pure. */
export function parsePortRange(
  text: string,
): { low: number; high: number } | undefined {
  const match = /^\s*(\d+)\s+(\d+)\s*$/.exec(text);
  if (!match) return undefined;
  const low = Number(match[1]);
  const high = Number(match[2]);
  return low > 0 && low <= high && high <= 65535 ? { low, high } : undefined;
}

function ephemeralPortRange(): { low: number; high: number } | undefined {
  try {
    return parsePortRange(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'),
    );
  } catch {
    return undefined;
  }
}

/** A port in [10000, start of the ephemeral range) that 127.0.0.1 can bind right now. */
async function portBelowEphemeralRange(): Promise<number | undefined> {
  const range = ephemeralPortRange();
  if (!range || range.low <= LOWEST_PORT) return undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = randomInt(LOWEST_PORT, range.low);
    if (handedOut.has(port) || !(await canBind(port))) continue;
    handedOut.add(port);
    return port;
  }
  return undefined;
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
