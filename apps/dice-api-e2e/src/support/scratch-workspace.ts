/**
 * A throwaway copy of this workspace in which a test can do what a user does in a fresh clone:
 * `nx g`, `npm install`, `nx build`, `nx serve` — without touching the real checkout.
 *
 * The files are the ones git knows (tracked, or untracked and not ignored). node_modules is a
 * hard-linked copy: seconds instead of a full `npm ci`, and real directories, so an `npm install`
 * in the copy adds, moves and removes packages there only. What npm writes in place — its hidden
 * lockfiles — and the tool caches under node_modules/.cache are copied, not linked, so no write
 * reaches the original inode; `inPlaceWrites` checks that after the fact. Where hard links are
 * impossible (another file system), node_modules is copied whole.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface RunResult {
  readonly code: number | null;
  readonly output: string;
}

/** Why a scratch workspace cannot be made here, or undefined. Only truly missing tools count. */
export function scratchUnavailable(workspace: string): string | undefined {
  const git = spawnSync('git', ['ls-files', '--error-unmatch', 'nx.json'], {
    cwd: workspace,
    encoding: 'utf8',
  });
  if (git.error) return `git is not available (${git.error.message})`;
  if (git.status !== 0)
    return `${workspace} is not a git checkout (${git.stderr.trim()})`;
  if (!existsSync(join(workspace, 'node_modules', 'nx', 'package.json')))
    return 'node_modules is not installed';
  const cp = spawnSync('cp', ['--version'], { encoding: 'utf8' });
  if (cp.error || cp.status !== 0)
    return 'GNU cp is not available (needed to hard-link node_modules)';
  return undefined;
}

export interface ScratchWorkspace {
  readonly root: string;
  /** When node_modules was copied; files changed after it that still share an inode leak back. */
  readonly copiedAtMs: number;
  readonly linked: boolean;
}

export function copyWorkspace(workspace: string): ScratchWorkspace {
  const root = mkdtempSync(join(tmpdir(), 'otel-dice-scratch-'));
  const list = spawnSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    { cwd: workspace, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (list.status !== 0) throw new Error(`git ls-files failed: ${list.stderr}`);
  for (const file of new Set(list.stdout.split('\0').filter(Boolean))) {
    const from = join(workspace, file);
    if (!existsSync(from)) continue; // deleted in the working tree
    mkdirSync(dirname(join(root, file)), { recursive: true });
    copyFileSync(from, join(root, file));
  }
  const copiedAtMs = Date.now();
  const source = join(workspace, 'node_modules');
  const target = join(root, 'node_modules');
  const link = spawnSync('cp', ['-al', source, target], { encoding: 'utf8' });
  const linked = link.status === 0;
  if (!linked) {
    // e.g. EXDEV: the temp directory is on another file system.
    cpSync(source, target, { recursive: true, verbatimSymlinks: true });
  } else {
    for (const file of filesWrittenInPlace(target)) unlink(file);
  }
  return { root, copiedAtMs, linked };
}

/** npm's hidden lockfiles (rewritten in place by every install) and node_modules/.cache. */
function filesWrittenInPlace(nodeModules: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isFile() && entry.name === '.package-lock.json')
        found.push(path);
      else if (entry.isDirectory() && entry.name === '.cache' && depth === 0)
        collectFiles(path, found);
      // Hidden lockfiles sit in node_modules folders: <pkg>/node_modules/.package-lock.json.
      else if (entry.isDirectory() && depth < 6) walk(path, depth + 1);
    }
  };
  walk(nodeModules, 0);
  return found;
}

function collectFiles(dir: string, into: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) collectFiles(path, into);
    else if (entry.isFile()) into.push(path);
  }
}

/** Replaces a hard link with a copy of its own. */
function unlink(file: string): void {
  const copy = `${file}.scratch-copy`;
  copyFileSync(file, copy);
  renameSync(copy, file);
}

/**
 * Files of the scratch node_modules that are still hard links into the original and were
 * modified after the copy: each is a write that reached the real workspace. Should be empty.
 */
export function inPlaceWrites(scratch: ScratchWorkspace): string[] {
  if (!scratch.linked) return [];
  const changed: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        const stat = lstatSync(path);
        if (stat.nlink > 1 && stat.mtimeMs > scratch.copiedAtMs)
          changed.push(path);
      }
    }
  };
  walk(join(scratch.root, 'node_modules'));
  return changed;
}

/**
 * How this machine reaches the package registry (a proxy, the CA of one): what `npm install`
 * needs for a package that is not in its cache. Never npm_config_*: under `npm test` those name
 * the real workspace (npm_config_local_prefix), and npm in the copy would install there.
 */
const NETWORK_VARIABLES =
  /^(?:NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|HTTPS?_PROXY|NO_PROXY|https?_proxy|no_proxy)$/;

/**
 * The environment of every command in the copy: its own node_modules/.bin and this Node (24)
 * first, the network settings above, nothing from the outer nx or npm run
 * (NX_WORKSPACE_ROOT_PATH, npm_config_* and friends), plain output.
 */
export function scratchEnv(
  root: string,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const network = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => NETWORK_VARIABLES.test(key)),
  );
  const env: NodeJS.ProcessEnv = {
    ...network,
    PATH: `${join(root, 'node_modules', '.bin')}:${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`,
    HOME: process.env['HOME'],
    TMPDIR: process.env['TMPDIR'],
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_INTERACTIVE: 'false',
    NX_TUI: 'false',
    CI: 'true',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    ...extra,
  };
  for (const key of Object.keys(env))
    if (env[key] === undefined) delete env[key];
  return env;
}

/**
 * Runs `command` in the copy, in a process group of its own, killed whole (SIGKILL) after
 * `timeoutMs`. Prints one line per command with its duration: where a slow run spent its time.
 */
export function run(
  cwd: string,
  command: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<RunResult> {
  const started = Date.now();
  const shown = [command === process.execPath ? 'node' : command, ...args]
    .map((a) => a.replace(`${cwd}/`, ''))
    .join(' ');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, [...args], {
      cwd,
      env: scratchEnv(cwd),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
      reject(
        new Error(
          `${command} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${output}`,
        ),
      );
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      process.stdout.write(
        `scratch: ${shown}: exit ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
      resolvePromise({ code, output });
    });
  });
}

/** The copy's own nx, under this Node. */
export function nx(
  cwd: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<RunResult> {
  return run(
    cwd,
    process.execPath,
    [join(cwd, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), ...args],
    timeoutMs,
  );
}

export async function ok(result: Promise<RunResult>, what: string) {
  const { code, output } = await result;
  if (code !== 0) throw new Error(`${what} exited ${code}:\n${output}`);
  return output;
}

/** A long-running command (`nx serve`) in its own process group, stopped as a whole. */
export interface GroupProcess {
  output(): string;
  /** SIGTERM to the group, SIGKILL after `timeoutMs`; resolves when the leader has exited. */
  stop(timeoutMs?: number): Promise<void>;
  readonly exited: Promise<number | null>;
}

export function startGroup(
  cwd: string,
  command: string,
  args: readonly string[],
  env: Record<string, string>,
): GroupProcess {
  const child = spawn(command, [...args], {
    cwd,
    env: scratchEnv(cwd, env),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => resolve(code)),
  );
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // the group is gone already
    }
  };
  return {
    output: () => output,
    exited,
    async stop(timeoutMs = 10_000) {
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
      // Whatever the leader left behind in its group goes too.
      signalGroup('SIGKILL');
    },
  };
}
