"""Where a rule lives: its policy file, the code or YAML that decides it, its fixtures.

``ctguard explain ID --source`` prints these so that a rule id leads to its logic in one step.
A policy's logic is its ``impl`` function (found by ``inspect``, so it is the code that runs),
its declarative ``check`` (the YAML line), or, for rules the policy engine does not run (input
problems, drift), the line in the reporting module that names the id.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path

from ctguard import yamlload
from ctguard.engine.policy import Policy

_PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # the directory that holds ``ctguard/``

# Rules whose findings are made outside the policy engine: the modules that name their ids.
_REPORTERS: dict[str, tuple[str, ...]] = {
    "input": ("ctguard/inputs.py",),
    "drift": ("ctguard/drift/fields.py", "ctguard/drift/run.py"),
    "archive": ("ctguard/verify/rules.py",),
}


@dataclass(frozen=True, slots=True)
class Place:
    path: str  # relative to the directory holding the package when inside it, else as given
    line: int
    name: str = ""  # the function or YAML key found there

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class RuleSource:
    id: str
    policy: Place
    logic: Place | None  # None: no line names the id (a policy outside the built-in set)
    kind: str  # "impl", "check", or the scope whose reporter decides it ("input", "drift")
    fixtures: str | None  # fixtures/rules/<ID>/ in a source checkout, when present
    tests: tuple[str, ...] = ()  # test files of a source checkout that name the id or the entry


def shown(path: Path | str) -> str:
    """Paths inside the source tree or installed package as ``ctguard/...`` or ``policies/...``."""
    if not Path(path).is_absolute():  # already relative to the package root (``docs/verify.md``)
        return str(path)
    try:
        return Path(path).resolve().relative_to(_PACKAGE_ROOT).as_posix()
    except ValueError:
        return str(path)


def locate(policy: Policy) -> RuleSource:
    policy_place = Place(shown(policy.file), 1)
    if policy.impl:
        func = inspect.unwrap(policy.resolve_impl())
        file = inspect.getsourcefile(func) or policy.impl
        line = inspect.getsourcelines(func)[1]
        logic: Place | None = Place(shown(file), line, func.__name__)
        kind = "impl"
    elif policy.check is not None:
        logic, kind = Place(policy_place.path, _yaml_key_line(policy.file, "check"), "check"), "check"
    else:
        logic, kind = _reporter_line(policy), policy.scope
    fixtures = _PACKAGE_ROOT / "fixtures" / "rules" / policy.id
    names = (policy.id, logic.name) if kind == "impl" and logic is not None else (policy.id,)
    return RuleSource(
        policy.id, policy_place, logic, kind, f"{shown(fixtures)}/" if fixtures.is_dir() else None, _tests_naming(names)
    )


def _tests_naming(names: tuple[str, ...]) -> tuple[str, ...]:
    """Unit tests that name the rule; tests/test_policies.py runs every fixture (``-k ID``)."""
    found = []
    for file in sorted((_PACKAGE_ROOT / "tests").rglob("test_*.py")):
        if file.name == "test_policies.py":
            continue
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if any(name in text for name in names):
            found.append(shown(file))
    return tuple(found)


def _yaml_key_line(file: str, key: str) -> int:
    try:
        loaded = yamlload.load(Path(file).read_text(encoding="utf-8"), cfn_tags=False)
    except (OSError, UnicodeDecodeError, yamlload.LoadError):
        return 1
    return loaded.spans.get((key,), (1, 1))[0]


def _reporter_line(policy: Policy) -> Place | None:
    needle = f'"{policy.id}"'
    for relative in _REPORTERS.get(policy.scope, ()):
        try:
            lines = (_PACKAGE_ROOT / relative).read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        for number, text in enumerate(lines, 1):
            if needle in text:
                return Place(relative, number, text.split("=", 1)[0].strip() if "=" in text else "")
    return None


def as_dict(source: RuleSource) -> dict[str, object]:
    logic = (
        None
        if source.logic is None
        else {"path": source.logic.path, "line": source.logic.line, "name": source.logic.name}
    )
    return {
        "id": source.id,
        "kind": source.kind,
        "logic": logic,
        "policy": {"path": source.policy.path, "line": source.policy.line},
        "fixtures": source.fixtures,
        "tests": list(source.tests),
    }


def render(source: RuleSource) -> str:
    what = {
        "impl": "Python",
        "check": "declarative check",
        "input": "reported by the parsers",
        "drift": "reported by ctguard drift",
        "archive": "reported by ctguard verify",
    }.get(source.kind, source.kind)
    logic = "not found" if source.logic is None else f"{source.logic}  {source.logic.name}".rstrip()
    rows = [("logic", f"{logic}  ({what})"), ("policy", str(source.policy))]
    if source.fixtures:
        rows += [("fixtures", source.fixtures), ("tests", f"tests/test_policies.py -k {source.id}")]
    rows += [("tests", test) for test in source.tests]
    rows.append(("docs", f"ctguard explain {source.id}"))
    return "".join(f"{label:<9}{value}\n" for label, value in rows)
