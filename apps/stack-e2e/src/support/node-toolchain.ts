/**
 * scripts/node-toolchain.cjs (plain CommonJS, so that setup can run it before anything is
 * installed) with types: how package.json and package-lock.json pin the Node toolchain.
 */
import { createRequire } from 'node:module';
import { repoPath } from './paths.js';

export interface LockEntry {
  version: string;
  integrity?: string;
  os?: string | string[];
  cpu?: string | string[];
  bin?: Record<string, string>;
  optional?: boolean;
  dev?: boolean;
  hasInstallScript?: boolean;
  dependencies?: Record<string, string>;
  name?: string;
}
export interface PackageJson {
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  allowScripts?: Record<string, boolean | string>;
}
export interface Lock {
  packages: Record<string, LockEntry>;
}
export interface PlatformPackage {
  name: string;
  spec: string;
  entry: LockEntry;
}
export interface Toolchain {
  readWorkspace(root: string): { pkg: PackageJson; lock: Lock };
  toolchainProblems(pkg: PackageJson, lock: Lock): string[];
  pinnedRelease(pkg: PackageJson, lock: Lock): string;
  packageFor(
    pkg: PackageJson,
    lock: Lock,
    platform?: string,
    arch?: string,
  ): PlatformPackage | undefined;
  bootstrapProject(platformPackage: PlatformPackage): Record<string, string>;
  allowScriptsName(key: string): string;
}

export const toolchain = createRequire(__filename)(
  repoPath('scripts/node-toolchain.cjs'),
) as Toolchain;
