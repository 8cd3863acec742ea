/** Options of `nx g @otel-dice/telemetry:setup` (see schema.json). */
export interface SetupGeneratorSchema {
  project: string;
  serviceName?: string;
  appFile?: string;
  skipFormat?: boolean;
}
