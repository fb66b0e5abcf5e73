"""The app-level import graph has no cycle, counting imports placed inside functions (issue 17).

import-linter (.importlinter, run by test.sh) checks the declared stack; this test checks the property
that stack exists for, independently of how the layers are written down: reading every module of the
project (tests and migrations aside) with `ast`, each import of another app is an edge between apps,
wherever in the module it stands, and the apps must sort topologically."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "viaviden"


def _apps() -> set[str]:
    return {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists() and p.name != "e2e"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join(package + ([base] if base else []))
    return [base] + [f"{base}.{alias.name}" for alias in node.names]


def _app_of(module: str, apps: set[str]) -> str | None:
    parts = module.split(".")
    if parts[0] == "config":
        return "config"
    if parts[0] == "viaviden" and len(parts) > 1 and parts[1] in apps:
        return parts[1]
    return None


def app_import_graph() -> tuple[dict[str, set[str]], dict[tuple[str, str], list[str]]]:
    """{app: apps it imports} over every module outside tests and migrations, and for each edge where
    the imports are (module:line), so a failure names them."""
    apps = _apps()
    graph: dict[str, set[str]] = {}
    where: dict[tuple[str, str], list[str]] = {}
    paths = [*PACKAGE.rglob("*.py"), *(ROOT / "config").rglob("*.py")]
    for path in paths:
        rel = path.relative_to(ROOT).parts
        if "tests" in rel or "migrations" in rel or "e2e" in rel or path.name.count(".") > 1:
            continue
        module = _module_name(path)
        source = _app_of(module, apps)
        if source is None:
            continue
        graph.setdefault(source, set())
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):  # every import, also inside functions and classes
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for name in _imported(node, module, path.name == "__init__.py"):
                target = _app_of(name, apps)
                if target is not None and target != source:
                    graph[source].add(target)
                    where.setdefault((source, target), []).append(f"{module}:{node.lineno}")
    return graph, where


def test_the_app_level_import_graph_has_no_cycle():
    graph, where = app_import_graph()
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        cycle = exc.args[1]
        # Each app in the cycle is imported by the next one.
        edges = [
            f"{b} imports {a}: {', '.join(sorted(set(where.get((b, a), [])))[:5])}"
            for a, b in zip(cycle, cycle[1:], strict=False)
        ]
        pytest.fail("The apps import each other in a cycle:\n" + "\n".join(edges))
    # The graph really was read: the heart and the layers below it are in it, in that order.
    assert order.index("core") < order.index("reference") < order.index("organisations") < order.index(
        "companies") < order.index("matches")


def test_the_cycle_check_sees_imports_inside_functions():
    """The walk must count an import placed inside a function (the way cycles used to be hidden)."""
    tree = ast.parse("def f():\n    from viaviden.matches.models import Match\n")
    found = [
        name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for name in _imported(node, "viaviden.companies.x", False)
    ]
    assert _app_of(found[0], _apps()) == "matches"
