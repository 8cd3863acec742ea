import { appModuleName } from './app-module';

const none = () => false;

describe('appModuleName', () => {
  it('is app by default, server beside an app/ directory', () => {
    expect(
      appModuleName({
        requested: undefined,
        generatedEntry: undefined,
        taken: none,
      }),
    ).toBe('app');
    expect(
      appModuleName({
        requested: undefined,
        generatedEntry: undefined,
        taken: (n) => n === 'app',
      }),
    ).toBe('server');
  });

  it('keeps app when both are taken, so the move stops and asks for --appFile', () => {
    expect(
      appModuleName({
        requested: undefined,
        generatedEntry: undefined,
        taken: () => true,
      }),
    ).toBe('app');
  });

  it('takes --appFile, and after a first run the module the entry loads', () => {
    expect(
      appModuleName({
        requested: 'web',
        generatedEntry: undefined,
        taken: none,
      }),
    ).toBe('web');
    expect(
      appModuleName({
        requested: undefined,
        generatedEntry:
          "shutdownOnSignals(telemetry);\n\nrequire('./server.js');\n",
        taken: () => true,
      }),
    ).toBe('server');
  });
});
