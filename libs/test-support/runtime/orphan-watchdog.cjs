// Preloaded (node -r) into every child started by @otel-dice/test-support.
// If the test process that spawned this child dies without cleaning up (e.g. a jest worker
// killed on timeout), the child is re-parented and would keep its port and CPU forever.
// Detect the re-parenting and end the child. The timer is unref'd, so it never keeps the
// app alive and does not change how or when the app exits on its own.
'use strict';
const originalParent = process.ppid;
const timer = setInterval(() => {
  if (process.ppid !== originalParent) process.kill(process.pid, 'SIGKILL');
}, 1000);
timer.unref();
