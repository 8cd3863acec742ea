// Used by process.spec.ts to prove that children do not outlive a killed test process:
// starts `argv[2..]` as its own child, prints that child's pid, then waits to be SIGKILLed.
'use strict';
const { spawn } = require('node:child_process');

const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { env: process.env, stdio: 'ignore' });
console.log(JSON.stringify({ childPid: child.pid }));
setInterval(() => undefined, 1000);
