import { useLoopbackHost } from './support/loopback-container.js';

/** Where testcontainers looks for the loopback-only ports the container suites publish. */
describe('useLoopbackHost', () => {
  it('points testcontainers at 127.0.0.1 for an engine on its local socket', () => {
    for (const env of [
      {},
      { DOCKER_HOST: '' },
      { DOCKER_HOST: 'unix:///var/run/docker.sock' },
    ] as NodeJS.ProcessEnv[]) {
      useLoopbackHost(env);
      expect(env['TESTCONTAINERS_HOST_OVERRIDE']).toBe('127.0.0.1');
    }
  });

  it('leaves a remote engine and an explicit override alone', () => {
    const remote: NodeJS.ProcessEnv = { DOCKER_HOST: 'tcp://10.0.0.5:2376' };
    useLoopbackHost(remote);
    expect(remote['TESTCONTAINERS_HOST_OVERRIDE']).toBeUndefined();

    const explicit: NodeJS.ProcessEnv = {
      TESTCONTAINERS_HOST_OVERRIDE: 'docker.internal',
    };
    useLoopbackHost(explicit);
    expect(explicit['TESTCONTAINERS_HOST_OVERRIDE']).toBe('docker.internal');
  });
});
