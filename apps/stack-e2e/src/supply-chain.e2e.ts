/**
 * ISSUE 13 — CI hygiene and the supply chain, checked on the files that decide them: CI never
 * kills a process by name and installs no system service; npm refuses unreviewed install scripts
 * and a Node or npm outside `engines`; the README asks for the npm that enforces `allowScripts`;
 * the install runs under the pinned Node; an audit step runs where the registry answers.
 * ISSUE 20 — the Node toolchain is pinned with integrity in package-lock.json (platform packages
 * as optional dependencies, no install script), and no image build installs anything unpinned.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { repoPath } from './support/paths.js';

const read = (path: string) => readFileSync(repoPath(path), 'utf8');
const ciScripts = readdirSync(repoPath('.ci')).map((name) => `.ci/${name}`);
/** Lines that run something (comments stripped). */
const commands = (text: string) =>
  text
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean);

describe('CI', () => {
  it.each(ciScripts)('%s never kills a process by name', (script) => {
    for (const line of commands(read(script)))
      expect({ script, line }).not.toEqual({
        script,
        line: expect.stringMatching(/\b(pkill|killall)\b|\bkill\b.*\$\(pgrep/),
      });
  });

  it.each(ciScripts)(
    '%s starts, stops or installs no system service',
    (script) => {
      for (const line of commands(read(script)))
        expect({ script, line }).not.toEqual({
          script,
          line: expect.stringMatching(
            /\bservice\s+\S+\s+(start|stop|restart)\b|\bsystemctl\b|apt-get install[^|;&]*\bprometheus\b/,
          ),
        });
    },
  );

  it('uses prometheus from the workspace, and the README’s install and test commands', () => {
    const run = commands(read('.ci/run'));
    expect(run).toContain('bash .ci/prometheus.sh');
    expect(run).toContain('export PATH="$PWD/.tools/prometheus/usr/bin:$PATH"');
    expect(run).toContain('npm run setup');
    expect(
      run.indexOf('node scripts/node-toolchain.cjs --check'),
    ).toBeGreaterThan(-1);
    expect(run.indexOf('node scripts/node-toolchain.cjs --check')).toBeLessThan(
      run.indexOf('npm run setup'),
    );
    expect(run).toContain('npm test');
    expect(run).toContain('bash .ci/audit.sh');
    const readme = read('README.md');
    expect(readme).toContain('npm run setup && npm start');
    expect(readme).toMatch(/^npm test\b/m);
  });

  it('audits where the registry answers, and says so where it does not, without passing silently', () => {
    const audit = read('.ci/audit.sh');
    expect(audit).toContain('npm audit --omit=dev --audit-level=high');
    expect(audit).toMatch(/does not answer audit requests.*NOT audited/);
  });
});

describe('npm', () => {
  const npmrc = commands(read('.npmrc'));
  const pkg = JSON.parse(read('package.json')) as {
    engines: Record<string, string>;
    allowScripts: Record<string, boolean>;
    devDependencies: Record<string, string>;
    scripts: Record<string, string>;
  };

  it('refuses unreviewed install scripts and a Node or npm outside engines', () => {
    expect(npmrc).toContain('strict-allow-scripts=true');
    expect(npmrc).toContain('engine-strict=true');
  });

  it('allows no install script at all', () => {
    expect(
      Object.entries(pkg.allowScripts).filter(
        ([, allowed]) => allowed !== false,
      ),
    ).toEqual([]);
  });

  it('asks in engines and in the README for the npm that enforces allowScripts (11.16)', () => {
    expect(pkg.engines['npm']).toBe('>=11.16');
    expect(read('README.md')).toContain('npm ≥ 11.16');
    expect(pkg.scripts['setup']).toBe('node scripts/setup.cjs');
  });
});
