"""The house stays in order (issue 17): no import cycle among the modules of estimator/, ui/ and clinic/, no
module in estimator/ or clinic/ so long that it holds more than one job, and one date format for every date field."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ("estimator", "ui", "clinic")
MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports anywhere in its file (a function's or TYPE_CHECKING's imports included):
    `from a.b import c` counts as a.b.c when that is a module, else as a.b."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = name.split(".") if is_package else name.split(".")[:-1]
                here = here[: len(here) - (node.level - 1)]
                base = ".".join([*here, *([base] if base else [])])
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {m for m in found if m in known and m != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as the list of modules around it, or None (depth-first search, three colours)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def test_the_graph_sees_the_packages_and_their_imports() -> None:
    graph = _graph()
    assert {"estimator.engine", "estimator.documents.pdf", "estimator.workflows.batch", "ui.common"} <= set(graph)
    assert "estimator.documents.pdf_layout" in graph["estimator.documents.pdf"]
    assert "estimator.workflows.batch" in graph["estimator.cli"]  # an import inside a function counts too


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles_in_estimator_ui_or_clinic() -> None:
    cycle = _cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize(
    "path", sorted([*(ROOT / "estimator").rglob("*.py"), *(ROOT / "clinic").rglob("*.py")]), ids=_module_name
)
def test_no_core_module_is_over_600_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines; split it by job"


def _date_inputs() -> list[tuple[str, ast.Call]]:
    """Every `date_input(...)` call in the pages' code (ui/ and app.py), with where it is."""
    calls = []
    for path in sorted([*(ROOT / "ui").rglob("*.py"), ROOT / "app.py"]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            func = getattr(node, "func", None)
            if isinstance(node, ast.Call) and getattr(func, "attr", getattr(func, "id", None)) == "date_input":
                calls.append((f"{path.relative_to(ROOT)}:{node.lineno}", node))
    return calls


def test_every_date_field_takes_the_one_date_format() -> None:
    """Pages mixed 2026-03-02, 2026/03/02 and 03/02/2026; every date field now passes ui.widgets.DATE_FORMAT."""
    from ui.widgets import DATE_FORMAT

    assert DATE_FORMAT == "MM/DD/YYYY"  # as US patients write dates
    calls = _date_inputs()
    assert len(calls) >= 15, calls  # the finder sees the pages' fields
    others = [
        where
        for where, call in calls
        if not any(k.arg == "format" and ast.unparse(k.value).endswith("DATE_FORMAT") for k in call.keywords)
    ]
    assert others == [], "date fields without format=DATE_FORMAT: " + ", ".join(others)
