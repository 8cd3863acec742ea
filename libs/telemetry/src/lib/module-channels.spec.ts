import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

// Jest's own module system stands in for require(), so Node's channels are tried in a real
// Node process, running this file's TypeScript directly (Node 24 strips the types).
const major = Number(process.versions.node.split('.')[0]);
const runnable = major >= 24;
if (!runnable)
  process.stdout.write(
    `module-channels.spec: skipped: Node ${process.versions.node} cannot run TypeScript directly (needs 24+)\n`,
  );
const itWithNode24 = runnable ? it : it.skip;

function run(script: string): unknown {
  const out = execFileSync(process.execPath, ['-e', script], {
    cwd: __dirname,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '' },
  });
  return JSON.parse(out.trim().split('\n').pop() as string);
}

describe('watchModuleLoads (a real Node)', () => {
  itWithNode24(
    'tells each require before it loads, and the first import once; nothing after stop',
    () => {
      const result = run(`
        const { watchModuleLoads } = require(${JSON.stringify(join(__dirname, 'module-channels.ts'))});
        const required = [];
        let imports = 0;
        const watch = watchModuleLoads({
          require: (id, parent) => required.push([id, typeof parent]),
          firstImport: () => imports++,
        });
        require('node:path');
        require('node:url');
        import('node:os')
          .then(() => import('node:util'))
          .then(() => {
            watch.stop();
            require('node:zlib');
            console.log(JSON.stringify({ watching: watch !== undefined, required, imports }));
          });
      `);
      expect(result).toEqual({
        watching: true,
        required: [
          ['node:path', 'string'],
          ['node:url', 'string'],
        ],
        imports: 1,
      });
    },
  );
});
