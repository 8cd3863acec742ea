import { withLibraryDependency, withLibraryReference } from './workspace';

describe('withLibraryDependency', () => {
  it('adds the library to dependencies, sorted, keeping everything else', () => {
    expect(
      withLibraryDependency(
        { name: 'a', dependencies: { zod: '^3', express: '^5' } },
        '*',
      ),
    ).toEqual({
      name: 'a',
      dependencies: { '@otel-dice/telemetry': '*', express: '^5', zod: '^3' },
    });
  });

  it('changes nothing when it is already a dependency or devDependency', () => {
    expect(
      withLibraryDependency(
        { dependencies: { '@otel-dice/telemetry': '^0.0.1' } },
        '*',
      ),
    ).toBeUndefined();
    expect(
      withLibraryDependency(
        { devDependencies: { '@otel-dice/telemetry': '*' } },
        '*',
      ),
    ).toBeUndefined();
  });
});

describe('withLibraryReference', () => {
  const path = '../../libs/telemetry/tsconfig.lib.json';

  it('adds the reference, creating the list when there is none', () => {
    expect(withLibraryReference({ include: ['src'] }, path)).toEqual({
      include: ['src'],
      references: [{ path }],
    });
  });

  it('recognises an existing reference in any of the spellings nx and people use', () => {
    for (const existing of [
      path,
      '../../libs/telemetry',
      '../../libs/telemetry/tsconfig.json',
      '../../libs/telemetry/',
    ]) {
      expect(
        withLibraryReference({ references: [{ path: existing }] }, path),
      ).toBeUndefined();
    }
  });
});
