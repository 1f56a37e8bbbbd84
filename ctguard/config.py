"""Configuration files: ``.ctguard.yaml`` / ``.ctguard.yml`` and ``[tool.ctguard]`` in ``pyproject.toml``.

Discovery starts at the first scanned path (its directory for a file) and walks upwards, stopping
after the repository root (the directory holding ``.git``); in each directory ``.ctguard.yaml``,
then ``.ctguard.yml``, then a ``pyproject.toml`` with a ``[tool.ctguard]`` table wins.
``--config FILE`` names the file and turns discovery off; ``--no-config`` ignores files.

Trust: a file found by discovery lives in the checked tree, which a pull request can change, so
it is data only (``trusted`` is False): policies it names that carry Python code (``impl``) are
not loaded.  Only ``--config FILE --trust-config`` makes a file trusted.

Keys are the long option names of ``ctguard check`` (``fail-on`` and ``fail_on`` both work);
relative paths in a file are relative to that file.  An unknown key or a value of the wrong type
is an error naming the file and line (exit code 2).  The command line overrides the file, except
``skip``, where both lists apply.  The loader is command-independent: other commands read the
keys they know through ``Config.get``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CONFIG_NAMES = (".ctguard.yaml", ".ctguard.yml")


class ConfigError(Exception):
    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}")
        self.file, self.line, self.message = file, line, message


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


def _account(v: Any) -> str | None:
    if isinstance(v, int) and not isinstance(v, bool):
        v = f"{v:012d}"  # YAML reads an unquoted account id as a number
    return v if isinstance(v, str) and re.fullmatch(r"\d{12}", v) else None


def _str_list(v: Any) -> list[str] | None:
    if isinstance(v, str):
        return [v]
    if isinstance(v, list) and all(isinstance(i, str) for i in v):
        return list(v)
    return None


def _formats(v: Any) -> list[str] | None:
    from ctguard.formatters import FORMATS

    specs = _str_list(v)
    if specs is None or any(spec.partition(":")[0] not in FORMATS for spec in specs):
        return None
    return specs


def _bool(v: Any) -> bool | None:
    return v if isinstance(v, bool) else None


def _positive(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) and v >= 1 else None


def jobs_value(v: Any) -> int | str | None:
    """``auto`` or a number of processes (also used by ``--jobs``)."""
    if isinstance(v, str) and v.strip().lower() == "auto":
        return "auto"
    return _positive(v)


def _severity(v: Any) -> str | None:
    from ctguard.findings import Severity

    try:
        return Severity.parse(v).value if isinstance(v, str) else None
    except ValueError:
        return None


def _severity_map(v: Any) -> dict[str, str] | None:
    if not isinstance(v, dict):
        return None
    out = {}
    for rule, sev in v.items():
        parsed = _severity(sev)
        if not isinstance(rule, str) or parsed is None:
            return None
        out[rule.upper()] = parsed
    return out


_SKIP_KEYS = {"id", "rule", "reason", "comment", "justification", "expires", "exp", "file", "resource"}


def _skips(v: Any) -> list[Any] | None:
    if isinstance(v, (str, dict)):
        v = [v]
    if not isinstance(v, list) or any(isinstance(e, dict) and not set(e) <= _SKIP_KEYS for e in v):
        return None
    return list(v)


def _detail(v: Any) -> str | None:
    return v if v in ("normal", "verbose", "compact", "quiet") else None


# key -> (converter returning None when the value is wrong, what was expected, is a path)
KEYS: dict[str, tuple[Callable[[Any], Any], str, str]] = {
    "format": (
        _formats,
        ("a format (text, json, sarif, junit, github, markdown, html) or a list like [text, sarif:out.sarif]"),
        "format",
    ),
    "output": (_str_list, "a file name or a list of them", "path"),
    "fail_on": (_severity, "one of info, low, medium, high, critical", ""),
    "strict": (_bool, "true or false", ""),
    "policies": (_str_list, "a directory or a list of directories", "path"),
    "show_passed": (_bool, "true or false", ""),
    "account": (_account, "a 12-digit account id (quote it)", ""),
    "region": (_str, "a region name", ""),
    "var_file": (_str_list, "a file or a list of files", "path"),
    "retention_days": (_positive, "a whole number of days, at least 1", ""),
    "skip": (_skips, "a list of rule ids, 'ID:reason' strings or {id, reason, expires, file, resource} mappings", ""),
    "only": (_str_list, "a rule id or a list of them", ""),
    "baseline": (_str, "a baseline file", "path"),
    "severity": (_severity_map, "a mapping of rule id to severity, e.g. {CT108: low}", ""),
    "jobs": (jobs_value, "auto or a number of processes (1 parses everything in one process)", ""),
    "detail": (_detail, "one of normal, verbose, compact, quiet", ""),
}


@dataclass(slots=True)
class Config:
    """The settings a configuration file gives."""

    path: str
    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    trusted: bool = False  # named with --config and --trust-config: may load impl policies

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def where(self, key: str) -> str:
        return f"{self.path}:{self.lines.get(key, 1)}"


def discover(paths: list[str]) -> str | None:
    start = os.path.abspath(paths[0]) if paths else os.getcwd()
    current = start if os.path.isdir(start) else os.path.dirname(start)
    while True:
        for name in CONFIG_NAMES:
            candidate = os.path.join(current, name)
            if os.path.isfile(candidate):
                return candidate
        pyproject = os.path.join(current, "pyproject.toml")
        if os.path.isfile(pyproject) and _has_tool_table(pyproject):
            return pyproject
        parent = os.path.dirname(current)
        if parent == current or os.path.exists(os.path.join(current, ".git")):
            return None
        current = parent


def _has_tool_table(path: str) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return re.search(r"^\s*\[\s*tool\.ctguard\s*[\].]", fh.read(), re.MULTILINE) is not None
    except OSError:
        return False


def load(path: str) -> Config:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            text = fh.read()
    except OSError as exc:
        raise ConfigError(path, 1, f"cannot read configuration: {exc.strerror or exc}") from None
    if os.path.basename(path) == "pyproject.toml" or path.endswith(".toml"):
        raw, lines = _load_toml(path, text)
    else:
        raw, lines = _load_yaml(path, text)
    config = Config(path)
    base = os.path.dirname(os.path.abspath(path))
    for key, value in raw.items():
        name = str(key).replace("-", "_")
        line = lines.get(str(key), 1)
        if name not in KEYS:
            known = ", ".join(k.replace("_", "-") for k in KEYS)
            raise ConfigError(path, line, f"unknown key '{key}'; known keys: {known}")
        convert, expected, kind = KEYS[name]
        converted = convert(value)
        if converted is None:
            raise ConfigError(path, line, f"'{key}' must be {expected}, not {value!r}")
        config.values[name] = _resolve(converted, kind, base)
        config.lines[name] = line
    return config


def check_contained(config: Config) -> None:
    """An untrusted file names only files inside its own checkout (a pull request could otherwise
    have reports written over ``~/.bashrc`` or read ``/proc/self/environ`` as a variables file)."""
    from ctguard.repo import repo_root

    base = os.path.dirname(os.path.abspath(config.path))
    root = os.path.realpath(repo_root(base) or base)
    for key, value in config.values.items():
        kind = KEYS[key][2]
        if kind not in ("path", "format"):
            continue
        paths = value if isinstance(value, list) else [value]
        if kind == "format":
            paths = [spec.partition(":")[2] for spec in paths if spec.partition(":")[2]]
        for path in paths:
            real = os.path.realpath(path)
            if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
                raise ConfigError(
                    config.path,
                    config.lines.get(key, 1),
                    f"'{key.replace('_', '-')}' names {path}, outside {root}; a configuration "
                    "found in the checked tree may only name files inside it (pass the file "
                    "with --config and --trust-config to allow it)",
                )


def _resolve(value: Any, kind: str, base: str) -> Any:
    def one(p: str) -> str:
        return p if os.path.isabs(p) else os.path.normpath(os.path.join(base, p))

    if kind == "path":
        return [one(p) for p in value] if isinstance(value, list) else one(value)
    if kind == "format":
        out = []
        for spec in value:
            name, sep, dest = spec.partition(":")
            out.append(f"{name}:{one(dest)}" if sep and dest else spec)
        return out
    return value


def _load_yaml(path: str, text: str) -> tuple[dict[str, Any], dict[str, int]]:
    from ctguard.yamlload import LoadError
    from ctguard.yamlload import load as yaml_load

    try:
        loaded = yaml_load(text, cfn_tags=False)
    except LoadError as exc:
        raise ConfigError(path, exc.line, f"invalid YAML: {exc.message}") from None
    if loaded.data is None:
        return {}, {}
    if not isinstance(loaded.data, dict):
        raise ConfigError(path, 1, "the configuration must be a mapping of option names to values")
    if loaded.duplicates:
        dup = loaded.duplicates[0]
        raise ConfigError(path, dup.line, f"duplicate key '{dup.key}' (first on line {dup.first_line})")
    lines = {str(k): loaded.spans.get((k,), (1, 1))[0] for k in loaded.data}
    return loaded.data, lines


def _load_toml(path: str, text: str) -> tuple[dict[str, Any], dict[str, int]]:
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise ConfigError(path, int(match.group(1)) if match else 1, f"invalid TOML: {exc}") from None
    table = data.get("tool", {}).get("ctguard")
    if table is None:
        return {}, {}
    if not isinstance(table, dict):
        raise ConfigError(path, 1, "[tool.ctguard] must be a table")
    return table, _toml_lines(text, table)


def _toml_lines(text: str, table: dict[str, Any]) -> dict[str, int]:
    """tomllib keeps no positions: find each key's line by text inside the [tool.ctguard] section."""
    lines = text.splitlines()
    header = next((i for i, line in enumerate(lines) if re.match(r"\s*\[\s*tool\.ctguard\s*\]", line)), None)
    out: dict[str, int] = {}
    for key in table:
        sub = re.compile(rf"\s*\[\s*tool\.ctguard\.\"?{re.escape(key)}\"?\s*\]")
        assign = re.compile(rf"\s*\"?{re.escape(key)}\"?\s*=")
        found = next((i for i, line in enumerate(lines) if sub.match(line)), None)
        if found is None and header is not None:
            for i in range(header + 1, len(lines)):
                if re.match(r"\s*\[", lines[i]) and not re.match(r"\s*\[\s*tool\.ctguard\.", lines[i]):
                    break
                if assign.match(lines[i]):
                    found = i
                    break
        out[key] = (found if found is not None else (header or 0)) + 1
    return out
