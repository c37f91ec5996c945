#!/usr/bin/env node
/*
 * Differential test oracle for the platform-scaffold renderer: how the REAL
 * Backstage workflow runner renders step inputs and evaluates `if`.
 *
 * Usage: node runner-oracle.js [fixture] [out-file]
 *   fixture  defaults to ../../platform-scaffold/tests/fixtures/type-preservation.json
 *   out-file defaults to ../../platform-scaffold/tests/fixtures/oracle/type-preservation.json
 *
 * It instantiates NunjucksWorkflowRunner of @backstage/plugin-scaffolder-backend
 * (version pinned in package.json) the way TaskWorker.create does, registers
 * one custom action `test:echo` (createTemplateAction from
 * @backstage/plugin-scaffolder-node, permissive zod input schema, handler
 * calls ctx.output('value', ctx.input)) in a DefaultTemplateActionRegistry,
 * and executes one task spec (apiVersion scaffolder.backstage.io/v1beta3)
 * whose parameters are the fixture's context parameters and whose steps are
 *   - one step per row:            {action: test:echo, input: {v: <row input>}}
 *   - one step per truthiness row: {action: test:echo, if: <entry>}
 * See README.md.
 *
 * Nothing from Backstage is copied here. The runner class and the registry
 * are not exported by the package (its `exports` map hides dist/), so they
 * are loaded from their files inside the installed package.
 */
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { pathArg } = require('./args');
const util = require('node:util');

const backendPkgJson = require.resolve('@backstage/plugin-scaffolder-backend/package.json');
const backendRoot = path.dirname(backendPkgJson);
const backendDist = path.join(backendRoot, 'dist');
// Resolve every other package as the scaffolder backend resolves it, so the
// oracle uses the very copies the runner uses.
const requireFromBackend = id => require(require.resolve(id, { paths: [backendDist] }));

const { NunjucksWorkflowRunner } = require(
  path.join(backendDist, 'scaffolder/tasks/NunjucksWorkflowRunner.cjs.js'),
);
const { DefaultTemplateActionRegistry } = require(
  path.join(backendDist, 'scaffolder/actions/TemplateActionRegistry.cjs.js'),
);
const { collectTemplateCapabilities } = require(
  path.join(backendDist, 'util/templating.cjs.js'),
);
const { createTemplateAction } = requireFromBackend('@backstage/plugin-scaffolder-node');
const { ConfigReader } = requireFromBackend('@backstage/config');
const { ScmIntegrations } = requireFromBackend('@backstage/integration');
const nunjitsu = requireFromBackend('nunjitsu');

const fixturePath = pathArg(2, '../../platform-scaffold/tests/fixtures/type-preservation.json');
const outFile = pathArg(3, '../../platform-scaffold/tests/fixtures/oracle/type-preservation.json');

// Version of the copy of `id` that the scaffolder backend resolves to. Some
// packages do not export ./package.json, so walk up from their entry file.
function versionOf(id) {
  let dir = path.dirname(require.resolve(id, { paths: [backendDist] }));
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      const json = JSON.parse(fs.readFileSync(pj, 'utf8'));
      if (json.name === id) return json.version;
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json for ${id}`);
    dir = up;
  }
}

// ---------------------------------------------------------------------------
// Instrumentation (observation only): the runner builds its renderer with
// nunjitsu.createTemplateRenderer inside execute() and swallows every error
// thrown by renderValue (Backstage then keeps the raw string). Wrap the
// factory so that we can record which sources threw, and why. The wrapped
// renderer returns and throws exactly what the original does.

const renderErrors = new Map(); // source string -> "<name>: <message>"
const originalCreate = nunjitsu.createTemplateRenderer;
nunjitsu.createTemplateRenderer = function createTemplateRendererObserved(...args) {
  const renderer = originalCreate.apply(this, args);
  // The renderer is frozen; delegate to it. Prepared contexts are tied to an
  // internal owner token, not to the renderer object, so they keep working.
  return Object.freeze({
    prepareContext: (...a) => renderer.prepareContext(...a),
    render: (...a) => renderer.render(...a),
    renderValue(source, ...rest) {
      try {
        return renderer.renderValue(source, ...rest);
      } catch (e) {
        renderErrors.set(source, `${e && e.name}: ${e && e.message}`);
        throw e;
      }
    },
  });
};

// ---------------------------------------------------------------------------
// The echo action.

function makeEchoAction(seen) {
  return createTemplateAction({
    id: 'test:echo',
    description: 'Outputs its rendered input unchanged (oracle).',
    supportsDryRun: true,
    schema: {
      // zod passthrough object: zod-to-json-schema turns it into
      // {type: object, properties: {}, additionalProperties: true}.
      input: z => z.object({}).passthrough(),
    },
    async handler(ctx) {
      // ctx.input is exactly what the runner rendered and validated.
      seen.set(ctx.step.id, {
        hasV: Object.prototype.hasOwnProperty.call(ctx.input, 'v'),
        v: ctx.input.v,
        input: ctx.input,
      });
      ctx.output('value', ctx.input);
    },
  });
}

function makeRootLogger(records) {
  const logger = {
    child() {
      return logger;
    },
  };
  for (const level of ['error', 'warn', 'info', 'debug']) {
    logger[level] = (message, meta) => {
      records.push({ level, message: String(message), ...(meta ? { meta: String(meta) } : {}) });
    };
  }
  return logger;
}

// MetricsService (alpha) stub: the runner only calls createCounter().add and
// createHistogram().record.
const metrics = {
  createCounter: () => ({ add() {} }),
  createHistogram: () => ({ record() {} }),
  createUpDownCounter: () => ({ add() {} }),
  createGauge: () => ({ record() {} }),
};

async function runTask(parameters, steps, output = {}) {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'scaffolder-runner-oracle-'));
  const workingDirectory = path.join(base, 'work');
  fs.mkdirSync(workingDirectory);
  const rootLogs = [];
  const rootLogger = makeRootLogger(rootLogs);
  const integrations = ScmIntegrations.fromConfig(new ConfigReader({}));

  const seen = new Map();
  // What the scaffolder plugin builds: a DefaultTemplateActionRegistry over
  // the actions service; here the actions service has no remote actions.
  const actionRegistry = new DefaultTemplateActionRegistry(
    { list: async () => ({ actions: [] }) },
    rootLogger,
  );
  actionRegistry.register(makeEchoAction(seen));

  // As in TaskWorker.create (no additional filters or globals, no config,
  // no permissions: the default create-app backend).
  const runner = new NunjucksWorkflowRunner({
    actionRegistry,
    integrations,
    logger: rootLogger,
    workingDirectory,
    templateCapabilities: collectTemplateCapabilities({
      filters: undefined,
      globals: undefined,
    }),
    permissions: undefined,
    config: undefined,
    metrics,
  });

  const taskLog = [];
  const task = {
    taskId: 'oracle-task',
    spec: {
      apiVersion: 'scaffolder.backstage.io/v1beta3',
      parameters,
      steps,
      output,
      templateInfo: { entityRef: 'template:default/oracle' },
    },
    secrets: {},
    isDryRun: false,
    done: false,
    cancelSignal: new AbortController().signal,
    getWorkspaceName: async () => 'oracle-task',
    getInitiatorCredentials: async () => ({ $$type: '@backstage/BackstageCredentials', principal: { type: 'none' } }),
    async emitLog(message, meta) {
      taskLog.push({ message, ...(meta ?? {}) });
    },
    async complete() {
      throw new Error('oracle: complete must not be called by the runner');
    },
  };

  let error = null;
  let result = null;
  try {
    result = await runner.execute(task);
  } catch (e) {
    error = `${e.name}: ${e.message}`;
  }
  fs.rmSync(base, { recursive: true, force: true });
  return { seen, error, taskLog, rootLogs, output: result ? result.output : undefined };
}

// ---------------------------------------------------------------------------

// A value as it appears in JSON, with a note when JSON cannot hold it.
function describe(present, value) {
  if (!present || value === undefined) return { undefined: true };
  return value;
}

// True when `value` is made only of JSON types (null, booleans, finite
// numbers, strings, arrays, objects; prototypes are ignored: nunjitsu
// returns object literals with a null prototype), so that the JSON written
// below shows it exactly.
function jsonExact(value) {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) {
    return value.length === Object.keys(value).length && value.every(jsonExact);
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== null && proto !== Object.prototype) return false;
    return Object.values(value).every(jsonExact);
  }
  return false;
}

async function main() {
  const fixture = JSON.parse(fs.readFileSync(fixturePath, 'utf8'));
  const parameters = fixture.context.parameters;
  const extraContext = Object.keys(fixture.context).filter(k => k !== 'parameters');
  if (extraContext.length > 0) {
    throw new Error(`fixture context has keys the oracle cannot provide: ${extraContext}`);
  }

  const rowSteps = fixture.rows.map((row, i) => ({
    id: `row-${i}`,
    name: `row ${i}`,
    action: 'test:echo',
    input: { v: row.input },
  }));
  const ifSteps = fixture.truthiness.map((row, i) => ({
    id: `if-${i}`,
    name: `if ${i}`,
    action: 'test:echo',
    if: row.if,
  }));

  // 1. One task holding every step, as the brief describes.
  const combined = await runTask(parameters, [...rowSteps, ...ifSteps]);
  if (combined.error) throw new Error(`combined task failed: ${combined.error}`);
  const combinedErrors = new Map(renderErrors);

  // 2. Cross-check: every step again in a task of its own, so that no row
  //    can influence another (a failed step would skip all later ones).
  const isolated = [];
  for (const step of [...rowSteps, ...ifSteps]) {
    renderErrors.clear();
    const r = await runTask(parameters, [step]);
    isolated.push({ step, r, errors: new Map(renderErrors) });
  }

  const rows = fixture.rows.map((row, i) => {
    const got = combined.seen.get(`row-${i}`);
    if (!got) throw new Error(`row ${i} did not run`);
    const out = { input: row.input, backstage: describe(got.hasV, got.v) };
    if (got.hasV && !jsonExact(got.v)) out.notJson = util.inspect(got.v);
    if (combinedErrors.has(row.input)) out.renderError = combinedErrors.get(row.input);
    const iso = isolated[i];
    const isoGot = iso.r.seen.get(`row-${i}`);
    const isoOut = isoGot ? describe(isoGot.hasV, isoGot.v) : '<did not run>';
    if (iso.r.error || !util.isDeepStrictEqual(isoOut, out.backstage)) {
      out.isolatedDiffers = { error: iso.r.error, backstage: isoOut };
    }
    return out;
  });

  const truthiness = fixture.truthiness.map((row, i) => {
    const id = `if-${i}`;
    const skipped = combined.taskLog.some(
      l => l.stepId === id && l.status === 'skipped',
    );
    const runs = combined.seen.has(id);
    if (runs === skipped) throw new Error(`${id}: ran=${runs} but skipped=${skipped}`);
    const out = { if: row.if, runs };
    if (typeof row.if === 'string' && combinedErrors.has(row.if)) {
      out.renderError = combinedErrors.get(row.if);
    }
    const iso = isolated[fixture.rows.length + i];
    if (iso.r.error || iso.r.seen.has(id) !== runs) {
      out.isolatedDiffers = { error: iso.r.error, runs: iso.r.seen.has(id) };
    }
    return out;
  });

  // 3. The template's `output`, rendered by a task without steps: values,
  //    `links`/`text` items filtered by `if`, key order.
  let output;
  if (fixture.output) {
    const r = await runTask(parameters, [], fixture.output);
    if (r.error) throw new Error(`output task failed: ${r.error}`);
    output = { template: fixture.output, backstage: r.output };
  }

  const result = {
    generatedBy: 'tools/scaffolder-oracle/runner-oracle.js',
    source: 'platform-scaffold/tests/fixtures/type-preservation.json',
    versions: {
      node: process.version,
      '@backstage/plugin-scaffolder-backend': versionOf('@backstage/plugin-scaffolder-backend'),
      '@backstage/plugin-scaffolder-node': versionOf('@backstage/plugin-scaffolder-node'),
      nunjitsu: versionOf('nunjitsu'),
      jsonschema: versionOf('jsonschema'),
      lodash: versionOf('lodash'),
      'zod-to-json-schema': versionOf('zod-to-json-schema'),
    },
    context: fixture.context,
    rows,
    truthiness,
    output,
  };
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(
    `wrote ${path.relative(process.cwd(), outFile)}: ${rows.length} rows, ${truthiness.length} if rows\n`,
  );
}

main().catch(e => {
  process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
