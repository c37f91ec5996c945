#!/usr/bin/env node
/*
 * Differential test oracle for parameter formats: which strings the
 * scaffolder backend's parameter validation (the `jsonschema` package that
 * @backstage/plugin-scaffolder-backend resolves, through its router's
 * `validate(values, schema)`) accepts for each `format`.
 *
 * Usage: node format-oracle.js [cases.json] [out.json]
 * Nothing from Backstage or jsonschema is copied here.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const backend = path.dirname(require.resolve('@backstage/plugin-scaffolder-backend'));
const jsonschema = require(require.resolve('jsonschema', { paths: [backend] }));
const version = require(require.resolve('jsonschema/package.json', { paths: [backend] })).version;

const arg = (i, fallback) => path.resolve(__dirname, process.argv[i] ?? fallback);
const casesFile = arg(2, '../../platform-scaffold/tests/fixtures/formats.json');
const outFile = arg(3, '../../platform-scaffold/tests/fixtures/oracle/formats.json');

const { cases } = JSON.parse(fs.readFileSync(casesFile, 'utf8'));
const results = cases.map(({ format, values }) => ({
  format,
  results: values.map(value => {
    const outcome = jsonschema.validate({ v: value }, {
      type: 'object',
      properties: { v: { type: 'string', format } },
    });
    return { value, valid: outcome.valid };
  }),
}));
fs.writeFileSync(
  outFile,
  `${JSON.stringify({ jsonschema: version, formats: results }, null, 2)}\n`,
);
process.stdout.write(`wrote ${path.relative(process.cwd(), outFile)}: ${cases.length} formats\n`);
