const { readFileSync } = require('fs');

// Reading the SWC compilation config for the spec files
const swcJestConfig = JSON.parse(
  readFileSync(`${__dirname}/.spec.swcrc`, 'utf-8'),
);

// Disable .swcrc look-up by SWC core because we're passing in swcJestConfig ourselves
swcJestConfig.swcrc = false;

module.exports = {
  displayName: 'test-support',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: {
    '^.+\\.c?[tj]s$': ['@swc/jest', swcJestConfig],
  },
  // The OTLP/HTTP exporters load node:http(s) with import(), which jest cannot run in CommonJS
  // without --experimental-vm-modules; compiling that one package turns import() into require().
  // Every copy of it, nested ones included (an exporter may bring its own version).
  transformIgnorePatterns: [
    '^(?!.*/node_modules/@opentelemetry/otlp-exporter-base/).*/node_modules/',
  ],
  moduleFileExtensions: ['ts', 'js', 'html'],
  coverageDirectory: 'test-output/jest/coverage',
};
