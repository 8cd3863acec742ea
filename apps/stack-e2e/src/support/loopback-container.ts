import { GenericContainer } from 'testcontainers';

/**
 * A GenericContainer whose published ports bind 127.0.0.1 only. Docker publishes on every interface
 * by default; the stack under test has no business being reachable from the network.
 */
export class LoopbackContainer extends GenericContainer {
  protected override async beforeContainerCreated(): Promise<void> {
    for (const bindings of Object.values(this.hostConfig.PortBindings ?? {})) {
      for (const binding of bindings as Array<{ HostIp?: string }>)
        binding.HostIp = '127.0.0.1';
    }
  }
}
