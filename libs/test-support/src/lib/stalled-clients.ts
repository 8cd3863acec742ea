/**
 * Clients that do not read their answers, on raw sockets to 127.0.0.1, and what the server
 * process holds meanwhile (the e2e suites' attacks, ISSUE 20):
 * - `pipelineAndStall`: one connection writes many requests at once and never reads an answer.
 *   Node's own client cannot shrink its receive buffer (SO_RCVBUF), so the kernel takes a few
 *   MB of answers on its side before the server has to hold the rest; the attack is the same.
 * - `serverConnections`: the connections the server process still holds, read from
 *   /proc/net/tcp — the client cannot tell, since a socket it does not read never sees the close.
 * - `watchServer`: RSS and held connections sampled until they are all closed or a deadline.
 * - `probeHealth`: a normal client asking GET /healthz the whole time.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { httpGet } from './http.js';
import { readRssBytes } from './proc-status.js';

export interface StalledClient {
  readonly socket: Socket;
  /** The client's port, as the server sees it. */
  readonly localPort: Promise<number>;
}

/** Connects, writes `count` copies of `GET target` at once, and never reads. */
export function pipelineAndStall(
  port: number,
  target: string,
  count: number,
): StalledClient {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined); // a reset at the end is the expected outcome
  const localPort = new Promise<number>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.pause();
      socket.write(
        `GET ${target} HTTP/1.1\r\nHost: dice\r\n\r\n`.repeat(count),
      );
      resolve(socket.localPort ?? 0);
    });
  });
  return { socket, localPort };
}

export interface TcpRow {
  readonly localPort: number;
  readonly remotePort: number;
  /** Hex state of /proc/net/tcp: 01 established, 0A listen, 08 close-wait, … */
  readonly state: string;
  /** 0 when no process owns the socket any more (closed, in FIN-WAIT/TIME-WAIT). */
  readonly inode: number;
}

/** The rows of /proc/net/tcp or /proc/net/tcp6. Pure. */
export function parseProcNetTcp(text: string): TcpRow[] {
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 10)
    .map(([, local = '', remote = '', state = '', , , , , , inode = '']) => ({
      localPort: parseInt(local.split(':')[1] ?? '', 16),
      remotePort: parseInt(remote.split(':')[1] ?? '', 16),
      state,
      inode: Number(inode),
    }));
}

/**
 * Connections to `port` that a process still holds (not listening, owner alive), optionally only
 * those from the given client ports. Linux only, like the rest of the suite's /proc readings.
 */
export function serverConnections(
  port: number,
  fromPorts?: ReadonlySet<number>,
): number {
  const rows = ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((path) =>
    parseProcNetTcp(readFileSync(path, 'utf8')),
  );
  return rows.filter(
    (row) =>
      row.localPort === port &&
      row.state !== '0A' &&
      row.inode !== 0 &&
      (fromPorts === undefined || fromPorts.has(row.remotePort)),
  ).length;
}

export interface ServerWatch {
  readonly peakRssBytes: number;
  /** ms from the start until no watched connection was held; undefined if some outlived it. */
  readonly allClosedAfterMs: number | undefined;
  /** The most watched connections held at once. */
  readonly mostHeld: number;
}

/**
 * Samples `pid`'s RSS and the held connections every 50 ms until none is held or `deadlineMs`.
 * A connection the client opened is held by the server only once accepted, so an empty count
 * ends the watch only after one was seen, or after `settleMs` (clients still connecting, or
 * closed by the server before the first look).
 */
export async function watchServer(
  pid: number,
  held: () => number,
  deadlineMs: number,
  settleMs = 2_000,
): Promise<ServerWatch> {
  const started = performance.now();
  let peakRssBytes = readRssBytes(pid);
  let mostHeld = 0;
  for (;;) {
    const now = held();
    mostHeld = Math.max(mostHeld, now);
    peakRssBytes = Math.max(peakRssBytes, readRssBytes(pid));
    const elapsed = performance.now() - started;
    if (now === 0 && (mostHeld > 0 || elapsed >= settleMs))
      return { peakRssBytes, allClosedAfterMs: elapsed, mostHeld };
    if (elapsed > deadlineMs)
      return { peakRssBytes, allClosedAfterMs: undefined, mostHeld };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface HealthProbe {
  /** Stops asking; resolves with what the normal client got. */
  stop(): Promise<HealthReport>;
}

export interface HealthReport {
  readonly answered: number;
  /** Requests with no 200 (another status, an error, or no answer within 10 s). */
  readonly failed: number;
  readonly slowestMs: number;
}

/** GET `url` every `everyMs`, one after the other, each with a 10 s deadline. */
export function probeHealth(url: string, everyMs = 250): HealthProbe {
  let running = true;
  let answered = 0;
  let failed = 0;
  let slowestMs = 0;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const { status } = await httpGet(url, { timeoutMs: 10_000 });
        if (status === 200) answered += 1;
        else failed += 1;
      } catch {
        failed += 1;
      }
      slowestMs = Math.max(slowestMs, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { answered, failed, slowestMs: Math.round(slowestMs) };
    },
  };
}
