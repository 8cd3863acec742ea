import { testSupport } from './test-support.js';

describe('testSupport', () => {
  it('should work', () => {
    expect(testSupport()).toEqual('test-support');
  });
});
