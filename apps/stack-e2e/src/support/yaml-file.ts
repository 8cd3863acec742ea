import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseDocument } from 'yaml';
import { repoRoot } from './paths.js';

/**
 * Parses a YAML file strictly (duplicate keys are errors, as they are for the collector and
 * compose) and returns the plain JS value. Errors name the file and the position.
 */
export function readYaml(path: string): unknown {
  const document = parseDocument(readFileSync(path, 'utf8'), {
    uniqueKeys: true,
    prettyErrors: true,
    // `<<: *anchor` merge keys, as compose (YAML 1.1) reads them
    merge: true,
  });
  if (document.errors.length > 0) {
    const where = relative(repoRoot, path);
    throw new Error(
      `${where} is not valid YAML:\n${document.errors.map((e) => e.message).join('\n')}`,
    );
  }
  return document.toJS();
}

export type YamlMap = Record<string, unknown>;

export function isMap(value: unknown): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The map at `key`, or an error naming the path when it is missing or not a map. */
export function mapAt(parent: YamlMap, key: string, where: string): YamlMap {
  const value = parent[key];
  if (!isMap(value))
    throw new Error(
      `${where}: expected a map at "${key}", got ${JSON.stringify(value)}`,
    );
  return value;
}

/** `key` as a list of strings ([] when absent); anything else is an error naming the path. */
export function stringListAt(
  parent: YamlMap,
  key: string,
  where: string,
): string[] {
  const value = parent[key];
  if (value === undefined || value === null) return [];
  if (
    !Array.isArray(value) ||
    !value.every((v): v is string => typeof v === 'string')
  ) {
    throw new Error(
      `${where}: expected a list of strings at "${key}", got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
