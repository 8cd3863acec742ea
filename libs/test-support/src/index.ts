export * from './lib/test-support.js';
