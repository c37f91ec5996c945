#!/usr/bin/env node
/*
 * Differential test oracle for ingesting a whole fixture tree under an
 * app-config, as a Backstage backend does.
 *
 * Usage: node tree-oracle.js <cases-dir> <out-dir>
 *
 * Every subdirectory of <cases-dir> that holds an app-config.yaml is a case.
 * The script loads the config with the real config-loader, takes the root
 * Location entities of the real ConfigLocationEntityProvider, and processes
 * them and everything they emit with the real orchestrator, rules enforcer,
 * policies and processors, breadth first until nothing new is emitted. It
 * writes <out-dir>/<case>.json: one entry per processed entity. See README.md.
 *
 * Nothing from Backstage is copied here.
 */
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const { stringifyEntityRef } = require('@backstage/catalog-model');
const { ConfigSources } = require('@backstage/config-loader');
const { ConfigReader } = require('@backstage/config');
const { NotAllowedError, NotFoundError, serializeError } = require('@backstage/errors');
const { ScmIntegrations } = require('@backstage/integration');
const {
  ScaffolderEntitiesProcessor,
} = require('@backstage/plugin-catalog-backend-module-scaffolder-entity-model');

// Internal modules of the catalog backend, outside its `exports` map, so they
// are loaded by absolute path (ties the oracle to the pinned version).
const backendDist = path.dirname(
  require.resolve('@backstage/plugin-catalog-backend'),
);
const internal = rel => require(path.join(backendDist, rel));
const { DefaultCatalogProcessingOrchestrator } = internal(
  'processing/DefaultCatalogProcessingOrchestrator.cjs.js',
);
const { DefaultCatalogRulesEnforcer } = internal('ingestion/CatalogRules.cjs.js');
const { ConfigLocationEntityProvider } = internal(
  'providers/ConfigLocationEntityProvider.cjs.js',
);
const { CatalogBuilder } = internal('service/CatalogBuilder.cjs.js');
const { defaultEntityDataParser } = internal('util/parse.cjs.js');

// Dedup by ref already ends Location cycles; this only guards against a
// runaway fixture.
const MAX_ENTITIES = 1000;

const silentLogger = {
  child: () => silentLogger,
  error() {},
  warn() {},
  info() {},
  debug() {},
};

// The backend reads `url` locations and placeholders through its
// UrlReaderService. This one stands for the GitHub reader over checkouts in
// the case's `repos/` directory: `https://github.com/<owner>/<repo>/(blob|tree)/<ref>/<path>`
// is `repos/<repo>/<path>`. A missing file is a NotFoundError (the texts of
// these errors are this script's, not Backstage's; the tests compare what
// precedes them). Any other URL is refused as the stock reader refuses a
// host with no integration and no `backend.reading.allow` entry. Globs are
// not supported: a run that needs one aborts (the mark is looked for in the
// output).
const READ_MARK = 'tree-oracle: not supported by the local reader';
function localReader(caseDir) {
  const checkouts = path.join(caseDir, 'repos');
  const fileOf = url => {
    let parsed;
    try {
      parsed = new URL(url);
    } catch {
      return undefined;
    }
    const parts = parsed.pathname.split('/').filter(Boolean);
    if (parsed.host !== 'github.com' || parts.length < 5) return undefined;
    const [, repo, kind, , ...rest] = parts.map(decodeURIComponent);
    if (kind !== 'blob' && kind !== 'tree') return undefined;
    const checkout = path.join(checkouts, repo);
    if (!fs.existsSync(checkout)) return undefined;
    const file = path.resolve(checkout, ...rest);
    if (!file.startsWith(checkout + path.sep)) return undefined;
    return file;
  };
  const readUrl = async url => {
    if (/[*?[{]/.test(url)) throw new Error(`${READ_MARK} (glob ${url})`);
    const file = fileOf(url);
    if (!file) {
      throw new NotAllowedError(
        `Reading from '${url}' is not allowed. You may need to configure an integration for the target host, or add it to the configured list of allowed hosts at 'backend.reading.allow'`,
      );
    }
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
      throw new NotFoundError(`tree-oracle: ${url} is not in the checkout`);
    }
    const data = fs.readFileSync(file);
    return { buffer: async () => data, etag: 'local' };
  };
  return {
    readUrl,
    async readTree() {
      throw new Error(READ_MARK);
    },
    // As the GitHub reader searches a URL without a glob: the one file, or
    // none when it does not exist.
    async search(url) {
      try {
        const response = await readUrl(url);
        return { files: [{ url, content: response.buffer }], etag: 'local' };
      } catch (e) {
        if (e.name === 'NotFoundError') return { files: [], etag: '' };
        throw e;
      }
    },
  };
}

// Same loading as config-oracle.js (the backend's root config service), but
// the environment is always empty so the output cannot depend on the shell.
async function loadConfig(file, rootDir) {
  const source = ConfigSources.default({
    argv: ['--config', file],
    env: {},
    substitutionFunc: async () => undefined,
    watch: false,
    rootDir,
  });
  const abort = new AbortController();
  try {
    // The first batch is the complete initial config; later ones would only
    // come from watching.
    for await (const { configs } of source.readConfigData({
      signal: abort.signal,
    })) {
      return ConfigReader.fromConfigs(configs);
    }
  } finally {
    abort.abort();
  }
  throw new Error('tree-oracle: config source yielded nothing');
}

// The orchestrator the catalog plugin builds for this config (same wiring as
// oracle.js, but with the case's config, so catalog.rules, processorOptions
// and integrations take effect). LocationEntityProcessor no longer exists in
// 4.0.5: reading Location targets is the orchestrator's own location step.
function makeOrchestrator(config, reader) {
  const builder = CatalogBuilder.create({
    config,
    reader,
    logger: silentLogger,
  });
  builder.addProcessor(new ScaffolderEntitiesProcessor());
  builder.setFieldFormatValidators({});
  return new DefaultCatalogProcessingOrchestrator({
    processors: builder.buildProcessors(),
    integrations: ScmIntegrations.fromConfig(config),
    rulesEnforcer: DefaultCatalogRulesEnforcer.fromConfig(config),
    logger: silentLogger,
    parser: defaultEntityDataParser,
    policy: builder.buildEntityPolicy(),
    allowedLocationTypes: builder.allowedLocationType,
  });
}

// Status message as the stitcher writes it.
function statusMessage(error) {
  const e = serializeError(error);
  return `${e.name}: ${e.message}`;
}

async function runCase(caseDir) {
  process.chdir(caseDir);
  // getcwd() may differ from caseDir when the checkout path has symlinks;
  // path.resolve (provider, rules) uses the former.
  const dirs = [...new Set([process.cwd(), caseDir])];
  const config = await loadConfig(path.join(caseDir, 'app-config.yaml'), caseDir);
  const orchestrator = makeOrchestrator(config, localReader(caseDir));

  // Names of generated Locations are sha1("<type>:<target>") of an absolute
  // target, so they differ per checkout. Each one seen is rewritten to
  // `generated-sha1(<type>:<target>)` before <dir> substitution.
  const generatedNames = new Map();
  const noteGenerated = entity => {
    const { name } = entity.metadata;
    const spec = entity.spec ?? {};
    const key = `${spec.type}:${spec.target}`;
    const hash = crypto.createHash('sha1').update(key).digest('hex');
    if (entity.kind === 'Location' && name === `generated-${hash}`) {
      generatedNames.set(name, `generated-sha1(${key})`);
    }
  };
  const normalise = s => {
    let out = s;
    for (const [name, readable] of generatedNames) out = out.split(name).join(readable);
    for (const dir of dirs) out = out.split(dir).join('<dir>');
    return out;
  };

  const roots = new ConfigLocationEntityProvider(config).getEntitiesFromConfig();
  // Breadth-first queue standing in for the processing loop. `seen` plays the
  // role of refresh_state's unique entity_ref: the first emitter keeps it
  // (exact for differing location keys; see README for equal keys).
  const queue = [];
  const seen = new Map();
  for (const { entity } of roots) {
    const ref = stringifyEntityRef(entity);
    // The same config location listed twice yields one entity.
    if (seen.has(ref)) continue;
    const item = { entity, emittedBy: null, alsoEmittedBy: [] };
    seen.set(ref, item);
    queue.push(item);
  }
  const records = [];
  while (queue.length) {
    if (records.length >= MAX_ENTITIES) {
      throw new Error(`tree-oracle: more than ${MAX_ENTITIES} entities`);
    }
    const { entity, emittedBy, alsoEmittedBy } = queue.shift();
    const ref = stringifyEntityRef(entity);
    noteGenerated(entity);
    const result = await orchestrator.process({ entity, state: undefined });
    const annotations = entity.metadata.annotations ?? {};
    const record = {
      entity: ref,
      emittedBy,
      ok: result.ok,
      errors: result.errors.map(statusMessage),
      managedByLocation: annotations['backstage.io/managed-by-location'] ?? null,
      originLocation: annotations['backstage.io/managed-by-origin-location'] ?? null,
      // Later parents that emitted the same ref; the catalog keeps the first
      // (conflicting location key) so these are not processed again.
      alsoEmittedBy,
    };
    records.push(record);
    if (!result.ok) continue; // a failed entity emits nothing
    for (const { entity: child } of result.deferredEntities) {
      const childRef = stringifyEntityRef(child);
      const earlier = seen.get(childRef);
      if (earlier) {
        earlier.alsoEmittedBy.push(ref);
        continue;
      }
      // The engine stores unprocessed entities as JSON.
      const item = {
        entity: JSON.parse(JSON.stringify(child)),
        emittedBy: ref,
        alsoEmittedBy: [],
      };
      seen.set(childRef, item);
      queue.push(item);
    }
  }

  const text = JSON.stringify(records);
  if (text.includes(READ_MARK)) {
    throw new Error(`tree-oracle: ${caseDir}: a fixture needed what the local reader does not do`);
  }
  // Normalise first, then sort: raw refs contain checkout-dependent hashes.
  const out = JSON.parse(normalise(text));
  const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  for (const r of out) r.alsoEmittedBy.sort(cmp);
  out.sort((a, b) => cmp(a.entity, b.entity));
  return `${JSON.stringify(out, null, 2)}\n`;
}

async function main() {
  const [casesDir, outDir] = process.argv.slice(2);
  if (!casesDir || !outDir) {
    process.stderr.write('usage: node tree-oracle.js <cases-dir> <out-dir>\n');
    process.exit(2);
  }
  const absCases = path.resolve(casesDir);
  const absOut = path.resolve(outDir);
  fs.mkdirSync(absOut, { recursive: true });
  const cases = fs
    .readdirSync(absCases, { withFileTypes: true })
    .filter(
      d => d.isDirectory() && fs.existsSync(path.join(absCases, d.name, 'app-config.yaml')),
    )
    .map(d => d.name)
    .sort();
  for (const name of cases) {
    const text = await runCase(path.join(absCases, name));
    fs.writeFileSync(path.join(absOut, `${name}.json`), text);
  }
  process.stdout.write(`${cases.length} cases\n`);
}

main().catch(e => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
