#!/usr/bin/env node
// Docker build step: fail the image build when an esbuild bundle require()s a package that the
// production install next to it does not provide.
//
// The apps are bundled with their workspace libraries inlined but npm packages left external, so
// the bundle's external requires must all be satisfied by the pruned package.json. A package missing
// from it would otherwise only show at the container's first start (MODULE_NOT_FOUND).
//
// usage: node verify-bundle-requires.cjs <bundle.js>   (resolves from the bundle's directory)
'use strict';
const { readFileSync } = require('node:fs');
const { isBuiltin } = require('node:module');
const { dirname, resolve } = require('node:path');

const bundle = resolve(process.argv[2] ?? 'main.js');
const source = readFileSync(bundle, 'utf8');

const requested = new Set();
for (const match of source.matchAll(/\brequire\((["'])([^"'\n]+)\1\)/g))
  requested.add(match[2]);
const external = [...requested].filter(
  (id) => !isBuiltin(id) && !id.startsWith('.') && !id.startsWith('/'),
);

const missing = external.filter((id) => {
  try {
    require.resolve(id, { paths: [dirname(bundle)] });
    return false;
  } catch {
    return true;
  }
});

if (missing.length > 0) {
  process.stderr.write(
    `${bundle} requires packages the production install does not provide: ${missing.join(', ')}\n` +
      'Declare them (or the workspace library that needs them) in the app package.json dependencies.\n',
  );
  process.exit(1);
}
process.stdout.write(
  `${bundle}: all ${external.length} external packages resolve\n`,
);
