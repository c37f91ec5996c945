#!/usr/bin/env python3
"""Lists the import circles between the modules of each crate.

A module is a file under `src/` (`foo/mod.rs` is `foo`); `use crate::a::b`,
`crate::a::b::f(...)` paths and `use super::x` make an edge from the file's
module to the longest module prefix of the path. A circle is a strongly
connected component of more than one module. Child modules using their
parent's items (`use super::…` from `foo/bar.rs` to `foo`) are edges too, so
a parent that imports its children and is imported by them is a circle.

Usage: module_cycles.py CRATE_DIR...   (exit 1 when a crate has a circle)
"""
import re
import sys
from pathlib import Path

PATH = re.compile(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
USE_GROUP = re.compile(r"\buse\s+(crate|super)::\{([^;]*)\};", re.S)


def module_of(src: Path, file: Path) -> tuple:
    parts = list(file.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return tuple(parts)


def strip_tests(text: str) -> str:
    # Test modules may import anything; they are not part of the layering.
    i = text.find("#[cfg(test)]")
    return text if i < 0 else text[:i]


def edges(src: Path):
    modules = {module_of(src, f): f for f in src.rglob("*.rs")}
    graph = {m: set() for m in modules}
    # Names the crate root re-exports (`pub use a::b::{X, Y};` in lib.rs),
    # so that `crate::X` counts as a use of module `a::b`.
    reexports = {}
    lib = strip_tests((src / "lib.rs").read_text()) if (src / "lib.rs").exists() else ""
    for m in re.finditer(r"pub use ([a-z_][a-z0-9_]*(?:::[a-z_][a-z0-9_]*)*)::(\{[^;]*\}|[A-Za-z_][A-Za-z0-9_]*);", lib):
        path = tuple(m.group(1).split("::"))
        while path and path not in modules:
            path = path[:-1]
        if not path:
            continue
        for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", m.group(2)):
            if name not in ("as", "self"):
                reexports.setdefault(name, path)
    for module, file in modules.items():
        text = strip_tests(file.read_text())
        text = re.sub(r"//[^\n]*", "", text)
        paths = []
        for m in PATH.finditer(text):
            paths.append((m.group(1), m.group(2).strip(":").split("::")))
        for m in USE_GROUP.finditer(text):
            for item in m.group(2).split(","):
                item = item.strip().split("::")
                if item and item[0] and item[0] not in ("self",):
                    paths.append((m.group(1), [p.strip("{} ") for p in item]))
        for root, segs in paths:
            # `super` of `a/b.rs` and of `a/b/mod.rs` (module `a::b`) is `a`.
            target = tuple(module[:-1]) if root == "super" else ()
            if root == "crate" and segs and segs[0] in reexports:
                target = reexports[segs[0]]
                segs = segs[1:]
            for seg in segs:
                if seg == "super":
                    target = target[:-1]
                    continue
                if target + (seg,) in modules:
                    target = target + (seg,)
                else:
                    break
            if target != module and target in modules and target != ():
                graph[module].add(target)
    return graph


def sccs(graph):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def main():
    bad = False
    for crate in sys.argv[1:]:
        src = Path(crate) / "src"
        circles = sccs(edges(src))
        if circles:
            bad = True
            for c in circles:
                print(f"{crate}: circle of {len(c)}: " + ", ".join("::".join(m) for m in c))
        else:
            print(f"{crate}: no circle")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
