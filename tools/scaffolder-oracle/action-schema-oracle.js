#!/usr/bin/env node
/*
 * Records every scaffolder action of the pinned Backstage packages: its id
 * and the structure of the input/output JSON Schema it exposes (what
 * GET /v2/actions of the scaffolder backend serves as `schema`), without
 * descriptions, titles or examples.
 *
 * Usage: node action-schema-oracle.js [out-file]
 *   out-file defaults to ../../platform-scaffold/tests/fixtures/action-schemas.json
 *
 * How the actions are obtained (nothing from Backstage is copied here):
 *   1. "Wiring": the backend features (the scaffolder plugin and its modules,
 *      the `default` export of each package) are initialised the way the
 *      backend does it: the plugin's registrations are read with
 *      getRegistrations(), its extension points are handed to the modules'
 *      init functions, and then the plugin's own init runs. The plugin's
 *      createRouter (dist/service/router.cjs.js, not exported) is replaced
 *      by a stub that records the `actions` array it is given, so the set of
 *      actions is exactly what the router would register.
 *      Run once with the features a fresh `@backstage/create-app` backend
 *      adds (STOCK_FEATURES, giving `stock`), and once with all features.
 *   2. "Factories": every exported `create*Action` / `edit*Action` factory of
 *      each package is called with an options object holding integrations
 *      (ScmIntegrations.fromConfig of an empty config), the config, a
 *      DefaultGithubCredentialsProvider and stubs for reader, catalog and
 *      notifications. Their ids and schemas must agree with (1); factories
 *      whose action no feature registers (fetch:template's workspace
 *      variants) are recorded with `registered: false`.
 *
 * The schemas are not converted here: createTemplateAction of
 * @backstage/plugin-scaffolder-node already turns the zod callbacks into
 * JSON Schema with zod-to-json-schema when the action is created, and the
 * router serves `action.schema` as it is. A missing output schema is written
 * as null.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const { pathArg } = require('./args');

const outFile = pathArg(2, '../../platform-scaffold/tests/fixtures/action-schemas.json');

const BACKEND = '@backstage/plugin-scaffolder-backend';
const MODULES = [
  '@backstage/plugin-scaffolder-backend-module-github',
  '@backstage/plugin-scaffolder-backend-module-gitlab',
  '@backstage/plugin-scaffolder-backend-module-bitbucket-server',
  '@backstage/plugin-scaffolder-backend-module-azure',
  '@backstage/plugin-scaffolder-backend-module-notifications',
];

// The scaffolder features that a fresh `@backstage/create-app` backend adds:
// templates/default-app/packages/backend/src/index.ts (lines 17-21) of the
// create-app tarball adds the plugin, the github module and the
// notifications module, and no other scaffolder module. See README.md.
const STOCK_FEATURES = [
  BACKEND,
  '@backstage/plugin-scaffolder-backend-module-github',
  '@backstage/plugin-scaffolder-backend-module-notifications',
];

// The same backend's app-config.yaml sets backend.actions.pluginSources to
// [auth, catalog, scaffolder], so the scaffolder's action registry also lists
// the actions those plugins put in the actions registry (id
// `<pluginId>:<name>`). The scaffolder plugin's own ones are recorded from
// the code below; auth and catalog are not installed here, so their names are
// listed as read from @backstage/plugin-auth-backend 0.31.0 and
// @backstage/plugin-catalog-backend 4.0.5 (dist/actions/*.cjs.js).
const STOCK_ACTIONS_SERVICE_OTHER = [
  'auth:who-am-i',
  'catalog:get-catalog-entity',
  'catalog:get-catalog-model-description',
  'catalog:query-catalog-entities',
  'catalog:refresh-catalog-entity',
  'catalog:register-entity',
  'catalog:unregister-entity',
  'catalog:validate-entity',
];

const backendRoot = path.dirname(require.resolve(`${BACKEND}/package.json`));
const backendDist = path.join(backendRoot, 'dist');
const requireFrom = (id, dir) => require(require.resolve(id, { paths: [dir] }));

const { ConfigReader } = requireFrom('@backstage/config', backendDist);
const { ScmIntegrations, DefaultGithubCredentialsProvider } = requireFrom(
  '@backstage/integration',
  backendDist,
);
const routerModule = require(path.join(backendDist, 'service/router.cjs.js'));

// Root directory of the copy of `id` resolved from `fromDir`; some packages
// do not export ./package.json, so walk up from their entry file.
function packageDir(id, fromDir) {
  let dir = path.dirname(require.resolve(id, { paths: [fromDir] }));
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj) && JSON.parse(fs.readFileSync(pj, 'utf8')).name === id) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json for ${id}`);
    dir = up;
  }
}
const versionOf = (id, fromDir = __dirname) =>
  JSON.parse(fs.readFileSync(path.join(packageDir(id, fromDir), 'package.json'), 'utf8')).version;

function stubs() {
  const logger = {
    info() {},
    warn() {},
    error() {},
    debug() {},
    child() {
      return logger;
    },
  };
  const refuse = what => () => {
    throw new Error(`the oracle does not provide ${what}`);
  };
  const config = new ConfigReader({});
  const integrations = ScmIntegrations.fromConfig(config);
  return {
    config,
    integrations,
    logger,
    reader: { readUrl: refuse('readUrl'), readTree: refuse('readTree'), search: refuse('search') },
    catalog: new Proxy({}, { get: (_, k) => refuse(`catalog.${String(k)}`) }),
    notifications: { send: async () => {} },
  };
}

// Initialises the plugin with the given modules and returns the actions
// handed to createRouter (each tagged with the package that added it) and the
// names the plugin registered in the actions registry.
async function wire(modulePkgs) {
  const s = stubs();
  const remote = [];
  const services = {
    'core.logger': s.logger,
    'core.rootConfig': s.config,
    'core.rootLifecycle': { addStartupHook() {}, addShutdownHook() {} },
    'core.urlReader': s.reader,
    'core.permissions': {},
    'core.permissionsRegistry': { addPermissions() {}, addResourceType() {} },
    'core.database': {},
    'core.auth': {},
    'core.httpRouter': { use() {}, addAuthPolicy() {} },
    'core.httpAuth': {},
    'core.auditor': {},
    'catalog-client': s.catalog,
    'events.service': {},
    'alpha.core.actions': { list: async () => ({ actions: [] }) },
    'alpha.core.actionsRegistry': { register: opts => remote.push(opts) },
    'scaffolder-client': {},
    'core.scheduler': {},
    'alpha.core.metrics': {},
    'notifications.service': s.notifications,
  };
  const [plugin] = require(BACKEND).default.getRegistrations();
  const extensionPoints = new Map(plugin.extensionPoints.map(e => [e.extensionPoint.id, e.factory()]));
  const origin = new Map();

  const resolve = (deps, overrides) =>
    Object.fromEntries(
      Object.entries(deps).map(([name, ref]) => {
        const v = overrides.get(ref.id) ?? extensionPoints.get(ref.id) ?? services[ref.id];
        if (v === undefined) throw new Error(`no stub for ${ref.id}`);
        return [name, v];
      }),
    );

  for (const pkg of modulePkgs) {
    const regs = require(pkg).default.getRegistrations();
    for (const reg of regs) {
      const actionsPoint = extensionPoints.get('scaffolder.actions');
      const tagging = {
        addActions(...actions) {
          for (const a of actions) origin.set(a, pkg);
          actionsPoint.addActions(...actions);
        },
      };
      await reg.init.func(resolve(reg.init.deps, new Map([['scaffolder.actions', tagging]])));
    }
  }

  let captured;
  const original = routerModule.createRouter;
  routerModule.createRouter = async opts => {
    captured = opts;
    return (_req, _res, next) => next();
  };
  try {
    await plugin.init.func(resolve(plugin.init.deps, new Map()));
  } finally {
    routerModule.createRouter = original;
  }
  if (!captured) throw new Error('the scaffolder plugin did not create its router');
  return {
    actions: captured.actions.map(a => ({ pkg: origin.get(a) ?? BACKEND, action: a })),
    remoteNames: remote.map(r => r.name),
  };
}

// Every exported action factory of `pkg`, called with the union of options.
function fromFactories(pkg) {
  const s = stubs();
  const options = {
    integrations: s.integrations,
    config: s.config,
    reader: s.reader,
    catalog: s.catalog,
    notifications: s.notifications,
    githubCredentialsProvider: DefaultGithubCredentialsProvider.fromIntegrations(s.integrations),
    requireScmUserCredentials: false,
  };
  const exp = require(pkg);
  return Object.keys(exp)
    .filter(name => /^(create|edit)\w*Action$/.test(name) && typeof exp[name] === 'function')
    .sort()
    .map(name => ({ factory: name, action: exp[name](options) }));
}

const schemaOf = action => ({
  input: action.schema?.input ?? null,
  output: action.schema?.output ?? null,
});
const byCodeUnit = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

async function main() {
  const all = await wire(MODULES);
  const stock = await wire(STOCK_FEATURES.filter(p => p !== BACKEND));

  const entries = new Map();
  for (const { pkg, action } of all.actions) {
    if (entries.has(action.id)) throw new Error(`duplicate action id ${action.id}`);
    entries.set(action.id, { pkg, action, factory: null, registered: true });
  }
  for (const pkg of [BACKEND, ...MODULES]) {
    for (const { factory, action } of fromFactories(pkg)) {
      const e = entries.get(action.id);
      if (!e) {
        entries.set(action.id, { pkg, action, factory, registered: false });
        continue;
      }
      if (e.pkg !== pkg) throw new Error(`${action.id}: ${factory} of ${pkg}, registered by ${e.pkg}`);
      if (e.factory) throw new Error(`${action.id}: both ${e.factory} and ${factory}`);
      if (JSON.stringify(schemaOf(e.action)) !== JSON.stringify(schemaOf(action))) {
        throw new Error(`${action.id}: ${factory} gives another schema than the registered action`);
      }
      e.factory = factory;
    }
  }

  // Facts only: ids, flags and schema structure. Descriptions, titles and
  // examples (Backstage's prose) are left out of the recording.
  const withoutProse = value => {
    if (Array.isArray(value)) return value.map(withoutProse);
    if (value === null || typeof value !== 'object') return value;
    const out = {};
    for (const [key, v] of Object.entries(value)) {
      if (['description', 'title', 'examples'].includes(key) && (typeof v === 'string' || Array.isArray(v))) continue;
      out[key] = key === 'properties' && v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, sub]) => [k, withoutProse(sub)]))
        : withoutProse(v);
    }
    return out;
  };
  const actions = [...entries.keys()].sort(byCodeUnit).map(id => {
    const { pkg, action, factory, registered } = entries.get(id);
    const { input, output } = schemaOf(action);
    return {
      id,
      module: pkg,
      factory,
      registered,
      supportsDryRun: action.supportsDryRun === true,
      input: withoutProse(input),
      output: withoutProse(output),
    };
  });

  const stockIds = stock.actions.map(a => a.action.id).sort(byCodeUnit);
  const stockRemote = [...stock.remoteNames.map(n => `scaffolder:${n}`), ...STOCK_ACTIONS_SERVICE_OTHER].sort(
    byCodeUnit,
  );

  const recordedWith = { node: process.version };
  for (const pkg of [
    BACKEND,
    ...MODULES,
    '@backstage/plugin-scaffolder-node',
    '@backstage/integration',
    '@backstage/config',
    '@backstage/backend-plugin-api',
    'zod',
    'zod-to-json-schema',
  ]) {
    recordedWith[pkg] = versionOf(pkg);
  }
  // Modules whose range does not admit the top-level scaffolder-node get a
  // nested copy; their actions are built (and their schemas converted) by it.
  for (const pkg of MODULES) {
    const dir = packageDir(pkg, __dirname);
    const nodeDir = packageDir('@backstage/plugin-scaffolder-node', dir);
    if (nodeDir !== packageDir('@backstage/plugin-scaffolder-node', __dirname)) {
      recordedWith[`${pkg} > @backstage/plugin-scaffolder-node`] = versionOf(
        '@backstage/plugin-scaffolder-node',
        dir,
      );
    }
  }

  const result = {
    generatedBy: 'tools/scaffolder-oracle/action-schema-oracle.js',
    recordedWith,
    stockFeatures: STOCK_FEATURES,
    stock: stockIds,
    stockViaActionsService: stockRemote,
    actions,
  };
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(
    `wrote ${path.relative(process.cwd(), outFile)}: ${actions.length} actions, ${stockIds.length} stock\n`,
  );
}

main().catch(e => {
  process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
