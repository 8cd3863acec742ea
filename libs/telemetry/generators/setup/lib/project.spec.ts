import {
  normalizeDirectory,
  resolveProject,
  toProjectRef,
  type ProjectRef,
} from './project';

const PROJECTS: ProjectRef[] = [
  { name: '@acme/shop', root: 'apps/shop', application: true },
  { name: '@acme/cart', root: 'apps/cart', application: true },
  { name: 'telemetry', root: 'libs/telemetry', application: false },
  { name: '@acme/ui', root: 'libs/ui', application: false },
];

describe('resolveProject', () => {
  it.each([
    ['@acme/shop', '@acme/shop'],
    ['apps/shop', '@acme/shop'],
    ['./apps/shop/', '@acme/shop'],
    ['apps\\shop', '@acme/shop'],
    ['shop', '@acme/shop'],
    ['telemetry', 'telemetry'],
    // a library by its short name: found, so the generator can say it is a library
    ['ui', '@acme/ui'],
  ])('%s -> %s', (requested, name) => {
    expect(resolveProject(requested, PROJECTS)).toEqual({
      kind: 'found',
      name,
    });
  });

  it('prefers the application when a short name also names a library', () => {
    const projects = [
      ...PROJECTS,
      { name: '@acme/shop-lib', root: 'libs/shop', application: false },
    ];
    expect(resolveProject('shop', projects)).toEqual({
      kind: 'found',
      name: '@acme/shop',
    });
  });

  it('names the candidates when a short name is ambiguous', () => {
    const projects = [
      ...PROJECTS,
      { name: '@other/shop', root: 'apps/other/shop', application: true },
    ];
    expect(resolveProject('shop', projects)).toEqual({
      kind: 'not-found',
      message:
        '"shop" names more than one project: @acme/shop (apps/shop), @other/shop (apps/other/shop). Pass one of these names.',
    });
  });

  it('lists the applications when nothing answers', () => {
    expect(resolveProject('shopp', PROJECTS)).toEqual({
      kind: 'not-found',
      message:
        'Cannot find project "shopp" (by name, directory or short name). Applications in this workspace: @acme/cart (apps/cart), @acme/shop (apps/shop).',
    });
    expect(resolveProject('x', [])).toEqual({
      kind: 'not-found',
      message: 'Cannot find project "x": this workspace has no projects.',
    });
  });
});

describe('toProjectRef', () => {
  it('recognises an app by its type, its serve target or its build entry', () => {
    expect(
      toProjectRef('a', { root: 'a', projectType: 'application' }),
    ).toMatchObject({ application: true });
    expect(
      toProjectRef('b', { root: 'b', targets: { serve: {} } }),
    ).toMatchObject({ application: true });
    expect(
      toProjectRef('c', {
        root: 'c',
        targets: { build: { options: { main: 'c/src/main.ts' } } },
      }),
    ).toMatchObject({ application: true });
    expect(
      toProjectRef('d', {
        root: 'd',
        projectType: 'library',
        targets: { serve: {} },
      }),
    ).toMatchObject({ application: false });
    expect(toProjectRef('e', { root: 'e' })).toMatchObject({
      application: false,
    });
  });
});

describe('normalizeDirectory', () => {
  it('drops ./, trailing and doubled slashes', () => {
    expect(normalizeDirectory('./apps//shop/')).toBe('apps/shop');
  });
});
