#!/usr/bin/env python3
"""Regenerates fuzz/seeds/<target>/ from the repository's own fixtures.

Run from anywhere: `python3 fuzz/make-seeds.py [YAML_TEST_SUITE_DIR]`.
The YAML test suite (one directory per case, each with an `in.yaml`)
defaults to ../shared/yaml-test-suite next to the repository's parent.
Seeds are named by the SHA-1 of their content (deduplicated), so running
the script again only adds what changed. Hand-written seeds live in
fuzz/seeds-extra/<target>/ and are copied as they are.
"""

import hashlib
import json
import os
import re
import shutil
import sys
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
REPO = FUZZ.parent
SEEDS = FUZZ / "seeds"
EXTRA = FUZZ / "seeds-extra"
SUITE = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "yaml-test-suite"
MAX_SEED = 32 * 1024  # bytes per seed; larger fixtures are skipped

FIXTURE_DIRS = [
    REPO / "platform-model" / "tests" / "fixtures",
    REPO / "platform-graph" / "tests" / "fixtures",
    REPO / "platform-scaffold" / "tests" / "fixtures",
    REPO / "platform-policy" / "tests" / "fixtures",
    REPO / "examples" / "acme",
]

counts = {}


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX_SEED:
        return
    out = SEEDS / target
    out.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    path = out / name
    if not path.exists():
        path.write_bytes(data)
        counts[target] = counts.get(target, 0) + 1


def files(*suffixes, names=()):
    for d in FIXTURE_DIRS:
        for p in sorted(d.rglob("*")):
            if p.is_file() and (p.suffix in suffixes or p.name in names):
                yield p


def read(p):
    return p.read_text(encoding="utf-8", errors="replace")


# --- yaml_reader: the YAML test suite and every YAML fixture -------------
if SUITE.is_dir():
    for p in sorted(SUITE.rglob("in.yaml")):
        put("yaml_reader", p.read_bytes())
for p in files(".yaml", ".yml"):
    put("yaml_reader", p.read_bytes())

# --- entity_ref: Backstage's own reference table -------------------------
refs = json.loads(read(REPO / "platform-model/tests/fixtures/refs/backstage-refs.json"))
for row in refs:
    text = row["input"] if isinstance(row["input"], str) else json.dumps(row["input"])
    kind = row.get("defaultKind")
    ns = row.get("defaultNamespace")
    seed = text
    if kind is not None or ns is not None:
        seed += "\0" + (kind or "")
    if ns is not None:
        seed += "\0" + ns
    put("entity_ref", seed)
for p in files(".yaml", ".yml"):
    for m in re.finditer(r"(?:owner|system|domain|parent|memberOf|providesApis|consumesApis|dependsOn)[:\s\[-]+([A-Za-z0-9:/_.-]+)", read(p)):
        put("entity_ref", m.group(1))

# --- catalog_tree: fixture trees packed as `%%% path` archives -----------
def pack(root, paths):
    first = root / "catalog-info.yaml"
    parts = [read(first) if first.exists() else ""]
    for p in paths:
        rel = p.relative_to(root).as_posix()
        if rel == "catalog-info.yaml":
            continue
        parts.append(f"%%% {rel}\n" + read(p))
    return "".join(part if part.endswith("\n") or not part else part + "\n" for part in parts)


def tree(root, limit=MAX_SEED):
    paths = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".json", ".txt"))
    put("catalog_tree", pack(root, paths)[:limit])


model = REPO / "platform-model/tests/fixtures"
tree(model / "loader/locations")
tree(model / "loader/tree")
acme = REPO / "examples/acme"
for sub in sorted((acme / "components").iterdir()):
    tree(sub)
for p in sorted((model / "backstage").glob("*.yaml")):
    put("catalog_tree", read(p))
for p in sorted(acme.rglob("*.yaml")):
    if "skeleton" not in p.parts:
        put("catalog_tree", read(p))
put("catalog_tree", pack(acme, sorted(p for d in ("org", "systems", "domains", "apis", "resources") for p in (acme / d).glob("*.yaml"))))

# --- template_render: `${{ }}` strings from fixtures and tests, with contexts
ctx = json.loads(read(REPO / "platform-scaffold/tests/fixtures/type-preservation.json"))
context = json.dumps(ctx["context"])
for row in ctx["rows"]:
    put("template_render", row["input"] + "\0" + context)
STRING = re.compile(r'"((?:[^"\\\n]|\\.)*(?:\$\{\{|\{%)(?:[^"\\\n]|\\.)*)"')
for p in sorted((REPO / "platform-scaffold/src").rglob("*.rs")) + sorted((REPO / "platform-scaffold/tests").rglob("*.rs")):
    for m in STRING.finditer(read(p)):
        try:
            s = json.loads('"' + m.group(1) + '"')
        except ValueError:
            continue
        put("template_render", s)
for p in files(".yaml", ".njk", ".txt", ".md", ".go", ".mod", names=("Dockerfile",)):
    text = read(p)
    if "${{" in text or "{%" in text:
        put("template_render", text)

# --- parameters: templates, and parameter pages with values ---------------
example_values = read(acme / "templates/new-go-service/example-values.yaml")
for p in list(files(".yaml")):
    text = read(p)
    if "scaffolder.backstage.io" in text and "kind: Template" in text:
        put("parameters", text)
        put("parameters", text + "\0" + example_values)
put("parameters", '[{"title": "Basics", "required": ["name"], "properties": {"name": {"type": "string", "pattern": "^[a-z-]+$"}, "lang": {"type": "string", "enum": ["go", "rust"], "default": "go"}}}, {"when": "${{ parameters.lang == \'go\' }}", "properties": {"goVersion": {"type": "string", "default": "1.24"}}}]\0{"name": "billing", "lang": "rust"}')
put("parameters", 'required: [name]\nproperties:\n  name: {type: string, minLength: 2}\n  tags: {type: array, items: {type: string}, uniqueItems: true}\n\0name: b\ntags: [a, a]\n')

# --- dockerfile / policy_file / crossplane --------------------------------
for p in files("", names=("Dockerfile",)):
    if p.name == "Dockerfile" or p.name.startswith("Dockerfile."):
        put("dockerfile", read(p))

NAMES = ["deploy/deployment.yaml", "chart/values.yaml", "Dockerfile", "catalog-info.yaml",
         "platform/crossplane/claim.yaml", "manifests.json", "Containerfile.dev", "README"]


def name_index(p):
    if p.name == "Dockerfile":
        return 2
    if p.name.startswith("catalog-info"):
        return 3
    if "values" in p.name:
        return 1
    if "crossplane" in p.as_posix() or "claim" in p.name or "xrd" in p.name:
        return 4
    if p.suffix == ".json":
        return 5
    return 0


for p in files(".yaml", ".yml", ".json", names=("Dockerfile",)):
    if p.stat().st_size <= MAX_SEED and "oracle" not in p.parts:
        put("policy_file", str(name_index(p)).encode() + p.read_bytes())

xrds = [p for p in files(".yaml") if "CompositeResourceDefinition" in read(p)]
claims = [p for p in files(".yaml") if "crossplane" in p.as_posix() and p not in xrds]
for x in xrds:
    for c in claims:
        put("crossplane", read(x) + "\0" + read(c))
    put("crossplane", read(x))

# --- hand-written seeds ---------------------------------------------------
if EXTRA.is_dir():
    for d in sorted(EXTRA.iterdir()):
        for p in sorted(d.iterdir()):
            put(d.name, p.read_bytes())

for target in sorted(counts):
    print(f"{target}: +{counts[target]}")
