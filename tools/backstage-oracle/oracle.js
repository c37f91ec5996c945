#!/usr/bin/env node
/*
 * Differential test oracle for the platform-model crate.
 *
 * Usage: node oracle.js <fixtures-dir> <out-dir>
 *
 * For every *.yaml file directly inside <fixtures-dir> this script runs the
 * real Backstage catalog processing code (installed from npm, versions pinned
 * in package.json) and writes <out-dir>/<name>.json with one verdict per YAML
 * document. See README.md for the output format and for how each step of the
 * simulated pipeline maps onto Backstage's own code.
 *
 * Nothing from Backstage is copied here: this script only wires the published
 * classes together the way the catalog backend does at runtime.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const catalogModel = require('@backstage/catalog-model');
const catalogNode = require('@backstage/plugin-catalog-node');
const { ConfigReader } = require('@backstage/config');
const { serializeError } = require('@backstage/errors');
const {
  ScaffolderEntitiesProcessor,
} = require('@backstage/plugin-catalog-backend-module-scaffolder-entity-model');
const yaml = require('yaml');

// Internal modules of the catalog backend. They are not part of the package's
// public `exports` map, so they are loaded by absolute file path. This is the
// only way to run the real orchestrator / collector / builder instead of a
// re-implementation of them.
const backendDist = path.dirname(
  require.resolve('@backstage/plugin-catalog-backend'),
);
function backendInternal(rel) {
  return require(path.join(backendDist, rel));
}
const {
  DefaultCatalogProcessingOrchestrator,
} = backendInternal('processing/DefaultCatalogProcessingOrchestrator.cjs.js');
const {
  ProcessorOutputCollector,
} = backendInternal('processing/ProcessorOutputCollector.cjs.js');
const { CatalogBuilder } = backendInternal('service/CatalogBuilder.cjs.js');
const { defaultEntityDataParser } = backendInternal('util/parse.cjs.js');

// Sanity check: make sure a single copy of each package is in play, otherwise
// `instanceof` checks and error class names could differ from production.
function assertSingleYaml() {
  const fromNode = require.resolve('yaml', {
    paths: [path.dirname(require.resolve('@backstage/plugin-catalog-node'))],
  });
  if (fromNode !== require.resolve('yaml')) {
    throw new Error(
      `oracle: plugin-catalog-node uses a different yaml copy (${fromNode})`,
    );
  }
}
assertSingleYaml();

// ---------------------------------------------------------------------------
// Environment

const silentLogger = {
  child() {
    return silentLogger;
  },
  error() {},
  warn() {},
  info() {},
  debug() {},
};

const config = new ConfigReader({});

// The UrlReaderService is only used by the PlaceholderProcessor ($text, $json,
// $yaml) and the UrlReaderProcessor. Fixtures must not depend on reads.
const noReader = {
  async readUrl(url) {
    throw new Error(`oracle: reading ${url} is not supported`);
  },
  async readTree() {
    throw new Error('oracle: readTree is not supported');
  },
  async search() {
    throw new Error('oracle: search is not supported');
  },
};

// Build policy and processors exactly like the catalog plugin does for a
// default backend (create-app) that also installs the scaffolder entity model
// module: CatalogBuilder.create(env), addProcessor(ScaffolderEntitiesProcessor),
// setFieldFormatValidators({}) (no model extensions). buildEntityPolicy and
// buildProcessors are the builder's own (private) methods.
const builder = CatalogBuilder.create({
  config,
  reader: noReader,
  logger: silentLogger,
});
builder.addProcessor(new ScaffolderEntitiesProcessor());
builder.setFieldFormatValidators({});
const policy = builder.buildEntityPolicy();
const realProcessors = builder.buildProcessors();
const integrations = require('@backstage/integration').ScmIntegrations.fromConfig(
  config,
);
const allowedLocationTypes = builder.allowedLocationType;

// catalog.rules are configuration dependent (the built-in default only allows
// Component, API and Location). The oracle allows everything and does not
// simulate rules; see README.md.
const allowAllRules = { isAllowed: () => true };

// When a Location entity from a fixture is processed, its targets would be
// read. The oracle treats every `file` and `url` target as an existing,
// empty location: the reader processors are replaced by stand-ins with the
// same name that accept their own type and emit nothing. Other types still
// reach "No processor was able to handle reading of ...".
function standInReader(name, type) {
  return {
    getProcessorName: () => name,
    async readLocation(location) {
      return location.type === type;
    },
  };
}
const entityProcessors = realProcessors.map(p => {
  // Matched by class: UrlReaderProcessor calls itself "url-reader".
  switch (p.constructor.name) {
    case 'FileReaderProcessor':
      return standInReader(p.getProcessorName(), 'file');
    case 'UrlReaderProcessor':
      return standInReader(p.getProcessorName(), 'url');
    default:
      return p;
  }
});
if (
  entityProcessors.filter(p => p.readLocation).length !== 2 ||
  realProcessors.filter(p => p.readLocation).length !== 2
) {
  throw new Error('oracle: expected exactly two reader processors');
}

// Records the parse results that the real parser yields, in order.
function recordingParser(sink) {
  return async function* parser(input) {
    for await (const result of defaultEntityDataParser(input)) {
      sink.push(result);
      yield result;
    }
  };
}

function makeOrchestrator(processors, parser) {
  return new DefaultCatalogProcessingOrchestrator({
    processors,
    integrations,
    rulesEnforcer: allowAllRules,
    logger: silentLogger,
    parser,
    policy,
    allowedLocationTypes,
  });
}

// How Backstage turns an error into a status item message
// (stitcher: `${e.name}: ${e.message}` over serializeError(e)).
function statusMessage(error) {
  const e = serializeError(error);
  return `${e.name}: ${e.message}`;
}

function classify(message, recordedOn) {
  if (recordedOn === 'location') {
    if (message.startsWith('Error: YAML error at ')) return 'yaml';
    if (message.startsWith('Error: Failed to parse YAML at ')) return 'yaml';
    if (message.startsWith('Error: Expected object at root')) return 'root';
    if (message.startsWith('Error: metadata.annotations must be a valid object'))
      return 'annotations';
    return 'envelope';
  }
  const rules = [
    ['Entity envelope failed validation before processing', 'envelope'],
    ['threw an error while preprocessing', 'preprocess'],
    ['Policy check failed for ', 'policy'],
    ['Policy unexpectedly returned no data', 'policy'],
    ['failed validation after preprocessing', 'schema'],
    ['The entity kind, namespace, or name changed', 'schema'],
    ['threw an error while validating the entity', 'kind'],
    ['No processor recognized the entity', 'kind'],
    ['Registered locations must be of an allowed type', 'location'],
    ['LocationEntityProcessor cannot handle', 'location'],
    ['threw an error while reading', 'location'],
    ['No processor was able to handle reading of', 'location'],
    ['threw an error while postprocessing', 'postprocess'],
  ];
  for (const [needle, stage] of rules) {
    if (message.includes(needle)) return stage;
  }
  return 'other';
}

function refOrNull(json) {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return null;
  const { apiVersion, kind, metadata } = json;
  const ok = v => typeof v === 'string' && v.length > 0;
  if (!ok(apiVersion) || !ok(kind)) return null;
  if (!metadata || typeof metadata !== 'object' || !ok(metadata.name)) {
    return null;
  }
  try {
    return catalogModel.stringifyEntityRef(json);
  } catch {
    // metadata.namespace is present but not a string
    return `${kind}:${String(metadata.namespace)}/${metadata.name}`.toLowerCase();
  }
}

function relationOut(r) {
  return {
    source: catalogModel.stringifyEntityRef(r.source),
    type: r.type,
    target: catalogModel.stringifyEntityRef(r.target),
  };
}

async function processFile(fileName) {
  const text = fs.readFileSync(fileName, 'utf8');
  const location = { type: 'file', target: fileName };
  const locationRef = catalogModel.stringifyLocationRef(location);

  // Independent view of the documents, numbered as parseAllDocuments does.
  // Only used to line results up with document indices.
  let docs = [];
  let wholeFileError = null;
  try {
    docs = Array.from(yaml.parseAllDocuments(text, { merge: false }));
  } catch (e) {
    wholeFileError = e;
  }

  // 1. Process the Location entity that Backstage creates for a registered
  //    file location. Its readLocation step runs the real FileReaderProcessor
  //    and the real parser; the real collector validates the emitted
  //    envelopes. Errors of this run are recorded on the Location entity.
  const parent = catalogNode.locationSpecToLocationEntity({ location });
  const yielded = [];
  const parentRun = await makeOrchestrator(
    realProcessors,
    recordingParser(yielded),
  ).process({ entity: parent, state: {} });

  // Map parse results to document indices: parseEntityYaml yields one result
  // per document, except for documents whose value is null. If converting a
  // document to JSON throws (parseEntityYaml does not guard document.toJSON(),
  // e.g. for an alias to an anchor in another document), the generator dies:
  // FileReaderProcessor reports "could not be read" and later documents are
  // never looked at.
  const yieldDocIndex = [];
  let throwingDoc = null;
  if (wholeFileError) {
    yieldDocIndex.push(null);
  } else {
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i];
      if (doc.errors?.length) {
        yieldDocIndex.push(i);
        continue;
      }
      let json;
      try {
        json = doc.toJSON();
      } catch {
        throwingDoc = i;
        break;
      }
      if (json !== null) yieldDocIndex.push(i);
    }
  }
  if (yieldDocIndex.length !== yielded.length) {
    throw new Error(
      `oracle: ${fileName}: ${yielded.length} parse results for ${yieldDocIndex.length} non-empty documents`,
    );
  }

  const documents = docs.map((doc, i) => ({
    document: i,
    entity: null,
    valid: true,
    error: null,
    relations: [],
    empty: true,
  }));

  const replayedErrors = [];
  const replayedDeferred = [];
  for (let k = 0; k < yielded.length; k++) {
    const result = yielded[k];
    const i = yieldDocIndex[k];
    // 2. Replay this single parse result through a fresh real collector, to
    //    see what it alone contributes (an error on the Location, or an
    //    emitted entity with location annotations added).
    const collector = new ProcessorOutputCollector(silentLogger, parent);
    collector.generic()(structuredClone(result));
    const out = collector.results();
    replayedErrors.push(...out.errors);
    replayedDeferred.push(...out.deferredEntities);

    const json = result.type === 'entity' ? result.entity : undefined;
    const entry = {
      document: i,
      entity: refOrNull(json),
      valid: true,
      error: null,
      relations: [],
    };
    if (out.errors.length) {
      entry.valid = false;
      entry.error = statusMessage(out.errors[0]);
      entry.errors = out.errors.map(statusMessage);
      entry.stage = classify(entry.error, 'location');
      entry.recordedOn = 'location';
      const yamlError = i === null ? undefined : docs[i].errors?.[0];
      if (yamlError) {
        // Structured form of the first YAML error, for implementations that
        // cannot reproduce the yaml library's wording.
        entry.yamlError = {
          code: yamlError.code,
          line: yamlError.linePos?.[0]?.line ?? null,
          col: yamlError.linePos?.[0]?.col ?? null,
        };
      }
    } else if (out.deferredEntities.length) {
      // 3. Process the emitted entity on its own, as the engine does later.
      //    The unprocessed entity is stored as JSON in the database, hence
      //    the JSON round trip.
      const unprocessed = JSON.parse(
        JSON.stringify(out.deferredEntities[0].entity),
      );
      const run = await makeOrchestrator(entityProcessors, undefined).process(
        { entity: unprocessed, state: {} },
      );
      if (run.ok) {
        entry.relations = run.relations.map(relationOut);
      } else {
        entry.valid = false;
        entry.error = statusMessage(run.errors[0]);
        entry.errors = run.errors.map(statusMessage);
        entry.stage = classify(entry.error, 'entity');
        entry.recordedOn = 'entity';
      }
    } else {
      // Ignored by the collector (same ref as the parent Location).
      entry.ignored = true;
    }
    if (i === null) {
      documents.push({ document: null, ...entry });
    } else {
      documents[i] = entry;
    }
  }

  const parentErrors = parentRun.errors.map(statusMessage);
  if (throwingDoc !== null) {
    const readError = parentErrors[parentErrors.length - 1];
    replayedErrors.push(parentRun.errors[parentRun.errors.length - 1]);
    documents[throwingDoc] = {
      document: throwingDoc,
      entity: null,
      valid: false,
      error: readError,
      relations: [],
      errors: [readError],
      stage: 'read',
      recordedOn: 'location',
    };
    for (let i = throwingDoc + 1; i < docs.length; i++) {
      // Never parsed by Backstage.
      documents[i] = {
        document: i,
        entity: null,
        valid: false,
        error: null,
        relations: [],
        unread: true,
      };
    }
  }

  // Cross-check: the per-document replay must add up to the real run.
  const replayed = replayedErrors.map(statusMessage);
  if (JSON.stringify(parentErrors) !== JSON.stringify(replayed)) {
    throw new Error(
      `oracle: ${fileName}: replayed errors differ from the real run:\n${JSON.stringify(
        { parentErrors, replayed },
        null,
        2,
      )}`,
    );
  }
  if (
    parentRun.ok &&
    JSON.stringify(parentRun.deferredEntities) !==
      JSON.stringify(replayedDeferred)
  ) {
    throw new Error(
      `oracle: ${fileName}: replayed entities differ from the real run`,
    );
  }

  // The stand-in reader must never have been reached (fixtures must not use
  // $text/$json/$yaml placeholders that need reading).
  const all = JSON.stringify(documents) + JSON.stringify(parentErrors);
  if (all.includes('oracle: ')) {
    throw new Error(`oracle: ${fileName}: a fixture needed a URL read`);
  }

  return {
    location: locationRef,
    // false when the Location entity's processing failed: Backstage then
    // stores only the errors and emits none of the file's entities.
    entitiesEmitted: parentRun.ok,
    locationErrors: parentErrors,
    documents,
  };
}

async function main() {
  const [fixturesDir, outDir] = process.argv.slice(2);
  if (!fixturesDir || !outDir) {
    process.stderr.write('usage: node oracle.js <fixtures-dir> <out-dir>\n');
    process.exit(2);
  }
  const absOut = path.resolve(outDir);
  fs.mkdirSync(absOut, { recursive: true });
  // Locations are file:<name>.yaml relative to the fixtures directory, so
  // that messages do not depend on where the repository is checked out.
  process.chdir(path.resolve(fixturesDir));
  const files = fs
    .readdirSync('.', { withFileTypes: true })
    .filter(d => d.isFile() && d.name.endsWith('.yaml'))
    .map(d => d.name)
    .sort();
  let nDocs = 0;
  let nValid = 0;
  let nInvalid = 0;
  let nEmpty = 0;
  let nUnread = 0;
  for (const file of files) {
    const verdict = await processFile(file);
    for (const d of verdict.documents) {
      nDocs++;
      if (d.empty) nEmpty++;
      else if (d.unread) nUnread++;
      else if (d.valid) nValid++;
      else nInvalid++;
    }
    const outFile = path.join(absOut, `${file.replace(/\.yaml$/, '')}.json`);
    fs.writeFileSync(outFile, `${JSON.stringify(verdict, null, 2)}\n`);
  }
  process.stdout.write(
    `${files.length} files, ${nDocs} documents: ${nValid} valid, ${nInvalid} invalid, ${nEmpty} empty, ${nUnread} unread\n`,
  );
}

main().catch(e => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
