import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TelemetryConfigError } from './errors.js';
import {
  maskValues,
  MAX_CONFIG_FILE_BYTES,
  readConfigFile,
  readConfigText,
} from './read-config-file.js';
import { resolveTelemetryConfig } from './resolve.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'otel-read-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** The one line a start-up prints for `path`, or undefined when the file is accepted. */
function refusal(
  path: string,
  read: () => unknown = () => readConfigFile(path),
): string {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(TelemetryConfigError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(
      message.startsWith(
        `OTEL_CONFIG_FILE=${JSON.stringify(path)} cannot be used: `,
      ),
    ).toBe(true);
    return message.slice(
      `OTEL_CONFIG_FILE=${JSON.stringify(path)} cannot be used: `.length,
    );
  }
  throw new Error(`${path} was accepted`);
}

const VALID = `file_format: "1.0"
tracer_provider:
  processors:
    - simple:
        exporter:
          console:
`;

describe('YAML is parsed strictly (issue 20, item 5)', () => {
  it('accepts a valid file as upstream parses it', () => {
    expect(readConfigFile(file('valid.yaml', VALID))).toEqual({
      tracer_provider: {
        processors: [{ simple: { exporter: { console: null } } }],
      },
    });
  });

  it('refuses a duplicate key, naming file, line and column', () => {
    // upstream ran always_on: the last one silently won
    const path = file(
      'dup.yaml',
      `${VALID}  sampler:\n    always_off:\n  sampler:\n    always_on:\n`,
    );
    expect(refusal(path)).toBe(
      `${path}:9:3: YAML error: duplicate key "sampler"`,
    );
  });

  it('refuses an unterminated quote', () => {
    // upstream took the rest of the file as the value of service.name
    const path = file(
      'quote.yaml',
      `file_format: "1.0"\nresource:\n  attributes:\n    - name: service.name\n      value: "unterminated\n`,
    );
    expect(refusal(path)).toMatch(
      new RegExp(`^${path}:5:14: YAML error: Missing closing "quote`),
    );
  });

  it('refuses bad indentation', () => {
    const path = file('indent.yaml', `${VALID}   sampler:\n      always_on:\n`);
    expect(refusal(path)).toMatch(
      new RegExp(
        `^${path}:7:4: YAML error: All mapping items must start at the same column`,
      ),
    );
  });

  it('refuses warnings too: an unknown tag', () => {
    const path = file('tag.yaml', `file_format: !custom "1.0"\n`);
    expect(refusal(path)).toMatch(
      new RegExp(`^${path}:1:14: YAML warning: Unresolved tag: !custom`),
    );
  });

  it('refuses a stream of several documents, and an empty file', () => {
    expect(refusal(file('two.yaml', `${VALID}---\n${VALID}`))).toMatch(
      /:7:1: YAML error: Source contains multiple documents/,
    );
    expect(refusal(file('empty.yaml', '# nothing\n'))).toBe(
      'it is empty; a configuration names at least its file_format',
    );
  });

  it('keeps upstream’s schema validation and file_format check, without the doubled path', () => {
    const path = file(
      'schema.yaml',
      'file_format: "1.0"\ntracer_provider: 7\n',
    );
    expect(refusal(path)).toBe(
      'Invalid OpenTelemetry config file: /tracer_provider must be object',
    );
    expect(refusal(file('format.yaml', 'file_format: "2.0"\n'))).toMatch(
      /^Unsupported file_format: "2.0"/,
    );
  });
});

describe('only a regular file of bounded size is read (issue 20, item 6)', () => {
  it('refuses a FIFO at once instead of waiting for a writer', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    expect(refusal(fifo)).toBe(
      'it is a FIFO (named pipe); only a regular file is read',
    );
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('refuses /dev/zero and /dev/null without reading them', () => {
    expect(refusal('/dev/zero')).toBe(
      'it is a character device; only a regular file is read',
    );
    expect(refusal('/dev/null')).toBe(
      'it is a character device; only a regular file is read',
    );
  });

  it('refuses a directory and a missing file', () => {
    expect(refusal(dir)).toBe('it is a directory; only a regular file is read');
    expect(refusal(join(dir, 'missing.yaml'))).toBe(
      'ENOENT (no such file or directory)',
    );
  });

  it(`refuses a file over ${MAX_CONFIG_FILE_BYTES} bytes before reading it`, () => {
    const path = file(
      'big.yaml',
      Buffer.alloc(MAX_CONFIG_FILE_BYTES + 1, 0x20),
    );
    expect(refusal(path)).toBe(
      `it is ${MAX_CONFIG_FILE_BYTES + 1} bytes; at most ${MAX_CONFIG_FILE_BYTES} bytes (1 MiB) are read`,
    );
    expect(
      readConfigText(
        file('limit.yaml', Buffer.alloc(MAX_CONFIG_FILE_BYTES, 0x20)),
      ),
    ).toHaveLength(MAX_CONFIG_FILE_BYTES);
  });

  const procFile = '/proc/self/maps';
  (existsSync(procFile) ? it : it.skip)(
    'stops reading at the limit when the size on record is wrong (a /proc file says 0)',
    () => {
      expect(
        refusal(procFile, () => readConfigText(procFile, { maxBytes: 100 })),
      ).toMatch(/^it is more than 100 bytes; at most 100 bytes are read$/);
    },
  );

  it('gives up when reading takes longer than the timeout', () => {
    const path = file('slow.yaml', VALID);
    let clock = 0;
    const now = () => (clock += 6_000) - 6_000;
    expect(refusal(path, () => readConfigText(path, { now }))).toBe(
      'reading it took longer than 5000 ms (a hung file system)',
    );
  });

  it('refuses text that is not UTF-8', () => {
    expect(
      refusal(file('latin1.yaml', Buffer.from([0x66, 0xe9, 0x3a, 0x20, 0x31]))),
    ).toBe('it is not UTF-8 text');
  });
});

describe('substituted values never reach a message (issue 20, item 6)', () => {
  const TOKEN = 'tok-SECRET-123';
  beforeAll(() => {
    process.env['COLLECTOR_TOKEN'] = TOKEN;
    process.env['SHORT_VALUE'] = '7';
  });
  afterAll(() => {
    delete process.env['COLLECTOR_TOKEN'];
    delete process.env['SHORT_VALUE'];
  });

  it('in upstream’s checks: file_format: ${COLLECTOR_TOKEN}', () => {
    const message = refusal(
      file('token.yaml', 'file_format: ${COLLECTOR_TOKEN}\n'),
    );
    expect(message).toBe(
      'Unsupported file_format: "***". Expected "MAJOR.MINOR" version numbers.',
    );
  });

  it('in the mapping onto the library’s model', () => {
    const path = file(
      'endpoint.yaml',
      `${VALID.replace('console:', 'otlp_grpc:\n            endpoint: ${COLLECTOR_TOKEN}')}`,
    );
    let message = '';
    try {
      resolveTelemetryConfig({
        defaultServiceName: 'x',
        env: { OTEL_CONFIG_FILE: path },
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/endpoint.*is invalid/);
    expect(message).not.toContain(TOKEN);
    expect(message).not.toContain('SECRET');
  });

  it('a default is a substituted value as well', () => {
    expect(
      refusal(
        file(
          'default.yaml',
          'file_format: ${NOT_SET_ANYWHERE:-s3cr3t-default}\n',
        ),
      ),
    ).not.toContain('s3cr3t-default');
  });

  it('masks a short value only where it stands alone', () => {
    expect(maskValues('processors[7] is "7" (7.5)', ['7'])).toBe(
      'processors[***] is "***" (***.5)',
    );
    expect(maskValues('x7 a7b 77', ['7'])).toBe('x7 a7b 77');
    expect(maskValues('"a\\"bcd" a"bcd', ['a"bcd'])).toBe('"***" ***');
  });
});
