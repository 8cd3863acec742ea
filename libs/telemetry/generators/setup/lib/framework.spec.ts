import { detectFramework, unsupportedMessage } from './framework';

describe('detectFramework', () => {
  it.each([
    ["import express from 'express';", 'express'],
    [
      "import Fastify from 'fastify';\nimport { app } from './app/app';",
      'fastify',
    ],
    ["import koa from 'koa';", 'koa'],
    [
      "import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app/app.module';",
      'nest',
    ],
    ["console.log('Hello World');", 'node'],
    ["import { createServer } from 'node:http';", 'node'],
  ])('%s -> %s', (source, framework) => {
    expect(detectFramework({ source, dependencies: {} })).toEqual({
      kind: 'supported',
      framework,
    });
  });

  it('asks the dependencies when the entry imports no framework', () => {
    expect(
      detectFramework({
        source: "import './server';",
        dependencies: { koa: '^3.0.0', tslib: '^2.3.0' },
      }),
    ).toEqual({ kind: 'supported', framework: 'koa' });
  });

  it('goes by the entry before the dependencies', () => {
    expect(
      detectFramework({
        source: "import Fastify from 'fastify';",
        dependencies: { express: '^5.0.0' },
      }),
    ).toEqual({ kind: 'supported', framework: 'fastify' });
  });

  it.each([
    ["import Hapi from '@hapi/hapi';", 'hapi'],
    [
      "import { NestFactory } from '@nestjs/core';\nimport { FastifyAdapter } from '@nestjs/platform-fastify';",
      'NestJS on Fastify',
    ],
    ["import { serve } from '@hono/node-server';", 'Hono'],
  ])('names a framework it cannot wire: %s', (source, name) => {
    expect(detectFramework({ source, dependencies: {} })).toEqual({
      kind: 'unsupported',
      name,
    });
  });

  it('says so in one line', () => {
    const message = unsupportedMessage('@acme/api', 'hapi');
    expect(message).toBe(
      '@acme/api runs on hapi, which the setup generator cannot wire (it wires Express, Fastify, Koa, NestJS on Express and plain Node apps); nothing was changed.',
    );
    expect(message).not.toContain('\n');
  });
});
