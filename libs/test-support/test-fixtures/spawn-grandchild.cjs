// Used by process.spec.ts to prove the orphan watchdog: this process starts a child with the
// watchdog preloaded, prints the child's pid, and waits to be SIGKILLed by the test.
'use strict';
const { spawn } = require('node:child_process');

const [watchdog, app] = process.argv.slice(2);
const child = spawn(process.execPath, ['-r', watchdog, app], { env: process.env, stdio: 'ignore' });
console.log(JSON.stringify({ childPid: child.pid }));
setInterval(() => undefined, 1000);
