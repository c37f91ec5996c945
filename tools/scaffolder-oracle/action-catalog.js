#!/usr/bin/env node
/*
 * Derives platform-scaffold's embedded action catalog from the recorded
 * schemas (action-schemas.json, written by action-schema-oracle.js): every
 * action's id, module, whether a stock backend registers it, dry-run
 * support, and its input and output JSON Schema reduced to structure
 * (types, properties, required, enums, defaults, formats): descriptions,
 * examples and `$schema` are dropped, so no Backstage prose is carried.
 *
 * Usage: node action-catalog.js [recorded] [out-file]
 */
'use strict';

const fs = require('node:fs');
const { pathArg } = require('./args');

const recorded = pathArg(2, '../../platform-scaffold/tests/fixtures/action-schemas.json');
const outFile = pathArg(3, '../../platform-scaffold/src/actions/data/backstage-actions.json');

const DROPPED = new Set(['description', 'examples', '$schema', 'title']);
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs']);
const SCHEMA_LISTS = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems']);

function structure(schema) {
  if (Array.isArray(schema)) return schema.map(structure);
  if (schema === null || typeof schema !== 'object') return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED.has(key) && (typeof value === 'string' || Array.isArray(value))) continue;
    if (SCHEMA_MAPS.has(key) && value && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, structure(v)]));
    } else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) {
      out[key] = value.map(structure);
    } else if (['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains'].includes(key)) {
      out[key] = structure(value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

const data = JSON.parse(fs.readFileSync(recorded, 'utf8'));
const stock = new Set(data.stock);
const catalog = {
  derivedFrom: 'platform-scaffold/tests/fixtures/action-schemas.json (tools/scaffolder-oracle/action-catalog.js)',
  recordedWith: data.recordedWith,
  actions: data.actions.map(a => ({
    id: a.id,
    module: a.module,
    stock: stock.has(a.id),
    supportsDryRun: a.supportsDryRun,
    input: a.input ? structure(a.input) : null,
    output: a.output ? structure(a.output) : null,
  })),
};
fs.writeFileSync(outFile, JSON.stringify(catalog, null, 1) + '\n');
console.log(`${catalog.actions.length} actions, ${stock.size} stock -> ${outFile}`);
