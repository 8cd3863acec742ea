import { nodeMismatch } from './node-version.js';

describe('nodeMismatch', () => {
  it('accepts the pinned version, with or without the v', () => {
    expect(nodeMismatch('v24.21.0', '24.21.0\n', false)).toBeUndefined();
    expect(nodeMismatch('24.21.0', 'v24.21.0', false)).toBeUndefined();
  });

  it('names both versions and the way out for any other', () => {
    expect(nodeMismatch('v20.20.2', '24.21.0\n', false)).toBe(
      'this is Node 20.20.2, the project runs on 24.21.0 (.nvmrc): run it through npx nx run bench:… (or put node_modules/.bin first on PATH); BENCH_ANY_NODE=1 measures this Node anyway',
    );
    expect(nodeMismatch('v24.20.0', '24.21.0', false)).toMatch(
      /^this is Node 24\.20\.0, the project runs on 24\.21\.0/,
    );
  });

  it('lets a deliberate run on another Node through', () => {
    expect(nodeMismatch('v20.20.2', '24.21.0', true)).toBeUndefined();
  });

  it('has nothing to compare with when no version is pinned', () => {
    expect(nodeMismatch('v20.20.2', '', false)).toBeUndefined();
  });
});
