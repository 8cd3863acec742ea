import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ENVIRONMENT,
  LIBRARY_VARIABLES,
  MODEL_VARIABLES,
  unusedVariableNotes,
  WITH_A_FILE,
} from './known-variables.js';
import { readVariables } from './values.js';

const README = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
/** The "Every variable" table of the library README. */
const table = README.slice(
  README.indexOf('### Every variable'),
  README.indexOf('\n\n', README.indexOf('| variable')),
);

describe('the known variables', () => {
  it('are in the README’s table, every library variable by name or as `_SUFFIX` of its row', () => {
    const rows = table.split('\n').filter((row) => row.startsWith('| `'));
    for (const name of LIBRARY_VARIABLES) {
      const family = /^TELEMETRY_[A-Z]+/.exec(name)?.[0] ?? name;
      const suffix = name.slice(family.length);
      const row = rows.find(
        (r) =>
          r.includes(`\`${name}\``) ||
          (r.includes(`\`${family}_`) && r.includes(`\`${suffix}\``)),
      );
      expect({ name, row: row !== undefined }).toEqual({ name, row: true });
    }
    for (const name of ['OTEL_CONFIG_FILE', 'OTEL_EXPORTER_PROMETHEUS_PORT'])
      expect(MODEL_VARIABLES).toContain(name);
  });

  it('are not named in the “not used” note; a misspelling under a checked prefix is', () => {
    const set = [...MODEL_VARIABLES, ...LIBRARY_VARIABLES].sort();
    expect(unusedVariableNotes(set)).toEqual([]);
    expect(
      unusedVariableNotes(
        [
          ...set,
          'TELEMETRY_HTTP_TRUSTED_PROXY',
          'TELEMETRY_API_KEY', // not a prefix of the library's
        ].sort(),
      ),
    ).toEqual([
      'not used by @otel-dice/telemetry (misspelt, or meant for another SDK): TELEMETRY_HTTP_TRUSTED_PROXY',
    ]);
    // with a configuration file, OTEL_* are the file's business; the library's are still checked
    expect(
      unusedVariableNotes(['OTEL_TYPO', 'TELEMETRY_PROMETHEUS_CACHE'], true),
    ).toEqual([
      'not used by @otel-dice/telemetry (misspelt, or meant for another SDK): TELEMETRY_PROMETHEUS_CACHE',
    ]);
  });

  it('with a configuration file, are the library’s own and OTEL_SERVICE_NAME only: the file says the rest', () => {
    const env = {
      OTEL_TRACES_EXPORTER: 'zipkin', // would be refused without a file
      OTEL_SERVICE_NAME: 'shop',
      TELEMETRY_HTTP_INSTRUMENTATION: 'upstream',
    };
    expect(readVariables<typeof ENVIRONMENT>(env, WITH_A_FILE).values).toEqual({
      OTEL_SERVICE_NAME: 'shop',
      TELEMETRY_HTTP_INSTRUMENTATION: 'upstream',
    });
    expect(() => readVariables(env, ENVIRONMENT)).toThrow(
      /^OTEL_TRACES_EXPORTER="zipkin" is invalid/,
    );
  });
});
