import { telemetry } from './telemetry.js';

describe('telemetry', () => {
  it('should work', () => {
    expect(telemetry()).toEqual('telemetry');
  });
});
