#!/usr/bin/env node
/*
 * Differential test oracle for the platform-scaffold crate.
 *
 * Usage: node oracle.js [skeleton-dir] [out-dir]
 *   skeleton-dir defaults to ../../platform-scaffold/tests/fixtures/skeletons/matrix
 *   out-dir      defaults to ../../platform-scaffold/tests/fixtures/oracle
 *
 * Runs the real `fetch:template` action of @backstage/plugin-scaffolder-backend
 * (version pinned in package.json) over a copy of the skeleton, once per mode,
 * and writes the produced workspace as text (`fetch_<mode>.txt`, the format of
 * `snapshot_tree` in platform-scaffold/src/files.rs) plus what the action
 * logged and threw (`fetch_<mode>.log.json`). See README.md.
 *
 * Nothing from Backstage is copied here: the action is built with its public
 * factory and called with a context shaped like the one
 * NunjucksWorkflowRunner passes to every action.
 */
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { pathArg } = require('./args');

const { ConfigReader } = require('@backstage/config');
const { ScmIntegrations } = require('@backstage/integration');
const {
  createFetchTemplateAction,
} = require('@backstage/plugin-scaffolder-backend');

// The task runner validates step input with `jsonschema` against the action's
// JSON schema before calling the handler; use the backend's own copy.
const backendDir = path.dirname(
  require.resolve('@backstage/plugin-scaffolder-backend'),
);
const jsonschema = require(require.resolve('jsonschema', {
  paths: [backendDir],
}));

const skeletonSrc = pathArg(2, '../../platform-scaffold/tests/fixtures/skeletons/matrix');
const outDir = pathArg(3, '../../platform-scaffold/tests/fixtures/oracle');

const VALUES = { name: 'svc', flag: false, items: [1, 2], obj: { a: 1 }, n: 3 };

const MODES = [
  ['default', {}],
  ['cookiecutter', { cookiecutterCompat: true }],
  ['extension', { templateFileExtension: true }],
  ['verbatim', { copyWithoutTemplating: ['verbatim/**', '!verbatim/none'] }],
  // A directory named with or without its slash: globby expands it to
  // everything under it.
  ['verbatim-dir', { copyWithoutTemplating: ['verbatim/'] }],
  ['verbatim-bare', { copyWithoutTemplating: ['verbatim'] }],
  ['verbatim-sub', { copyWithoutTemplating: ['verbatim/sub'] }],
];

// ---------------------------------------------------------------------------
// Template: a copy of the skeleton plus what the Rust test adds at runtime.

function copyTree(src, dst) {
  fs.mkdirSync(dst, { recursive: true });
  for (const name of fs.readdirSync(src)) {
    const s = path.join(src, name);
    const d = path.join(dst, name);
    const st = fs.lstatSync(s);
    if (st.isSymbolicLink()) {
      fs.symlinkSync(fs.readlinkSync(s), d);
    } else if (st.isDirectory()) {
      copyTree(s, d);
    } else {
      fs.copyFileSync(s, d);
      fs.chmodSync(d, st.mode & 0o7777);
    }
  }
}

function makeTemplate(root) {
  const skeleton = path.join(root, 'skeleton');
  copyTree(skeletonSrc, skeleton);
  fs.mkdirSync(path.join(skeleton, 'emptydir'));
  fs.writeFileSync(
    path.join(skeleton, 'binary.bin'),
    Buffer.concat([
      Buffer.from([0x00, 0x01]),
      Buffer.from('${{ values.name }}', 'ascii'),
      Buffer.from([0xff]),
    ]),
  );
  fs.symlinkSync('README.md', path.join(skeleton, 'link'));
  fs.symlinkSync('missing.txt', path.join(skeleton, 'dangling'));
  fs.chmodSync(path.join(skeleton, 'run.sh'), 0o755);
  const templateYaml = path.join(root, 'template.yaml');
  fs.writeFileSync(templateYaml, '# content irrelevant to fetch:template\n');
  return templateYaml;
}

// ---------------------------------------------------------------------------
// Snapshot, identical to snapshot_tree in platform-scaffold/src/files.rs.

function walk(root, rel, out) {
  const dir = path.join(root, rel);
  for (const name of fs.readdirSync(dir)) {
    const relPath = rel ? `${rel}/${name}` : name;
    if (name === '.git') continue; // files.rs `collect` leaves .git out
    const full = path.join(root, relPath);
    const st = fs.lstatSync(full);
    if (st.isSymbolicLink()) {
      // files.rs: symlinks are never `executable`, and print their link text.
      out.push({ path: relPath, executable: false, symlink: fs.readlinkSync(full) });
    } else if (st.isDirectory()) {
      walk(root, relPath, out);
    } else {
      out.push({
        path: relPath,
        executable: (st.mode & 0o111) !== 0,
        content: fs.readFileSync(full),
      });
    }
  }
  return out;
}

// Every directory under the workspace (relative, sorted), empty ones included:
// the snapshot format cannot show them.
function directories(root, rel = '', out = []) {
  for (const name of fs.readdirSync(path.join(root, rel))) {
    const relPath = rel ? `${rel}/${name}` : name;
    if (fs.lstatSync(path.join(root, relPath)).isDirectory()) {
      out.push(relPath);
      directories(root, relPath, out);
    }
  }
  return out.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

function utf8Text(buf) {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf);
  } catch {
    return undefined;
  }
}

function snapshotTree(root) {
  const files = walk(root, '', []);
  files.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  let out = '';
  for (const f of files) {
    out += `--- ${f.path}`;
    if (f.executable) out += ' (executable)';
    if (f.symlink !== undefined) {
      out += ` -> ${f.symlink}\n`;
      continue;
    }
    out += '\n';
    const text = utf8Text(f.content);
    if (text === '') {
      out += '<empty>\n';
    } else if (text !== undefined && !text.includes('\0')) {
      out += text;
      if (!text.endsWith('\n')) out += '\n\\ no newline at end of file\n';
    } else {
      out += `<binary, ${f.content.length} bytes>\n`;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Running the action.

function makeLogger(records, scrub) {
  const logger = {
    child() {
      return logger;
    },
  };
  for (const level of ['error', 'warn', 'info', 'debug']) {
    logger[level] = (message, meta) => {
      const rec = { level, message: scrub(String(message)) };
      if (meta !== undefined) rec.meta = JSON.parse(scrub(JSON.stringify(meta)));
      records.push(rec);
    };
  }
  return logger;
}

async function runMode(mode, extraInput) {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), `scaffolder-oracle-${mode}-`));
  const templateRoot = path.join(base, 'template');
  const workingDirectory = path.join(base, 'work');
  fs.mkdirSync(workingDirectory);
  const templateYaml = makeTemplate(templateRoot);
  const workspacePath = path.join(workingDirectory, 'task');
  fs.mkdirSync(workspacePath);

  const scrub = s =>
    s
      .split(workspacePath)
      .join('<workspace>')
      .split(templateRoot)
      .join('<template>')
      .split(workingDirectory)
      .join('<work>');

  // What a create-app backend passes: the integrations from (here empty)
  // config and a UrlReader. file:// template locations never touch the
  // reader (fetchContents copies the directory), so a stub that throws.
  const integrations = ScmIntegrations.fromConfig(new ConfigReader({}));
  const reader = {
    async readUrl() {
      throw new Error('oracle: UrlReader must not be used');
    },
    async readTree() {
      throw new Error('oracle: UrlReader must not be used');
    },
    async search() {
      throw new Error('oracle: UrlReader must not be used');
    },
  };
  const action = createFetchTemplateAction({ reader, integrations });

  const input = { url: './skeleton', values: VALUES, ...extraInput };
  const logs = [];
  const logger = makeLogger(logs, scrub);
  const tmpDirs = [];
  const outputs = {};
  let error = null;
  try {
    const validation = jsonschema.validate(input, action.schema.input);
    if (!validation.valid) {
      throw new Error(
        `Invalid input passed to action ${action.id}, ${validation.errors.join(', ')}`,
      );
    }
    await action.handler({
      input,
      task: { id: 'task' },
      secrets: {},
      logger,
      workspacePath,
      async checkpoint({ fn }) {
        return fn();
      },
      createTemporaryDirectory: async () => {
        const dir = fs.mkdtempSync(`${workspacePath}_step-fetch-`);
        tmpDirs.push(dir);
        return dir;
      },
      output(name, value) {
        outputs[name] = value;
      },
      // What the scaffolder stores for a template registered from a file
      // location: `file://` + absolute path of the template YAML.
      templateInfo: { entityRef: 'template:default/oracle', baseUrl: `file://${templateYaml}` },
      user: undefined,
      isDryRun: false,
      signal: new AbortController().signal,
      getInitiatorCredentials: async () => ({}),
      step: { id: 'fetch', name: 'Fetch' },
    });
  } catch (e) {
    error = scrub(`${e.name}: ${e.message}`);
  }
  const snapshot = snapshotTree(workspacePath);
  const dirs = directories(workspacePath);
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(base, { recursive: true, force: true });
  return { snapshot, log: { mode, input, error, outputs, directories: dirs, logs } };
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  for (const [mode, extra] of MODES) {
    const { snapshot, log } = await runMode(mode, extra);
    fs.writeFileSync(path.join(outDir, `fetch_${mode}.txt`), snapshot);
    fs.writeFileSync(
      path.join(outDir, `fetch_${mode}.log.json`),
      `${JSON.stringify(log, null, 2)}\n`,
    );
    process.stdout.write(`fetch_${mode}: ${log.error ?? 'ok'}\n`);
  }
}

main().catch(e => {
  process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
