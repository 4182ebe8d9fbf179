#!/usr/bin/env python3
"""Import cycles among the ``dieuphoi`` modules (issue 13, item 6).

Reads every module under ``dieuphoi/`` (tests and migrations left out) with
``ast`` and draws an edge for each ``import dieuphoi...`` / ``from dieuphoi...
import`` / relative import, at module level AND inside functions: a lazy
import that only dodges a cycle is still a cycle. Imports under ``if
TYPE_CHECKING:`` are left out (they never run). ``from pkg import name``
points at ``pkg.name`` when that is a module, else at ``pkg``.

Prints every cycle (strongly connected component of two or more modules,
with one shortest loop through it) and fails on any; there is no allow
list:

    .venv/bin/python scripts/import_cycles.py        # exit 1 on any cycle
    .venv/bin/python scripts/import_cycles.py --all  # the same (kept for old callers)

``find_cycles()`` returns the same report, one entry per cycle, for the test
(``dieuphoi/core/tests/test_import_cycles.py``).
"""

from __future__ import annotations

import ast
import itertools
import sys
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "dieuphoi"


def module_files() -> dict[str, Path]:
    found = {}
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        rel = path.relative_to(ROOT)
        if "tests" in rel.parts or "migrations" in rel.parts:
            continue
        parts = list(rel.with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        found[".".join(parts)] = (path, is_package)
    return found


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = getattr(test, "id", None) or getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                for child in node.body:
                    skipped.update(id(n) for n in ast.walk(child))
    return skipped


def edges_of(name: str, path: Path, is_package: bool, modules) -> dict[str, int]:
    """Imported module -> first line importing it."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skipped = _type_checking_nodes(tree)
    package = name if is_package else name.rpartition(".")[0]
    out: dict[str, int] = {}

    def add(target: str, line: int) -> None:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target != name:
            out.setdefault(target, line)

    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    add(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            if base.split(".")[0] != PACKAGE:
                continue
            for alias in node.names:
                full = f"{base}.{alias.name}"
                add(full if full in modules else base, node.lineno)
    return out


def strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:  # iterative Tarjan
        nonlocal counter
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        result.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(result)


def shortest_loop(graph, component: list[str], start: str) -> list[str]:
    members = set(component)
    previous = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(graph[node]):
            if child not in members:
                continue
            if child == start:
                loop = [node]
                while previous[loop[-1]] is not None:
                    loop.append(previous[loop[-1]])
                return [*reversed(loop), start]
            if child not in previous:
                previous[child] = node
                queue.append(child)
    return [start]


def find_cycles() -> list[str]:
    """One entry per cycle, two lines each: its modules, then one loop
    through them with the line of each import. Empty when there is none."""
    modules = module_files()
    graph = {
        name: edges_of(name, path, is_package, modules)
        for name, (path, is_package) in modules.items()
    }
    found = []
    for component in strongly_connected(graph):
        loop = shortest_loop(graph, component, component[0])
        hops = " -> ".join(
            f"{a} (l.{graph[a][b]})" for a, b in itertools.pairwise(loop)
        )
        found.append(
            f"cycle of {len(component)} modules: {', '.join(component)}\n"
            f"    e.g. {hops} -> {loop[-1]}"
        )
    return found


def main(argv: list[str]) -> int:
    unknown = [arg for arg in argv if arg != "--all"]
    if unknown:
        print(f"unknown arguments: {' '.join(unknown)} (only --all, the default)")
        return 2
    cycles = find_cycles()
    for cycle in cycles:
        print(cycle)
    print(f"{len(cycles)} cycle(s) among {len(module_files())} modules.")
    return 1 if cycles else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
