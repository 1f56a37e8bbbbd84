"""Policies are data: one YAML file per policy, validated against a JSON Schema at load time.

A broken policy file is a hard error naming the file and line (``PolicyError``), never a
warning followed by a silent skip.  Validation needs ``jsonschema`` (~70 ms to import) and the
YAML itself costs more than a one-template check, so every file that loaded cleanly is kept,
by digest, in a catalogue in the user cache (``policy_catalogue``); an unchanged policy set then
loads without parsing or validating.  Anything changed, added or new goes the slow way again.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ctguard import yamlload
from ctguard.engine.policy_catalogue import PolicyCatalogue, digest
from ctguard.findings import Severity

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "policy.schema.json"


class PolicyError(Exception):
    """A policy file or directory is unusable; exit code 2."""

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}")
        self.file, self.line, self.message = file, line, message


@dataclass(frozen=True, slots=True)
class Policy:
    """One loaded policy: its metadata and its declarative check or Python implementation."""

    id: str
    name: str
    title: str
    severity: Severity
    scope: str
    message: dict[str, str]
    docs: dict[str, Any]
    file: str
    check: Any = None
    when: Any = None
    impl: str | None = None
    location: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    references: dict[str, list[str]] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    status: str = "stable"

    def resolve_impl(self) -> Callable[..., Any]:
        module_name, _, func_name = (self.impl or "").partition(":")
        try:
            module = importlib.import_module(module_name)
            return getattr(module, func_name)  # type: ignore[no-any-return]
        except (ImportError, AttributeError) as exc:
            raise PolicyError(self.file, 1, f"impl {self.impl!r} cannot be loaded: {exc}") from None


def builtin_policy_dir() -> Path:
    """Installed wheels carry policies inside the package; a source checkout keeps them at the top."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "policies"
    return packaged if packaged.is_dir() else here.parent / "policies"


def load_policies(
    extra_dirs: tuple[str, ...] = (),
    *,
    use_cache: bool = True,
    untrusted_dirs: tuple[str, ...] = (),
    warnings: list[str] | None = None,
) -> list[Policy]:
    """Built-in policies plus those in ``extra_dirs`` and ``untrusted_dirs``.

    ``untrusted_dirs`` come from a configuration file found in the checked tree, which a pull
    request can change: their declarative policies load, but one naming Python code (``impl``)
    is left out with a message in ``warnings`` and its module is never imported.
    """
    builtin = builtin_policy_dir()
    # names, not Path.glob: the glob's pattern machinery is ~1 ms of a one-template check (issue 21)
    files: list[tuple[Path, bool]] = [(builtin / name, True) for name in sorted(_yaml_names(builtin))]
    builtin_count = len(files)
    for directory, trusted in [(d, True) for d in extra_dirs] + [(d, False) for d in untrusted_dirs]:
        path = Path(directory)
        if not path.is_dir():
            raise PolicyError(directory, 1, "policy directory does not exist")
        found = sorted(path.glob("*.y*ml"))
        if not found:
            raise PolicyError(directory, 1, "policy directory holds no .yaml files")
        files.extend((f, trusted) for f in found)
    policies: list[Policy] = []
    seen: dict[str, str] = {}
    cache = PolicyCatalogue(SCHEMA_PATH) if use_cache else None
    for i, (file, trusted) in enumerate(files):
        policy = _load_file(file, cache, builtin=i < builtin_count)
        if policy.id in seen:
            raise PolicyError(str(file), 1, f"duplicate policy id {policy.id} (also in {seen[policy.id]})")
        seen[policy.id] = str(file)
        if policy.impl and not trusted:
            if warnings is not None:
                warnings.append(
                    f"{file}: policy {policy.id} names Python code (impl: {policy.impl}) and comes "
                    "from a configuration file found in the checked tree; it was not loaded (give "
                    "the directory with --policies, or the file with --config and --trust-config)"
                )
            continue
        if policy.impl:
            policy.resolve_impl()
        policies.append(policy)
    if cache is not None:
        cache.save()
    return sorted(policies, key=lambda p: p.id)


def _yaml_names(directory: Path) -> list[str]:
    """What ``directory.glob("*.yaml")`` matches, by name."""
    with os.scandir(directory) as entries:
        return [entry.name for entry in entries if entry.name.endswith(".yaml")]


# Scopes whose findings something other than the policy engine reports.
_REPORTED = {"input": "the parsers", "drift": "ctguard drift"}


def _catalogued(file: Path, cache: PolicyCatalogue | None, key: str | None) -> Policy | None:
    """The policy whose bytes (digest ``key``) passed every check of ``_load_file`` before, if any."""
    checked = cache.get(key) if cache is not None and key is not None else None
    if checked is not None and file.stem.split("-")[0] == checked["id"]:
        return _policy(file, checked)
    return None


def _load_file(file: Path, cache: PolicyCatalogue | None, builtin: bool = False) -> Policy:
    name = str(file)
    st = None
    if cache is not None and builtin:
        # ctguard's own files are as trusted as its bytecode: unchanged since last read, their
        # digest is the one kept then (PolicyCatalogue.stamped)
        try:
            st = os.stat(file)
        except OSError as exc:
            raise PolicyError(name, 1, f"cannot read policy: {exc}") from None
        policy = _catalogued(file, cache, cache.stamped(name, st))
        if policy is not None:
            return policy
    try:
        raw = file.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(name, 1, f"cannot read policy: {exc}") from None
    key = digest(raw)
    if cache is not None and st is not None:
        cache.stamp(name, st, key)
    policy = _catalogued(file, cache, key)
    if policy is not None:
        return policy
    try:
        loaded = yamlload.load(text, cfn_tags=False)
    except yamlload.LoadError as exc:
        raise PolicyError(str(file), exc.line, exc.message) from None
    if loaded.duplicates:
        dup = loaded.duplicates[0]
        raise PolicyError(str(file), dup.line, f"duplicate key {dup.key!r} (first at line {dup.first_line})")
    data = loaded.data
    if cache is None or not cache.known(key):
        _validate(file, data, loaded.spans)
    has_logic = [k for k in ("check", "impl") if k in data]
    if data["scope"] in _REPORTED and has_logic:
        raise PolicyError(
            str(file),
            loaded.spans[(has_logic[0],)][0],
            f"scope {data['scope']} policies are reported by {_REPORTED[data['scope']]} and take no check or impl",
        )
    if data["scope"] not in _REPORTED and len(has_logic) != 1:
        line = loaded.spans[(has_logic[1],)][0] if len(has_logic) == 2 else 1
        raise PolicyError(str(file), line, "a policy needs exactly one of `check` (declarative) or `impl` (Python)")
    _check_names(file, data, loaded.spans)
    if file.stem.split("-")[0] != data["id"]:
        raise PolicyError(
            str(file),
            loaded.spans.get(("id",), (1, 1))[0],
            f"policy id {data['id']} does not match the file name (expected {data['id']}-*.yaml)",
        )
    if cache is not None:
        cache.add(key, data)
    return _policy(file, data)


def _check_names(file: Path, data: dict[str, Any], spans: dict[tuple[Any, ...], tuple[int, int]]) -> None:
    """A mistyped model path would make every run of the policy an ERROR, a mistyped message name
    would print as written in every finding: refuse both here instead."""
    from ctguard.engine import model_paths

    roots = model_paths.roots(data["scope"], data.get("params") or {})
    for dotted, at in model_paths.named_paths(data):
        if not roots:
            raise PolicyError(
                str(file),
                spans.get(at, (1, 1))[0],
                f"scope {data['scope']} policies have no trail or store to read model path "
                f"{dotted!r} from; use scope trail or event_data_store, or impl",
            )
        for root in roots:
            problem = model_paths.problem(root, dotted)
            if problem is not None:
                raise PolicyError(str(file), spans.get(at, (1, 1))[0], problem)
    if "check" in data:
        from ctguard.engine import placeholders

        for key, problem in placeholders.problems(data.get("message") or {}):
            raise PolicyError(str(file), spans.get(("message", key), (1, 1))[0], problem)


def _policy(file: Path, data: dict[str, Any]) -> Policy:
    return Policy(
        id=data["id"],
        name=data["name"],
        title=data["title"],
        severity=Severity(data["severity"]),
        scope=data["scope"],
        message=data["message"],
        docs=data["docs"],
        file=str(file),
        check=data.get("check"),
        when=data.get("when"),
        impl=data.get("impl"),
        location=data.get("location"),
        params=data.get("params") or {},
        references=data.get("references") or {},
        tags=tuple(data.get("tags") or ()),
        status=data.get("status", "stable"),
    )


_SCHEMA: Any = None


def _validate(file: Path, data: Any, spans: dict[tuple[Any, ...], tuple[int, int]]) -> None:
    global _SCHEMA
    import json

    import jsonschema

    if _SCHEMA is None:
        _SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(_SCHEMA)
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if not errors:
        return
    error = jsonschema.exceptions.best_match(errors) or errors[0]
    path = tuple(error.absolute_path)
    line = 1
    for end in range(len(path), -1, -1):
        if path[:end] in spans:
            line = spans[path[:end]][0]
            break
    where = "/".join(map(str, path)) or "(top level)"
    message = _condition_hint(error.instance) if error.validator == "oneOf" else error.message
    raise PolicyError(str(file), line, f"invalid policy at {where}: {message[:300]}")


_OPERATORS = ("equals", "in", "exists", "matches", "contains", "at_least", "at_most")


def _condition_hint(node: Any) -> str:
    """jsonschema's oneOf message dumps the whole node; say what is wrong with the condition instead."""
    import re

    expected = "expected `all`, `any`, `not`, or `attribute` with exactly one of " + ", ".join(_OPERATORS)
    if not isinstance(node, dict):
        return f"a condition must be a mapping; {expected}"
    if "attribute" not in node:
        return f"unknown condition keys {sorted(map(str, node))}; {expected}"
    if not isinstance(node["attribute"], str) or not re.fullmatch(
        r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*", node["attribute"]
    ):
        return f"attribute {node['attribute']!r} is not a model path (lower_case names joined by dots)"
    ops = [k for k in node if k != "attribute"]
    unknown = [k for k in ops if k not in _OPERATORS]
    if unknown:
        return f"unknown operator {unknown[0]!r}; {expected}"
    if len(ops) != 1:
        return f"attribute {node['attribute']!r} needs exactly one operator, found {len(ops)} ({', '.join(ops)})"
    return f"invalid value for {ops[0]!r} on attribute {node['attribute']!r}"
