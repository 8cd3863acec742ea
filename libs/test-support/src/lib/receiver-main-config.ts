/**
 * Configuration of the receiver's container entry (src/receiver-main.ts), from environment
 * variables. Pure: takes an env object, returns the config or throws one line naming the variable.
 */

export interface ReceiverMainConfig {
  /** Interface the OTLP relays and the read-out listen on (RECEIVER_HOST). */
  readonly host: string;
  /** Port exporters send OTLP/gRPC to (OTLP_GRPC_PORT). */
  readonly grpcPort: number;
  /** Port exporters send OTLP/HTTP to (OTLP_HTTP_PORT). */
  readonly httpPort: number;
  /** Port of the HTTP read-out (READOUT_PORT). */
  readonly readoutPort: number;
}

export const RECEIVER_MAIN_DEFAULTS: ReceiverMainConfig = Object.freeze({
  // Loopback unless told otherwise; the image sets RECEIVER_HOST=0.0.0.0 for its own network.
  host: '127.0.0.1',
  grpcPort: 4317,
  httpPort: 4318,
  readoutPort: 8080,
});

export function loadReceiverMainConfig(
  env: Readonly<Record<string, string | undefined>>,
): ReceiverMainConfig {
  const host = env['RECEIVER_HOST'];
  if (host !== undefined && (host.trim() === '' || /\s/.test(host)))
    throw new Error(
      `RECEIVER_HOST must be an address to listen on, e.g. 0.0.0.0, got ${JSON.stringify(host)}`,
    );
  const config = {
    host: host ?? RECEIVER_MAIN_DEFAULTS.host,
    grpcPort: port(env, 'OTLP_GRPC_PORT', RECEIVER_MAIN_DEFAULTS.grpcPort),
    httpPort: port(env, 'OTLP_HTTP_PORT', RECEIVER_MAIN_DEFAULTS.httpPort),
    readoutPort: port(env, 'READOUT_PORT', RECEIVER_MAIN_DEFAULTS.readoutPort),
  };
  const named: Array<[string, number]> = [
    ['OTLP_GRPC_PORT', config.grpcPort],
    ['OTLP_HTTP_PORT', config.httpPort],
    ['READOUT_PORT', config.readoutPort],
  ];
  for (const [i, [name, value]] of named.entries()) {
    const clash = named.slice(i + 1).find(([, other]) => other === value);
    if (clash)
      throw new Error(`${name} and ${clash[0]} must differ, both are ${value}`);
  }
  return Object.freeze(config);
}

function port(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
): number {
  const value = env[name];
  if (value === undefined) return fallback;
  const parsed = /^[0-9]{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(parsed >= 1 && parsed <= 65535))
    throw new Error(
      `${name} must be an integer between 1 and 65535, got ${JSON.stringify(value)}`,
    );
  return parsed;
}
