import {
  addImportLines,
  endOfCallStatement,
  importedName,
  importsModule,
  matchingParen,
  servesMetrics,
} from './source-edit';

describe('importsModule', () => {
  it.each([
    ["import express, { Router } from 'express';", true],
    ['import express from "express";', true],
    ["const express = require('express');", true],
    ["import type { Request } from 'express';", true],
    ["import 'express';", true],
    ["import { json } from 'express/lib/whatever';", true],
    ["import x from 'express-rate-limit';", false],
    ["// we used to use 'express'", false],
    ["const s = 'express';", false],
  ])('%s -> %s', (source, expected) => {
    expect(importsModule(source, 'express')).toBe(expected);
  });
});

describe('importedName', () => {
  it.each([
    ["import Fastify from 'fastify';", 'Fastify'],
    ["import fastify, { type FastifyInstance } from 'fastify';", 'fastify'],
    ["import * as F from 'fastify';", 'F'],
    ["const fastify = require('fastify');", 'fastify'],
    ["import koa = require('koa');", 'koa'],
    ["import { fastify } from 'fastify';", undefined],
  ])('%s -> %s', (source, expected) => {
    expect(
      importedName(source, source.includes('koa') ? 'koa' : 'fastify'),
    ).toBe(expected);
  });
});

describe('matchingParen / endOfCallStatement', () => {
  it('skips parentheses in strings, templates and comments', () => {
    const source = "f(a, ')', `(${g(1)}`, /* ) */ b) // (\nnext();";
    expect(source.slice(0, matchingParen(source, 1))).toBe(
      "f(a, ')', `(${g(1)}`, /* ) */ b)",
    );
    // The statement ends with its line, comment included.
    expect(source.slice(0, endOfCallStatement(source, 1))).toBe(
      "f(a, ')', `(${g(1)}`, /* ) */ b) // (",
    );
  });

  it('spans lines, and refuses a call that continues', () => {
    const multi = 'const s = F({\n  logger: true,\n});\nrest();\n';
    expect(multi.slice(0, endOfCallStatement(multi, multi.indexOf('(')))).toBe(
      'const s = F({\n  logger: true,\n});',
    );
    const chained = 'const s = F({}).use(x);\n';
    expect(endOfCallStatement(chained, chained.indexOf('('))).toBeUndefined();
    expect(matchingParen('f((x)', 1)).toBeUndefined();
  });
});

describe('addImportLines', () => {
  it('adds only the missing lines, before the first import', () => {
    const source = "import a from 'a';\nimport { x } from './x.js';\n";
    expect(
      addImportLines(source, [
        "import { x } from './x.js';",
        "import './y.js';",
      ]),
    ).toBe(
      "import './y.js';\nimport a from 'a';\nimport { x } from './x.js';\n",
    );
    expect(addImportLines(source, ["import { x } from './x.js';"])).toBe(
      source,
    );
  });
});

describe('servesMetrics', () => {
  it('counts any use of the library handler', () => {
    expect(servesMetrics('telemetry.metricsHandler(req, res)')).toBe(true);
    expect(servesMetrics("app.get('/metrics', prom)")).toBe(false);
  });
});
