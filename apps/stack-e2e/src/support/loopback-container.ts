import { GenericContainer } from 'testcontainers';

/**
 * A GenericContainer whose published ports bind 127.0.0.1 only. Docker publishes on every interface
 * by default; the stack under test has no business being reachable from the network.
 *
 * testcontainers must then look for those ports on 127.0.0.1 too. When the test process itself runs
 * inside a container (it finds /.dockerenv) and talks to the engine over its unix socket, it
 * assumes the engine is elsewhere and probes the bridge network's gateway (172.17.0.1) instead,
 * where a loopback-only port never answers: every HTTP wait strategy then times out although the
 * container is up (seen in CI here: "URL /healthz not accessible after 90000ms"). An engine reached
 * over its local socket publishes on this machine's loopback, so that is the host to use; a remote
 * engine (DOCKER_HOST=tcp://…) or an explicit TESTCONTAINERS_HOST_OVERRIDE is left alone.
 */
export function useLoopbackHost(env: NodeJS.ProcessEnv = process.env): void {
  const dockerHost = env['DOCKER_HOST'];
  const localEngine =
    dockerHost === undefined ||
    dockerHost === '' ||
    dockerHost.startsWith('unix:');
  if (localEngine) env['TESTCONTAINERS_HOST_OVERRIDE'] ??= '127.0.0.1';
}

// Before any testcontainers call: the runtime client reads the override once and caches it.
useLoopbackHost();

export class LoopbackContainer extends GenericContainer {
  protected override async beforeContainerCreated(): Promise<void> {
    for (const bindings of Object.values(this.hostConfig.PortBindings ?? {})) {
      for (const binding of bindings as Array<{ HostIp?: string }>)
        binding.HostIp = '127.0.0.1';
    }
  }
}
