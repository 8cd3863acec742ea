/**
 * The benchmark measures the project's Node (`.nvmrc`), not whichever `node` is first on PATH:
 * the same build of dice-api costs several times more CPU per request on Node 20 than on 24, so a
 * report from another Node compares nothing with the published ones. `npx nx run bench:…` (or
 * npm scripts) put the pinned Node first; running `node apps/bench/dist/main.js` with the system
 * Node is the easy mistake this catches.
 */

/** Why this Node may not run the benchmark, or undefined when it is the pinned one. Pure. */
export function nodeMismatch(
  running: string,
  pinned: string,
  allowOther: boolean,
): string | undefined {
  const want = pinned.trim().replace(/^v/, '');
  const have = running.replace(/^v/, '');
  if (want === '' || have === want || allowOther) return undefined;
  return `this is Node ${have}, the project runs on ${want} (.nvmrc): run it through npx nx run bench:… (or put node_modules/.bin first on PATH); BENCH_ANY_NODE=1 measures this Node anyway`;
}
