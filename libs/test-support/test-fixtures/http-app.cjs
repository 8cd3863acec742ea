// Minimal stand-in for an app under test, used by process.spec.ts only.
// Behaviour is chosen by env so one file covers: healthy start, invalid port, ignoring SIGTERM.
'use strict';
const http = require('node:http');

const host = process.env.APP_HOST_NAME;
const port = Number(process.env.APP_PORT);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`invalid APP_PORT ${JSON.stringify(process.env.APP_PORT)}`);
  process.exit(2);
}

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  } else if (req.url === '/env') {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify(process.env));
  } else {
    res.writeHead(404).end();
  }
});

server.listen(port, host, () => {
  console.log(JSON.stringify({ level: 30, msg: 'listening', host, port }));
  console.error('a plain stderr line');
});

process.on('SIGTERM', () => {
  if (process.env.IGNORE_SIGTERM === '1') {
    console.log(JSON.stringify({ level: 40, msg: 'ignoring SIGTERM' }));
    return;
  }
  server.close(() => {
    console.log(JSON.stringify({ level: 30, msg: 'bye' }));
    process.exit(0);
  });
});
