/**
 * A flame-graph summary of a V8 .cpuprofile (what `node --cpu-prof` writes): which functions and
 * which packages/files the CPU time went to. Pure: takes the parsed JSON.
 *
 * Self time = time a function was on top of the stack. Inclusive time of a package = time any
 * of its functions was anywhere on the stack (counted once per sample even when it appears at
 * several depths), which shows the cost of wrappers such as instrumentation hooks whose own
 * self time is small.
 */

/** The subset of the .cpuprofile (Chrome DevTools Profiler.Profile) format used here. */
export interface CpuProfile {
  nodes: CpuProfileNode[];
  /** Microseconds. */
  startTime: number;
  endTime: number;
  /** Node id on top of the stack for each sample. */
  samples: number[];
  /** Microseconds since the previous sample (the first: since startTime). */
  timeDeltas: number[];
}

export interface CpuProfileNode {
  id: number;
  callFrame: {
    functionName: string;
    url: string;
    lineNumber: number;
    columnNumber?: number;
  };
  children?: number[];
}

export interface FunctionCost {
  functionName: string;
  /** Group (package/file) and 1-based line, e.g. "@opentelemetry/sdk-trace:123". */
  location: string;
  group: string;
  selfMs: number;
}

export interface GroupCost {
  group: string;
  selfMs: number;
  inclusiveMs: number;
}

export interface ProfileSummary {
  /** Wall time covered by the profile. */
  totalMs: number;
  /** Time in (idle): the event loop waiting for I/O. */
  idleMs: number;
  /** totalMs − idleMs: what percentages below are relative to. */
  busyMs: number;
  /** Samples inside the window (all of them without one). */
  samples: number;
  /** Descending by self time. */
  functions: FunctionCost[];
  /** Descending by self time. */
  groups: GroupCost[];
  /** Self time of every @opentelemetry/* package together, and the share of busy time. */
  openTelemetrySelfMs: number;
}

export interface SummariseOptions {
  /** Absolute paths under it are shown relative to it (e.g. the workspace root). */
  rootDir?: string;
  /**
   * Only count time inside this window, in the profile's clock (microseconds of the monotonic
   * clock, the same as process.hrtime.bigint() / 1000n on Linux): e.g. just the measured load,
   * without start-up and warm-up.
   */
  window?: { startUs: number; endUs: number };
}

const IDLE = '(idle)';

export function summariseCpuProfile(
  profile: CpuProfile,
  options: SummariseOptions = {},
): ProfileSummary {
  validate(profile);
  const nodesById = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node.id);

  const { self: selfUs, samples } = selfTimeByNode(profile, options.window);
  const groupOfNode = new Map(
    profile.nodes.map((node) => [
      node.id,
      groupOf(node.callFrame, options.rootDir),
    ]),
  );

  const functions = new Map<string, FunctionCost>();
  const groups = new Map<string, GroupCost>();
  const groupEntry = (group: string) => {
    let entry = groups.get(group);
    if (!entry)
      groups.set(group, (entry = { group, selfMs: 0, inclusiveMs: 0 }));
    return entry;
  };
  const pathGroupsMemo = new Map<number, readonly string[]>();
  const pathGroups = (id: number): readonly string[] => {
    const memo = pathGroupsMemo.get(id);
    if (memo) return memo;
    // Iterative walk up to the first memoised ancestor: stacks can be deeper than JS recursion likes.
    const chain: number[] = [];
    let cursor: number | undefined = id;
    while (cursor !== undefined && !pathGroupsMemo.has(cursor)) {
      chain.push(cursor);
      cursor = parentOf.get(cursor);
    }
    let inherited: readonly string[] =
      cursor === undefined
        ? []
        : (pathGroupsMemo.get(cursor) as readonly string[]);
    for (let i = chain.length - 1; i >= 0; i--) {
      const nodeId = chain[i] as number;
      const group = groupOfNode.get(nodeId) as string;
      const own = inherited.includes(group) ? inherited : [...inherited, group];
      pathGroupsMemo.set(nodeId, own);
      inherited = own;
    }
    return pathGroupsMemo.get(id) as readonly string[];
  };

  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = nodesById.get(id) as CpuProfileNode;
    const group = groupOfNode.get(id) as string;
    if (node.callFrame.functionName === IDLE) idleUs += us;
    const ms = us / 1000;
    groupEntry(group).selfMs += ms;
    for (const onStack of pathGroups(id)) groupEntry(onStack).inclusiveMs += ms;

    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName}\u0000${url}\u0000${lineNumber}`;
    let fn = functions.get(key);
    if (!fn) {
      const name = functionName === '' ? '(anonymous)' : functionName;
      const location = url === '' ? group : `${group}:${lineNumber + 1}`;
      functions.set(
        key,
        (fn = { functionName: name, location, group, selfMs: 0 }),
      );
    }
    fn.selfMs += ms;
  }
  // The synthetic root is on every stack; it says nothing.
  groups.delete('(root)');

  const from = Math.max(
    profile.startTime,
    options.window?.startUs ?? profile.startTime,
  );
  const to = Math.min(
    profile.endTime,
    options.window?.endUs ?? profile.endTime,
  );
  const totalMs = Math.max(0, to - from) / 1000;
  const idleMs = idleUs / 1000;
  const sortedGroups = [...groups.values()].sort((a, b) => b.selfMs - a.selfMs);
  return {
    totalMs,
    idleMs,
    busyMs: totalMs - idleMs,
    samples,
    functions: [...functions.values()].sort((a, b) => b.selfMs - a.selfMs),
    groups: sortedGroups,
    openTelemetrySelfMs: sortedGroups
      .filter((g) => g.group.startsWith('@opentelemetry/'))
      .reduce((sum, g) => sum + g.selfMs, 0),
  };
}

/**
 * Charges each sample with the time until the next one (the last: until endTime), as Chrome
 * DevTools does; timeDeltas[i] is the gap BEFORE sample i. With a window, only the part of each
 * sample's interval inside it counts.
 */
function selfTimeByNode(
  profile: CpuProfile,
  window?: SummariseOptions['window'],
): { self: Map<number, number>; samples: number } {
  const self = new Map<number, number>();
  let samples = 0;
  const from = window?.startUs ?? Number.NEGATIVE_INFINITY;
  const to = window?.endUs ?? Number.POSITIVE_INFINITY;
  let timestamp = profile.startTime;
  const stamps = profile.timeDeltas.map((delta) => (timestamp += delta));
  for (let i = 0; i < profile.samples.length; i++) {
    const start = stamps[i] as number;
    const end =
      i + 1 < stamps.length ? (stamps[i + 1] as number) : profile.endTime;
    const duration = Math.max(0, Math.min(end, to) - Math.max(start, from));
    if (duration === 0) continue;
    samples++;
    const id = profile.samples[i] as number;
    self.set(id, (self.get(id) ?? 0) + duration);
  }
  return { self, samples };
}

/**
 * What a frame is charged to: the npm package for code under node_modules, `node:<module>` for
 * Node's own JavaScript, the file (relative to rootDir) for application code, and V8's
 * pseudo-frames ((garbage collector), (program), (idle)) as themselves.
 */
export function groupOf(
  callFrame: CpuProfileNode['callFrame'],
  rootDir?: string,
): string {
  const { url, functionName } = callFrame;
  if (url === '')
    return functionName.startsWith('(') ? functionName : '(native)';
  const path = url.startsWith('file://')
    ? decodeURIComponent(url.slice('file://'.length))
    : url;
  const marker = '/node_modules/';
  const at = path.lastIndexOf(marker);
  if (at >= 0) {
    const [first, second] = path.slice(at + marker.length).split('/');
    return first?.startsWith('@') && second
      ? `${first}/${second}`
      : (first ?? path);
  }
  if (path.startsWith('node:')) return path;
  if (rootDir && path.startsWith(`${rootDir.replace(/\/$/, '')}/`))
    return path.slice(rootDir.replace(/\/$/, '').length + 1);
  return path;
}

function validate(profile: CpuProfile): void {
  if (
    !Array.isArray(profile?.nodes) ||
    !Array.isArray(profile.samples) ||
    !Array.isArray(profile.timeDeltas)
  ) {
    throw new Error(
      'not a V8 CPU profile: expected nodes, samples and timeDeltas arrays',
    );
  }
  if (profile.samples.length !== profile.timeDeltas.length) {
    throw new Error(
      `malformed CPU profile: ${profile.samples.length} samples but ${profile.timeDeltas.length} time deltas`,
    );
  }
  const ids = new Set(profile.nodes.map((n) => n.id));
  const unknown = profile.samples.find((id) => !ids.has(id));
  if (unknown !== undefined)
    throw new Error(
      `malformed CPU profile: sample refers to unknown node ${unknown}`,
    );
}
