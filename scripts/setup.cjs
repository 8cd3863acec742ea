#!/usr/bin/env node
/**
 * Step 1 of the README (`npm run setup`): install the workspace under the Node release it pins.
 *
 * `.npmrc` has `engine-strict=true`, so `npm ci` refuses to run on a Node older than the root
 * package.json's `engines` (and so do the OpenTelemetry and Nx packages, which need Node >= 22).
 * On a machine whose Node is older (many still have 20), this script first installs the pinned
 * release from the npm registry's `node` package into `.tools/` (its preinstall fetches the
 * official binary; `allowScripts` there allows exactly that), then runs `npm ci` with that Node
 * first on PATH. On the pinned release already, it is just `npm ci`. Extra arguments go to npm ci.
 *
 * Plain CommonJS without dependencies: it must run on any Node >= 18 before anything is installed.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, writeFileSync } = require('node:fs');
const { delimiter, join, resolve } = require('node:path');

const root = resolve(__dirname, '..');
const pinned = require(join(root, 'package.json')).devDependencies.node;
if (!/^\d+\.\d+\.\d+$/.test(pinned ?? '')) {
  process.stderr.write(
    `setup: package.json must pin devDependencies.node to an exact version, got ${JSON.stringify(pinned)}\n`,
  );
  process.exit(1);
}

function run(command, args, options) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) {
    process.stderr.write(`setup: cannot run ${command}: ${result.error.message}\n`);
    process.exit(1);
  }
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npmCiArgs = ['ci', ...process.argv.slice(2)];

if (process.versions.node === pinned) {
  run(npm, npmCiArgs, { cwd: root });
  process.exit(0);
}

const tools = join(root, '.tools', `node-${pinned}`);
const bin = join(tools, 'node_modules', '.bin');
if (!existsSync(join(bin, process.platform === 'win32' ? 'node.cmd' : 'node'))) {
  process.stdout.write(
    `setup: Node ${process.versions.node} here; installing Node ${pinned} into ${tools}\n`,
  );
  mkdirSync(tools, { recursive: true });
  writeFileSync(
    join(tools, 'package.json'),
    `${JSON.stringify(
      {
        name: 'otel-dice-node',
        private: true,
        description: 'The Node release the workspace pins, installed by scripts/setup.cjs',
        dependencies: { node: pinned },
        allowScripts: { node: true },
      },
      null,
      2,
    )}\n`,
  );
  run(npm, ['install', '--no-audit', '--no-fund', '--no-package-lock'], { cwd: tools });
}
const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` };
run(npm, npmCiArgs, { cwd: root, env });
