import { existsSync, readFileSync, statSync } from 'node:fs';
import {
  bindMounts,
  commandFlag,
  interpolate,
  parseDotEnv,
  portBindings,
} from './support/compose.js';
import { toolchain } from './support/node-toolchain.js';
import { paths, repoPath, repoRoot } from './support/paths.js';
import {
  imageOf,
  loadStackCompose,
  REQUIRED_SECRETS,
  serviceOf,
} from './support/project.js';
import { isMap, readYaml } from './support/yaml-file.js';

const project = loadStackCompose();
const services = Object.values(project.services);

describe('compose interpolation helpers', () => {
  it('reads .env lines and rejects malformed ones', () => {
    expect(parseDotEnv('# c\nA=1\n\nB="two"\n')).toEqual({ A: '1', B: 'two' });
    expect(() => parseDotEnv('A=1\nnot a pair\n')).toThrow(
      /:2: expected KEY=VALUE/,
    );
  });

  it('interpolates like compose and refuses unset variables without a default', () => {
    expect(interpolate('x:${A}', { A: '1' })).toBe('x:1');
    expect(interpolate('${P:-5000}', {})).toBe('5000');
    expect(interpolate('${P:-5000}', { P: '' })).toBe('5000');
    expect(interpolate('${P-5000}', { P: '' })).toBe('');
    expect(interpolate('$$HOME', {})).toBe('$HOME');
    expect(() => interpolate('img:${TAG}', {})).toThrow(/TAG is not set/);
  });
});

describe('docker-compose.yml', () => {
  it('runs the dice service, its traffic source and the five backends', () => {
    expect(Object.keys(project.services).sort()).toEqual([
      'dice-api',
      'dice-player',
      'grafana',
      'jaeger',
      'loki',
      'otel-collector',
      'prometheus',
    ]);
  });

  it('pins every image to an exact version from .env, never latest', () => {
    const raw = readFileSync(paths.compose, 'utf8');
    const uninterpolated = readYaml(paths.compose);
    const rawServices =
      isMap(uninterpolated) && isMap(uninterpolated['services'])
        ? uninterpolated['services']
        : {};
    for (const service of services.filter((s) => s.image && !s.build)) {
      // Versions live in .env only: the compose file names the variable, not a tag.
      const rawService = rawServices[service.name];
      const rawImage = isMap(rawService) ? rawService['image'] : undefined;
      expect({ service: service.name, image: rawImage }).toEqual({
        service: service.name,
        image: expect.stringMatching(/^\$\{[A-Z_]+\}$/),
      });
      expect({ service: service.name, image: service.image }).toEqual({
        service: service.name,
        image: expect.stringMatching(/:v?\d+\.\d+\.\d+$/),
      });
    }
    expect(raw).not.toMatch(/:latest\b/);
    const pins = {
      otelcol: imageOf(project, 'otel-collector'),
      jaeger: imageOf(project, 'jaeger'),
      prometheus: imageOf(project, 'prometheus'),
      grafana: imageOf(project, 'grafana'),
      loki: imageOf(project, 'loki'),
    };
    expect(pins).toEqual({
      otelcol: expect.stringMatching(
        /^otel\/opentelemetry-collector-contrib:0\.159\.\d+$/,
      ),
      jaeger: expect.stringMatching(/^jaegertracing\/jaeger:2\.20\.\d+$/),
      prometheus: expect.stringMatching(/^prom\/prometheus:v3\.\d+\.\d+$/),
      grafana: expect.stringMatching(/^grafana\/grafana:13\.\d+\.\d+$/),
      // 3.x for native OTLP ingestion; 3.7 or later for the `-health` command the healthcheck runs.
      loki: expect.stringMatching(/^grafana\/loki:3\.([7-9]|\d{2,})\.\d+$/),
    });
  });

  it('mounts only config paths that exist, read-only', () => {
    const mounts = services.flatMap((service) =>
      bindMounts(service).map((mount) => ({ service: service.name, ...mount })),
    );
    expect(mounts.length).toBeGreaterThanOrEqual(6);
    for (const mount of mounts) {
      expect({ ...mount, exists: existsSync(repoPath(mount.source)) }).toEqual({
        ...mount,
        exists: true,
        readOnly: true,
      });
    }
  });

  it('points each backend at the config file it mounts', () => {
    const configFlag = {
      'otel-collector': '--config',
      jaeger: '--config',
      prometheus: '--config.file',
      loki: '-config.file',
    } as const;
    for (const [name, flag] of Object.entries(configFlag)) {
      const service = serviceOf(project, name);
      const target = commandFlag(service, flag);
      const mount = bindMounts(service).find((m) => m.target === target);
      expect({
        service: name,
        target,
        mounted:
          mount !== undefined && statSync(repoPath(mount.source)).isFile(),
      }).toEqual({
        service: name,
        target: expect.any(String),
        mounted: true,
      });
    }
  });

  it('binds every published port to 127.0.0.1', () => {
    for (const service of services) {
      for (const binding of portBindings(service)) {
        expect({ service: service.name, ...binding }).toEqual({
          service: service.name,
          ...binding,
          hostIp: '127.0.0.1',
        });
      }
    }
  });

  it('builds both apps from the one root Dockerfile, the app as its APP argument', () => {
    for (const name of ['dice-api', 'dice-player']) {
      const build = serviceOf(project, name).build;
      expect({ name, build }).toEqual({
        name,
        build: {
          context: '.',
          dockerfile: 'Dockerfile',
          args: { APP: name, NODE_IMAGE: expect.any(String) },
        },
      });
      expect(repoPath(build?.context ?? '', build?.dockerfile ?? '')).toBe(
        paths.dockerfile,
      );
    }
    expect(existsSync(repoPath('apps/dice-api/Dockerfile'))).toBe(false);
    expect(existsSync(repoPath('apps/dice-player/Dockerfile'))).toBe(false);
  });

  it('pins the Node base image to the exact release the workspace runs on, in .env and in the Dockerfile', () => {
    // The release package-lock.json pins for node_modules/.bin/node (scripts/node-toolchain.cjs).
    const { pkg, lock } = toolchain.readWorkspace(repoRoot);
    const nodeRelease = toolchain.pinnedRelease(pkg, lock);
    expect(nodeRelease).toMatch(/^\d+\.\d+\.\d+$/);
    const pinned = `node:${nodeRelease}-bookworm-slim`;
    for (const name of ['dice-api', 'dice-player'])
      expect(serviceOf(project, name).build?.args['NODE_IMAGE']).toBe(pinned);
    expect(readFileSync(paths.dockerfile, 'utf8')).toMatch(
      new RegExp(`^ARG NODE_IMAGE=${pinned.replace(/\./g, '\\.')}$`, 'm'),
    );
  });

  it("sends both apps' traces and logs to the collector's OTLP/gRPC port, and leaves metrics to the scrape", () => {
    const collectorGrpc = portBindings(serviceOf(project, 'otel-collector'))
      .map((b) => b.containerPort)
      .find((port) => port === 4317);
    expect(collectorGrpc).toBe(4317);
    for (const name of ['dice-api', 'dice-player']) {
      const env = serviceOf(project, name).environment;
      const list = (key: string): string[] =>
        (env[key] ?? '').split(',').map((entry) => entry.trim());
      expect({
        name,
        // The generic endpoint covers every signal; the seed's TRACE_ENDPOINT would cover traces only.
        endpoint: env['OTEL_EXPORTER_OTLP_ENDPOINT'],
        protocol: env['OTEL_EXPORTER_OTLP_PROTOCOL'] ?? 'grpc',
        traces: env['OTEL_TRACES_EXPORTER'] ?? 'otlp',
        logs: list('OTEL_LOGS_EXPORTER'),
        // Pulled from the app's /metrics only: pushing too would store every series twice.
        metrics: list('OTEL_METRICS_EXPORTER'),
      }).toEqual({
        name,
        endpoint: `http://otel-collector:${collectorGrpc}`,
        protocol: 'grpc',
        traces: 'otlp',
        logs: ['otlp'],
        metrics: ['prometheus'],
      });
    }
  });

  it("health-checks Loki with the image's own binary (the image has no shell or HTTP client)", () => {
    // grafana/loki:3.7.x is built FROM gcr.io/distroless/static with the binary at /usr/bin/loki
    // (cmd/loki/Dockerfile at v3.7.6); `loki -health [-health.url=…]` GETs /ready and exits 0 on 200
    // (cmd/loki/health.go). A CMD-SHELL test, or wget/curl, would fail there forever.
    const test = serviceOf(project, 'loki').healthcheck?.['test'];
    expect(test).toEqual([
      'CMD',
      '/usr/bin/loki',
      '-health',
      expect.stringMatching(/^-health\.url=http:\/\/127\.0\.0\.1:3100\/ready$/),
    ]);
  });

  it('starts Loki before what writes to it (the collector) and what reads it (Grafana)', () => {
    for (const name of ['otel-collector', 'grafana'])
      expect({
        name,
        loki: serviceOf(project, name).dependsOn['loki'],
      }).toEqual({
        name,
        loki: 'service_healthy',
      });
  });

  it('only waits on services that exist, and on health only where a healthcheck exists', () => {
    const dockerfileHasHealthcheck = /^HEALTHCHECK\s/m.test(
      readFileSync(paths.dockerfile, 'utf8'),
    );
    const hasHealthcheck = (name: string): boolean =>
      serviceOf(project, name).healthcheck !== undefined ||
      (serviceOf(project, name).build !== undefined &&
        dockerfileHasHealthcheck);
    const dependencies = services.flatMap((s) =>
      Object.entries(s.dependsOn).map(([on, condition]) => ({
        from: s.name,
        on,
        condition,
      })),
    );
    expect(dependencies.length).toBeGreaterThan(0);
    for (const dependency of dependencies) {
      expect(Object.keys(project.services)).toContain(dependency.on);
      expect(['service_started', 'service_healthy']).toContain(
        dependency.condition,
      );
      if (dependency.condition === 'service_healthy')
        expect({
          ...dependency,
          healthcheck: hasHealthcheck(dependency.on),
        }).toEqual({ ...dependency, healthcheck: true });
    }
    // Every image that has a shell and an HTTP client (or, like Loki, a health command) gets a
    // healthcheck; the collector (FROM scratch) cannot.
    for (const name of ['jaeger', 'prometheus', 'grafana', 'loki'])
      expect({ name, healthcheck: hasHealthcheck(name) }).toEqual({
        name,
        healthcheck: true,
      });
  });

  it('restarts every service unless stopped', () => {
    for (const service of services)
      expect({ service: service.name, restart: service.restart }).toEqual({
        service: service.name,
        restart: 'unless-stopped',
      });
  });

  it('hardens every service: read-only root, no capabilities, no new privileges, bounded memory and processes', () => {
    for (const service of services) {
      const raw = service.raw;
      expect({
        service: service.name,
        read_only: raw['read_only'],
        cap_drop: raw['cap_drop'],
        no_new_privileges: (
          raw['security_opt'] as unknown[] | undefined
        )?.includes('no-new-privileges:true'),
        mem_limit: typeof raw['mem_limit'],
        pids_limit: typeof raw['pids_limit'],
      }).toEqual({
        service: service.name,
        read_only: true,
        cap_drop: ['ALL'],
        no_new_privileges: true,
        mem_limit: 'string',
        pids_limit: 'number',
      });
    }
  });

  it('gives a writable tmpfs exactly where a read-only service writes its data', () => {
    const tmpfsPaths = (name: string) =>
      (
        (serviceOf(project, name).raw['tmpfs'] as string[] | undefined) ?? []
      ).map((entry) => entry.split(':')[0]);
    // Prometheus writes its TSDB where --storage.tsdb.path says
    const prometheus = serviceOf(project, 'prometheus');
    expect(tmpfsPaths('prometheus')).toContain(
      commandFlag(prometheus, '--storage.tsdb.path'),
    );
    // Loki writes under its path_prefix (deploy/loki/loki.yaml)
    const loki = readYaml(repoPath('deploy/loki/loki.yaml'));
    const prefix =
      isMap(loki) && isMap(loki['common'])
        ? loki['common']['path_prefix']
        : undefined;
    expect(tmpfsPaths('loki')).toContain(prefix);
    // Grafana keeps its database and plugins in /var/lib/grafana
    expect(tmpfsPaths('grafana')).toContain('/var/lib/grafana');
  });

  it("waits longer than the apps' own shutdown bound before it kills them", () => {
    // dice-api and dice-player finish SIGTERM within 10 s (SHUTDOWN_HARD_TIMEOUT_MS / the player's
    // deadline; 9.1 s measured worst case): compose must not SIGKILL before that.
    const APPS_SHUTDOWN_BOUND_S = 10;
    for (const name of ['dice-api', 'dice-player']) {
      const grace = String(serviceOf(project, name).raw['stop_grace_period']);
      expect({ name, grace }).toEqual({
        name,
        grace: expect.stringMatching(/^\d+s$/),
      });
      expect(parseInt(grace, 10)).toBeGreaterThan(APPS_SHUTDOWN_BOUND_S + 2);
    }
  });

  it('has no Grafana admin password that works by default: compose refuses to start without one', () => {
    expect(REQUIRED_SECRETS).toContain('GRAFANA_ADMIN_PASSWORD');
    expect(() => loadStackCompose({})).toThrow(
      /compose variable GRAFANA_ADMIN_PASSWORD is required: set GRAFANA_ADMIN_PASSWORD/,
    );
    expect(() => loadStackCompose({ GRAFANA_ADMIN_PASSWORD: '' })).toThrow(
      /is required/,
    );
    expect(readFileSync(paths.dotEnv, 'utf8')).not.toMatch(
      /GRAFANA_ADMIN_PASSWORD/,
    );
    expect(
      serviceOf(project, 'grafana').environment['GF_SECURITY_ADMIN_PASSWORD'],
    ).toBe('test-only-secret');
  });
});
