import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unusedVariableNotes } from './from-env.js';
import { LIBRARY_VARIABLES, MODEL_VARIABLES } from './known-variables.js';

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
    const env = Object.fromEntries(
      [...MODEL_VARIABLES, ...LIBRARY_VARIABLES].map((name) => [name, '1']),
    );
    expect(unusedVariableNotes(env)).toEqual([]);
    expect(
      unusedVariableNotes({
        ...env,
        TELEMETRY_HTTP_TRUSTED_PROXY: '10.0.0.1',
        TELEMETRY_API_KEY: 'x', // not a prefix of the library's
      }),
    ).toEqual([
      'not used by @otel-dice/telemetry (misspelt, or meant for another SDK): TELEMETRY_HTTP_TRUSTED_PROXY',
    ]);
    // with a configuration file, OTEL_* are the file's business; the library's are still checked
    expect(
      unusedVariableNotes(
        { OTEL_TYPO: '1', TELEMETRY_PROMETHEUS_CACHE: '0' },
        true,
      ),
    ).toEqual([
      'not used by @otel-dice/telemetry (misspelt, or meant for another SDK): TELEMETRY_PROMETHEUS_CACHE',
    ]);
  });
});
