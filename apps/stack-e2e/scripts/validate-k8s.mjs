#!/usr/bin/env node
// Validates Kubernetes objects against the OpenAPI schema of Kubernetes 1.36 as packaged by
// kubernetes-models (npm), in two passes:
//
//  1. schema: each object's model class (chosen by apiVersion + kind) runs its generated JSON-schema
//     validator: types, required fields, enums, formats (int32, quantities, …).
//  2. fields: the same package's TypeScript interfaces, compiled with `tsc` as object literals, so
//     every field the API does not define is reported — what the API server's strict field
//     validation (kubectl apply --validate=strict, the default) rejects, and what pass 1 lets through
//     because Kubernetes' OpenAPI schemas do not close their objects.
//
// Reads a JSON array of objects on stdin; writes a JSON array of { index, id, problems[] } on stdout.
// It runs as its own ES-module process because kubernetes-models ships ES modules only.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const require = createRequire(join(repoRoot, 'package.json'));
const ts = require('typescript');

/** `apps/v1` -> `kubernetes-models/apps/v1`; the core group `v1` -> `kubernetes-models/v1`. */
const modulePath = (apiVersion) => `kubernetes-models/${apiVersion}`;

async function schemaProblems(object) {
  let models;
  try {
    models = await import(modulePath(object.apiVersion));
  } catch {
    return [`no schema for apiVersion ${object.apiVersion}`];
  }
  const Model = models[object.kind];
  if (typeof Model !== 'function')
    return [`no schema for ${object.apiVersion} ${object.kind}`];
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    const details = Array.isArray(error?.errors)
      ? error.errors.map((e) => `${e.instancePath || '/'} ${e.message}`)
      : [String(error?.message ?? error)];
    return details;
  }
}

/** One virtual TypeScript file: `const o<i>: I<Kind> = <object>;` per object, compiled with tsc. */
function fieldProblems(objects) {
  const lines = [];
  const starts = [];
  objects.forEach((object, i) => {
    starts.push(lines.length);
    lines.push(
      `import type { I${object.kind} as T${i} } from ${JSON.stringify(`${modulePath(object.apiVersion)}/${object.kind}`)};`,
    );
    for (const line of `const o${i}: T${i} = ${JSON.stringify(object, null, 1)};`.split(
      '\n',
    ))
      lines.push(line);
  });
  const fileName = join(repoRoot, 'apps/stack-e2e/__k8s_objects__.ts');
  const text = `${lines.join('\n')}\nexport {};\n`;
  const options = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => (f === fileName ? text : readFile(f));
  host.fileExists = (f) => f === fileName || fileExists(f);
  host.getSourceFile = (f, v, ...rest) =>
    f === fileName
      ? ts.createSourceFile(f, text, v)
      : getSourceFile(f, v, ...rest);
  // The virtual file is an ES module (NodeNext needs to be told: there is no package.json "type").
  host.getSourceFile = (
    (inner) =>
    (f, v, ...rest) => {
      const sf = inner(f, v, ...rest);
      if (sf && f === fileName) sf.impliedNodeFormat = ts.ModuleKind.ESNext;
      return sf;
    }
  )(host.getSourceFile);
  const program = ts.createProgram([fileName], options, host);
  const byObject = objects.map(() => []);
  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (!d.file || d.file.fileName !== fileName) {
      byObject.forEach((p) =>
        p.push(ts.flattenDiagnosticMessageText(d.messageText, ' ')),
      );
      continue;
    }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    let index = 0;
    while (index + 1 < starts.length && starts[index + 1] <= line) index++;
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    const source = lines[line]?.trim() ?? '';
    byObject[index].push(`${message} (at: ${source.slice(0, 80)})`);
  }
  return byObject;
}

const input = JSON.parse(
  await new Promise((done) => {
    let data = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk) => (data += chunk));
    process.stdin.on('end', () => done(data));
  }),
);

const fields = fieldProblems(input);
const results = [];
for (const [index, object] of input.entries()) {
  const schema = await schemaProblems(object);
  results.push({
    index,
    id: `${object.kind}/${object.metadata?.name}`,
    problems: [
      ...schema.map((p) => `schema: ${p}`),
      ...fields[index].map((p) => `fields: ${p}`),
    ],
  });
}
process.stdout.write(JSON.stringify(results));
