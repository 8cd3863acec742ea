import {
  checkStartupBudgets,
  startupReport,
  startupVariants,
  summariseStartup,
  type StartupSample,
} from './startup.js';

const MiB = 1024 * 1024;

describe('the start-up benchmark', () => {
  it('compares, per app, no telemetry with the library and, for the shop, the upstream register', () => {
    expect(startupVariants(['plain']).map((v) => v.name)).toEqual([
      'none',
      'library-before',
      'library',
    ]);
    const shop = startupVariants(['plain', 'shop']).filter(
      (v) => v.app === 'shop',
    );
    expect(shop.map((v) => v.name)).toEqual([
      'none',
      'library',
      'library-5',
      'upstream',
    ]);
    expect(shop.find((v) => v.name === 'upstream')?.nodeArgs).toEqual([
      '--require',
      '@opentelemetry/auto-instrumentations-node/register',
    ]);
  });

  it('takes medians and checks the budgets', () => {
    const variants = startupVariants(['plain', 'shop']);
    const sample = (
      app: 'plain' | 'shop',
      variant: string,
      startMs: number,
      rss: number,
    ): StartupSample => ({
      app,
      variant,
      startMs,
      startCpuMs: startMs / 2,
      settledCpuMs: startMs,
      rssBytes: rss * MiB,
    });
    const samples = [
      sample('plain', 'none', 100, 50),
      sample('plain', 'library-before', 200, 80),
      sample('plain', 'library-before', 220, 82),
      sample('plain', 'library', 210, 85),
      sample('plain', 'library', 230, 95),
      sample('shop', 'library', 600, 120),
      sample('shop', 'upstream', 1000, 150),
    ];
    const rows = summariseStartup(variants, samples);
    expect(
      rows.find((r) => r.app === 'plain' && r.variant === 'library'),
    ).toMatchObject({
      runs: 2,
      startMs: 220,
      startMinMs: 210,
      startMaxMs: 230,
      settledCpuMs: 220,
      rssMiB: 90,
    });
    expect(
      checkStartupBudgets(rows).map((c) => [c.budget.slice(0, 30), c.met]),
    ).toEqual([
      ['plain app: start-up of the def', true],
      ['plain app: RSS of the default ', false],
      ['plain app: start-up CPU of the', true],
      ['shop: start-up CPU of the libr', true],
      ['shop: start-up of the library ', true],
    ]);
    const report = startupReport(rows, checkStartupBudgets(rows));
    expect(report).toContain('| plain | library: library default');
    expect(report).toMatch(/\|\s+220 ms \|\s+210–230 ms \|\s+2\.20× \|/);
    expect(report).toContain('CPU 4 s after listening (22 requests), median');
    expect(report).toMatch(
      /\|\s+110 ms \|\s+2\.20× \|\s+220 ms \|\s+2\.20× \|\s+90 MiB \|/,
    );
    expect(report).toMatch(/\|\s+NO \|/);
  });
});
