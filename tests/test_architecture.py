"""The import graph of ctguard: no cycles, and layers that point one way.

Every ``import`` counts, at module level or inside a function (a function-level import is how a
cycle hides). Imports under ``if TYPE_CHECKING:`` are left out: they never run, and annotations
that name each other (a module and its instances) are not a dependency at import time.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ctguard"

# Lower layers never import higher ones; one layer may import itself and everything below.
LAYERS: list[tuple[str, ...]] = [
    # 0. leaves: values and helpers everything shares
    (
        "version",
        "pickling",
        "repo",
        "isotime",
        "exitcodes",
        "code_cache",
        "dataclass_code",
        "regex_cache",
        "module_bundle",
        "data_files",
        "yamlload",
        "workers",
        "sensitive",
        "fix_text",
        "values",
        "symbols",
        "location",
        "gcpause",
        "logs",
        "lean_imports",
    ),
    # 1. the model: what parsers produce and policies read, findings, suppressions
    ("model", "inputs", "calls", "findings", "live_locations", "suppress", "baseline", "rule_refs"),
    # 2. readers and evaluators of the model, side by side (see SIBLINGS)
    ("parsers", "engine", "iam", "monitoring", "simulate"),
    # 3. the policies' logic
    ("checks",),
    # 4. a run's outcome
    ("report",),
    # 5. renderings of a report
    ("formatters",),
    # 6. the Python API and the features built on it
    ("api", "simulation", "audit", "drift", "verify", "integrations", "config", "rules_cmd", "rule_source"),
    # 7. the command line
    ("commands", "cli", "__main__", "__init__"),
]

# Packages of one layer that must not import each other (parsers -> model <- engine/policies).
SIBLINGS: dict[str, frozenset[str]] = {
    "parsers": frozenset({"engine", "iam", "monitoring", "simulate"}),
    "engine": frozenset({"parsers", "iam", "monitoring", "simulate"}),
    "iam": frozenset({"parsers", "engine", "monitoring", "simulate"}),
    "monitoring": frozenset({"parsers", "engine", "simulate"}),
    "simulate": frozenset({"parsers", "engine"}),
}


def _modules() -> dict[str, Path]:
    mods = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = path
    return mods


def _type_only(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for stmt in node.body:
                skip.update(id(n) for n in ast.walk(stmt))
    return skip


def _targets(node: ast.Import | ast.ImportFrom, current: str, is_package: bool, mods: dict[str, Path]) -> Iterator[str]:
    if isinstance(node, ast.Import):
        candidates = [alias.name for alias in node.names]
    else:
        if node.level:
            base = current.split(".") if is_package else current.split(".")[:-1]
            base = base[: len(base) - node.level + 1]
            module = ".".join([*base, node.module] if node.module else base)
        else:
            module = node.module or ""
        candidates = [f"{module}.{a.name}" if f"{module}.{a.name}" in mods else module for a in node.names]
    for name in candidates:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        if name:
            yield name


def import_graph() -> dict[str, set[str]]:
    mods = _modules()
    graph: dict[str, set[str]] = {name: set() for name in mods}
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_only(tree)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in skip:
                graph[name].update(t for t in _targets(node, name, path.name == "__init__.py", mods) if t != name)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _layer(top: str) -> int:
    for n, members in enumerate(LAYERS):
        if top in members:
            return n
    raise AssertionError(f"ctguard.{top} is in no layer of tests/test_architecture.py: add it where it belongs")


def test_no_import_cycle_between_modules() -> None:
    assert _cycles(import_graph()) == []


def test_no_import_cycle_between_packages() -> None:
    graph = import_graph()
    packages: dict[str, set[str]] = {}
    for a, targets in graph.items():
        packages.setdefault(_top(a), set()).update(_top(b) for b in targets if _top(b) != _top(a))
    assert _cycles(packages) == []


def test_every_import_points_down_the_layers() -> None:
    wrong = []
    for a, targets in import_graph().items():
        for b in targets:
            ta, tb = _top(a), _top(b)
            if ta == tb:
                continue
            if _layer(tb) > _layer(ta) or tb in SIBLINGS.get(ta, frozenset()):
                wrong.append(f"{a} -> {b}")
    assert sorted(wrong) == []


def test_the_graph_sees_function_level_imports(tmp_path: Path) -> None:
    """The checker itself: an import inside a function is an edge, one under TYPE_CHECKING is not."""
    code = "from __future__ import annotations\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import b\ndef f():\n    import c\n"
    tree = ast.parse(code)
    skip = _type_only(tree)
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) and id(n) not in skip for a in n.names}
    assert names == {"c"}
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]


@pytest.mark.parametrize("family", ["cloudformation", "terraform", "aws"])
def test_parsers_have_one_package_per_input_family(family: str) -> None:
    package = PACKAGE / "parsers" / family
    assert (package / "__init__.py").is_file()
    flat = [p.name for p in (PACKAGE / "parsers").glob("*.py") if p.name.startswith(("cfn_", "tf_", "aws_"))]
    assert flat == []
