import {
  loadReceiverMainConfig,
  RECEIVER_MAIN_DEFAULTS,
} from './receiver-main-config.js';

describe('loadReceiverMainConfig', () => {
  it('defaults to loopback, 4317 for gRPC, 4318 for HTTP and 8080 for the read-out', () => {
    expect(loadReceiverMainConfig({})).toEqual({
      host: '127.0.0.1',
      grpcPort: 4317,
      httpPort: 4318,
      readoutPort: 8080,
    });
    expect(RECEIVER_MAIN_DEFAULTS.host).toBe('127.0.0.1');
  });

  it('reads RECEIVER_HOST, OTLP_GRPC_PORT, OTLP_HTTP_PORT and READOUT_PORT', () => {
    expect(
      loadReceiverMainConfig({
        RECEIVER_HOST: '0.0.0.0',
        OTLP_GRPC_PORT: '14317',
        OTLP_HTTP_PORT: '14318',
        READOUT_PORT: '18080',
      }),
    ).toEqual({
      host: '0.0.0.0',
      grpcPort: 14317,
      httpPort: 14318,
      readoutPort: 18080,
    });
  });

  it.each([
    ['OTLP_GRPC_PORT', '0'],
    ['OTLP_GRPC_PORT', '65536'],
    ['OTLP_GRPC_PORT', '4317x'],
    ['OTLP_HTTP_PORT', '-1'],
    ['READOUT_PORT', ''],
    ['READOUT_PORT', ' 80'],
    ['READOUT_PORT', '1e3'],
  ])('rejects %s=%j naming the variable', (name, value) => {
    expect(() => loadReceiverMainConfig({ [name]: value })).toThrow(
      new RegExp(`^${name} must be an integer between 1 and 65535, got`),
    );
  });

  it.each(['', ' ', 'a b'])('rejects RECEIVER_HOST=%j', (value) => {
    expect(() => loadReceiverMainConfig({ RECEIVER_HOST: value })).toThrow(
      /^RECEIVER_HOST must be an address to listen on/,
    );
  });

  it('rejects one port for two listeners, naming both variables', () => {
    expect(() =>
      loadReceiverMainConfig({ OTLP_GRPC_PORT: '9000', READOUT_PORT: '9000' }),
    ).toThrow('OTLP_GRPC_PORT and READOUT_PORT must differ, both are 9000');
    // The HTTP default is 4318.
    expect(() => loadReceiverMainConfig({ READOUT_PORT: '4318' })).toThrow(
      'OTLP_HTTP_PORT and READOUT_PORT must differ, both are 4318',
    );
  });
});
