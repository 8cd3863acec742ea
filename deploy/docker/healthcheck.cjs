#!/usr/bin/env node
// Container health check for the apps built by the root Dockerfile: GET /healthz on the port the app
// listens on, exit 0 on a 2xx answer within 2.5 s, 1 otherwise (refused, timeout, non-2xx).
//
// Each app reads its port from its own variable (the seed's APP_PORT for dice-api, PLAYER_PORT for
// dice-player), so the check follows the same variable and default; APP is set by the Dockerfile.
//
// usage: node healthcheck.cjs              probe, exit 0/1
//        node healthcheck.cjs --print-url  print the URL it would probe (image build step)
'use strict';

/** app -> [port variable, default port]; keep in step with the apps' config.ts. */
const PORTS = {
  'dice-api': ['APP_PORT', 5000],
  'dice-player': ['PLAYER_PORT', 5001],
};

const app = process.env.APP;
const entry = PORTS[app];
if (entry === undefined) {
  process.stderr.write(
    `healthcheck: APP=${JSON.stringify(app)} is not one of ${Object.keys(PORTS).join(', ')}; add it to deploy/docker/healthcheck.cjs\n`,
  );
  process.exit(1);
}
const [variable, fallback] = entry;
const url = `http://127.0.0.1:${process.env[variable] || fallback}/healthz`;

if (process.argv.includes('--print-url')) {
  process.stdout.write(`${app}: health check probes ${url}\n`);
  process.exit(0);
}

fetch(url, { signal: AbortSignal.timeout(2500) }).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
);
