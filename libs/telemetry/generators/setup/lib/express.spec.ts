import { addMetricsRoute } from './express';

const NX_TEMPLATE = `import express from 'express';

const host = process.env.HOST ?? 'localhost';
const port = process.env.PORT ? Number(process.env.PORT) : 3000;

const app = express();

app.get('/', (req, res) => {
    res.send({ 'message': 'Hello API'});
});

app.listen(port, host, () => {
    console.log(\`[ ready ] http://\${host}:\${port}\`);
});
`;

function added(source: string): string {
  const edit = addMetricsRoute(source);
  if (edit.kind !== 'added')
    throw new Error(`expected an edit, got ${edit.kind}`);
  return edit.content;
}

describe('addMetricsRoute', () => {
  it('adds the route after the app is created, names the server and closes it on shutdown', () => {
    const edit = addMetricsRoute(NX_TEMPLATE);
    expect(edit).toMatchObject({ kind: 'added', closesServer: true });
    const content = added(NX_TEMPLATE);
    expect(
      content.startsWith(
        "import { onShutdown } from './shutdown.js';\nimport { telemetry } from './telemetry.js';\nimport express from 'express';",
      ),
    ).toBe(true);
    expect(content).toContain(
      "const app = express();\n// Prometheus scrape endpoint (@otel-dice/telemetry); the library records no span for it.\napp.get('/metrics', (req, res) => telemetry.metricsHandler(req, res));\n\napp.get('/'",
    );
    expect(content).toContain(
      '\nconst server = app.listen(port, host, () => {',
    );
    expect(
      content.endsWith(
        'onShutdown(() => new Promise<void>((resolve) => server.close(() => resolve())));\n',
      ),
    ).toBe(true);
  });

  it('keeps the indentation and the variable name of the app', () => {
    const source =
      "import express from 'express';\nexport function build() {\n  const api = express();\n  return api;\n}\n";
    const edit = addMetricsRoute(source);
    expect(edit).toMatchObject({ kind: 'added', closesServer: false });
    expect(added(source)).toContain(
      "  const api = express();\n  // Prometheus scrape endpoint (@otel-dice/telemetry); the library records no span for it.\n  api.get('/metrics', (req, res) => telemetry.metricsHandler(req, res));\n  return api;",
    );
    // no shutdown import when no hook was added
    expect(added(source)).not.toContain('onShutdown');
  });

  it('does not name the server when `server` is already taken', () => {
    const source = NX_TEMPLATE.replace(
      'const host',
      "const server = 'x';\nconst host",
    );
    expect(addMetricsRoute(source)).toMatchObject({
      kind: 'added',
      closesServer: false,
    });
    expect(added(source)).toContain('\napp.listen(port, host');
  });

  it('does not touch a listen call nested in a function (the hook could not see it)', () => {
    const source = NX_TEMPLATE.replace(
      'app.listen(port, host',
      'function start() {\n  app.listen(port, host',
    ).replace(/\}\);\n$/, '});\n}\n');
    expect(addMetricsRoute(source)).toMatchObject({
      kind: 'added',
      closesServer: false,
    });
  });

  it('works with require() and without a semicolon', () => {
    const source =
      "const express = require('express')\nconst app = express()\napp.listen(3000)\n";
    const content = added(source);
    expect(content).toContain('const app = express()\n// Prometheus');
    // no import statement to put ours before: they go on top
    expect(
      content.startsWith(
        "import { onShutdown } from './shutdown.js';\nimport { telemetry } from './telemetry.js';\n\nconst express",
      ),
    ).toBe(true);
  });

  it('keeps a shebang first', () => {
    const content = added(
      "#!/usr/bin/env node\nconst express = require('express');\nconst app = express();\n",
    );
    expect(
      content.startsWith('#!/usr/bin/env node\nimport { telemetry }'),
    ).toBe(true);
  });

  it.each([
    [
      'already serves metrics',
      "import express from 'express';\nconst app = express();\napp.get('/m', (q, s) => telemetry.metricsHandler(q, s));\n",
      'already-present',
    ],
    [
      'creates the app some other way',
      "import express from 'express';\nexport const app = createApp(express);\n",
      'not-found',
    ],
  ])('leaves a source alone that %s', (_label, source, kind) => {
    expect(addMetricsRoute(source)).toEqual({ kind });
  });
});
