#!/usr/bin/env node
/*
 * Differential test oracle for app-config loading and catalog rules.
 *
 * Usage: node config-oracle.js <cases-dir> <out-dir>
 *
 * Every subdirectory of <cases-dir> that holds a case.json is a case. The
 * script loads the case's app-config files with the real config-loader,
 * builds the real DefaultCatalogRulesEnforcer and ConfigLocationEntityProvider
 * from the merged config, and writes <out-dir>/<case>.json. See README.md.
 *
 * Nothing from Backstage is copied here.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const { ConfigSources } = require('@backstage/config-loader');
const { ConfigReader } = require('@backstage/config');

// Internal modules of the catalog backend, outside its `exports` map, so they
// are loaded by absolute path (ties the oracle to the pinned version).
const backendDist = path.dirname(
  require.resolve('@backstage/plugin-catalog-backend'),
);
const {
  DefaultCatalogRulesEnforcer,
} = require(path.join(backendDist, 'ingestion/CatalogRules.cjs.js'));
const {
  ConfigLocationEntityProvider,
} = require(path.join(backendDist, 'providers/ConfigLocationEntityProvider.cjs.js'));

// A second copy of @backstage/config would make the loader and the catalog
// read config through different ConfigReader implementations.
const loaderDir = path.dirname(require.resolve('@backstage/config-loader'));
if (
  require.resolve('@backstage/config', { paths: [loaderDir] }) !==
    require.resolve('@backstage/config') ||
  require.resolve('@backstage/config', { paths: [backendDist] }) !==
    require.resolve('@backstage/config')
) {
  throw new Error('config-oracle: more than one @backstage/config copy');
}

// Loads the configs the way the backend's root config service does
// (ConfigSources.default + ConfigReader.fromConfigs), except that both the
// substitution function and the APP_CONFIG_* env source see only the case's
// env, never process.env, and file watching is off.
async function loadCaseConfig(caseDir, spec) {
  const env = spec.env ?? {};
  // Same as the loader's default (`process.env[name]?.trim()`), over `env`.
  const substitutionFunc = async name =>
    Object.hasOwn(env, name) ? String(env[name]).trim() : undefined;
  if (!spec.configs?.length) {
    // With no --config targets the loader falls back to files under rootDir
    // and reads BACKSTAGE_ENV from process.env; a case must name its files.
    throw new Error('config-oracle: case.json needs at least one config');
  }
  const source = ConfigSources.default({
    argv: spec.configs.flatMap(c => ['--config', path.join(caseDir, c)]),
    env,
    substitutionFunc,
    watch: false,
    rootDir: caseDir,
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
  throw new Error('config-oracle: config source yielded nothing');
}

async function runCase(caseDir) {
  const spec = JSON.parse(fs.readFileSync(path.join(caseDir, 'case.json'), 'utf8'));
  const withDir = s => s.split('<dir>').join(caseDir);
  const out = { error: null, config: null, verdicts: null, locations: null };
  // Relative `file` targets go through path.resolve in both the rules
  // enforcer and the provider, i.e. against the backend's cwd.
  process.chdir(path.resolve(caseDir, spec.backendDir ?? '.'));
  try {
    const config = await loadCaseConfig(caseDir, spec);
    out.config = config.getOptional() ?? {};
    const rules = DefaultCatalogRulesEnforcer.fromConfig(config);
    out.verdicts = (spec.queries ?? []).map(q =>
      rules.isAllowed(
        { kind: q.kind, spec: q.specType ? { type: q.specType } : {} },
        { type: q.location.type, target: withDir(q.location.target) },
      ),
    );
    // The provider only reads config when the catalog connects it, after the
    // rules were built; its errors come second.
    out.locations = new ConfigLocationEntityProvider(config)
      .getEntitiesFromConfig()
      .map(({ entity }) => ({ type: entity.spec.type, target: entity.spec.target }));
  } catch (e) {
    out.error = e instanceof Error ? e.message : String(e);
  }
  // Machine independent output: every absolute case path becomes <dir>.
  return `${JSON.stringify(out, null, 2).split(caseDir).join('<dir>')}\n`;
}

async function main() {
  const [casesDir, outDir] = process.argv.slice(2);
  if (!casesDir || !outDir) {
    process.stderr.write('usage: node config-oracle.js <cases-dir> <out-dir>\n');
    process.exit(2);
  }
  const absCases = path.resolve(casesDir);
  const absOut = path.resolve(outDir);
  fs.mkdirSync(absOut, { recursive: true });
  const cases = fs
    .readdirSync(absCases, { withFileTypes: true })
    .filter(d => d.isDirectory() && fs.existsSync(path.join(absCases, d.name, 'case.json')))
    .map(d => d.name)
    .sort();
  let nErrors = 0;
  for (const name of cases) {
    const text = await runCase(path.join(absCases, name));
    if (!text.startsWith('{\n  "error": null,')) nErrors++;
    fs.writeFileSync(path.join(absOut, `${name}.json`), text);
  }
  process.stdout.write(`${cases.length} cases, ${nErrors} with an error\n`);
}

main().catch(e => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
