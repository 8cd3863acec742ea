export function telemetry(): string {
  return 'telemetry';
}
