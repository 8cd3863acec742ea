export function testSupport(): string {
  return 'test-support';
}
