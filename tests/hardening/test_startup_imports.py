"""Start-up cost: a one-template check and ``--version`` import nothing they do not use.

Measured in a fresh interpreter (``sys.modules`` after the command ran), with a warm policy
cache so that policy validation (jsonschema) is skipped as it is on every run but the first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "examples" / "cloudformation" / "secure-trail.yaml"
HEAVY = ("boto3", "botocore", "rich", "jsonschema", "duckdb", "cfnlint", "hcl2", "lark", "moto", "hypothesis")
# Packages and modules a CloudFormation template checked with the text report never uses:
# other input families, live audits, drift, digest verification, the archive replay and its
# report, the DuckDB path (issue 21: each was on the start-up path once, or could slip back).
NOT_FOR_ONE_TEMPLATE = (
    "ctguard.parsers.terraform",
    "ctguard.parsers.aws",
    "ctguard.parsers.parallel",
    "ctguard.audit",
    "ctguard.drift",
    "ctguard.verify",
    "ctguard.simulate.sql",
    "ctguard.simulate.archive",
    "ctguard.simulate.replay",
    "ctguard.simulate.report",
    "ctguard.simulation",
    "ctguard.workers",
    # needed only by inputs this template does not have (issue 21): condition variants, EventBridge
    # rules, symbolic values in a declarative condition, metric filter patterns; and the explanations
    "ctguard.engine.condition_text",
    "ctguard.monitoring.event_rule",
    "ctguard.engine.symbolic_match",
    "ctguard.monitoring.filter_eval",
    "ctguard.monitoring.filter_pattern",
    "ctguard.monitoring.filter_parser",
    "ctguard.monitoring.filter_lexer",
    "ctguard.monitoring.filter_ast",
    "ctguard.simulate.explain",
)
TEXT_REPORT = {
    "ctguard.formatters.text_format",
    "ctguard.formatters.summary",
    "ctguard.formatters.headline",
    "ctguard.formatters.neutralize",
}
# Standard-library modules with a real import cost that only other paths need: ElementTree
# (JUnit/XML reports), hashlib (loads OpenSSL; fingerprints are for SARIF and baselines, policy
# digests use the built-in SHA-256), gzip/zipfile/tarfile (archives), sqlite3, asyncio, email.
# logging (with traceback, threading, string) waits for a first record (ctguard.logs); shutil
# (with bz2, lzma) only measured the terminal for argparse's help formatter (cli._terminal_width);
# difflib (with heapq) only suggests a correction for a misspelt value; inspect (with ast, dis,
# tokenize) only wrote dataclass docstrings and copy (with weakref) serves dataclasses.asdict
# (ctguard.lean_imports); urllib.parse (with ipaddress) serves Path.as_uri alone (lean_imports)
# and IP conditions import ipaddress when they meet one; gettext (with locale) has no catalogue
# to search where none is installed (lean_imports).
STDLIB_NOT_NEEDED = (
    "xml",
    "hashlib",
    "_hashlib",
    "gzip",
    "zipfile",
    "tarfile",
    "sqlite3",
    "asyncio",
    "email",
    "ssl",
    "logging",
    "traceback",
    "threading",
    "shutil",
    "bz2",
    "lzma",
    "difflib",
    "heapq",
    "inspect",
    "ast",
    "dis",
    "tokenize",
    "copy",
    "weakref",
    "urllib",
    "ipaddress",
    "gettext",
    "locale",
)

_PROBE = """
import json, sys
from ctguard.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def _modules(args: list[str], cache: Path) -> set[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=120
    )
    last = proc.stderr.strip().splitlines()[-1]
    return set(json.loads(last)["modules"])


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


def test_version_imports_only_the_cli(tmp_path: Path) -> None:
    modules = _modules(["--version"], tmp_path)
    assert not _heavy(modules)
    ours = sorted(m for m in modules if m.startswith("ctguard"))
    allowed = {
        "ctguard",
        "ctguard.cli",
        "ctguard.commands",
        "ctguard.exitcodes",
        "ctguard.version",
        "ctguard.lean_imports",
    }
    assert [m for m in ours if m not in allowed and not m.startswith("ctguard.commands.")] == [], ours
    assert "yaml" not in modules


def test_one_template_check_imports_no_heavy_dependency(tmp_path: Path) -> None:
    _modules(["check", str(TEMPLATE)], tmp_path)  # first run fills the policy cache
    modules = _modules(["check", str(TEMPLATE)], tmp_path)
    assert "ctguard.parsers.cloudformation.parse" in modules  # the probe really ran the check
    assert not _heavy(modules), _heavy(modules)
    unused = [m for m in modules if m.startswith(NOT_FOR_ONE_TEMPLATE)]
    assert not unused, unused
    # the text report only: no other formatter (and no XML machinery) for a default check
    formatters = sorted(m for m in modules if m.startswith("ctguard.formatters."))
    assert set(formatters) <= TEXT_REPORT, formatters
    stdlib = sorted(m for m in modules if m.split(".")[0] in STDLIB_NOT_NEEDED)
    assert not stdlib, stdlib
    # parallel parsing is for large scans only: one template never starts (or imports) a process pool
    pool = [
        m for m in modules if m.split(".")[0] in ("multiprocessing", "concurrent") or m == "ctguard.parsers.parallel"
    ]
    assert not pool, pool
    # only the named sub-command's module is imported (cli.build_parser(only=...))
    commands = sorted(m for m in modules if m.startswith("ctguard.commands."))
    assert commands == ["ctguard.commands.check", "ctguard.commands.report_options"], commands


_LATE_RECORD = """
import sys
from ctguard.cli import main
main(sys.argv[1:])
print("logging imported:", "logging" in sys.modules, file=sys.stderr)
import dataclasses  # bound to stand-ins for copy and inspect: the real modules come on first use
from ctguard.model import DataResource
print("asdict:", dataclasses.asdict(DataResource("x", (["v"],)))["values"], file=sys.stderr)
print("signature:", dataclasses.inspect.signature(dataclasses.asdict), file=sys.stderr)
from pathlib import Path  # bound to a stand-in for urllib.parse's quote_from_bytes
print("uri:", Path("/a b").as_uri(), file=sys.stderr)
from ctguard.logs import logger
logger("ctguard.probe").warning("late %s", "record")
logger("ctguard.probe").debug("not shown")
"""


def test_deferred_logging_keeps_the_command_line_format(tmp_path: Path) -> None:
    # check never imports logging unless something logs; a record that comes late still gets the
    # command line's format and level, exactly as when logging was configured up front
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", _LATE_RECORD, "check", str(TEMPLATE)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )
    lines = proc.stderr.splitlines()
    assert "logging imported: False" in lines, proc.stderr
    assert "uri: file:///a%20b" in lines, proc.stderr
    assert "asdict: (['v'],)" in lines and "signature: (obj, *, dict_factory=<class 'dict'>)" in lines, proc.stderr
    assert lines[-1] == "ctguard: WARNING: late record", proc.stderr
    assert "not shown" not in proc.stderr


def test_help_still_lists_every_command(tmp_path: Path) -> None:
    from ctguard.commands import COMMANDS

    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "PYTHONPATH": str(REPO)}
    for argv in (["--help"], ["-h", "check"], ["no-such-command"]):
        proc = subprocess.run(
            [sys.executable, "-m", "ctguard", *argv], capture_output=True, text=True, env=env, cwd=REPO, timeout=120
        )
        out = proc.stdout + proc.stderr
        assert all(name in out for name in COMMANDS), (argv, out)


def test_quick_exit_still_runs_exit_handlers_and_flushes(tmp_path: Path) -> None:
    # cli.run ends the process without the interpreter's teardown when no thread was possible;
    # the exit handlers (here: the dataclass code cache is written again after it was removed)
    # must still run, and everything printed must arrive, with the command's exit code
    weak = REPO / "examples" / "cloudformation" / "weak-trail.yaml"
    code_cache = tmp_path / "code"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "CTGUARD_CODE_CACHE": str(code_cache)}
    env["PYTHONPATH"] = str(REPO)
    probe = "import runpy, sys\nrunpy.run_module('ctguard', run_name='__main__')\n"
    check = [sys.executable, "-c", probe, "check", str(weak), "--format", "json"]
    subprocess.run(check, capture_output=True, env=env, cwd=REPO, timeout=120)  # policies validated (threads)
    for cached in code_cache.glob("dataclass-code-*.marshal"):
        cached.unlink()
    traced = [sys.executable, "-X", "importtime", "-c", probe, *check[3:]]
    proc = subprocess.run(traced, capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert proc.returncode == 1, proc.stderr[-500:]
    assert json.loads(proc.stdout)["findings"], proc.stdout[-200:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "threading" not in imported and "ctguard.cli" in imported  # so the quick exit was the one taken
    assert list(code_cache.glob("dataclass-code-*.marshal")), "exit handlers did not run"
