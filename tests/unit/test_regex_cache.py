"""ctguard.regex_cache: patterns written in source are compiled once and kept; the Pattern objects
are the ones ``re`` builds, and nothing built from the inputs is ever kept."""

from __future__ import annotations

import json
import marshal
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ctguard import regex_cache

REPO = Path(__file__).resolve().parents[2]
MIRRORED = pytest.mark.skipif(
    sys.version_info[:2] not in ((3, 11), (3, 12)), reason="mirrors re._compiler.compile of 3.11/3.12 only"
)

PATTERNS: list[tuple[str | bytes, int]] = [
    (r"^arn:aws[\w-]*:kms:([a-z0-9-]+):(\d{12}):key/(.+)$", 0),
    (r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})(?:T(?P<rest>.*))?", 0),
    ("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]", 0),
    (r"(?i)secret[_-]?key", 0),
    (r"  ^ a  # comment\n  b $ ", re.VERBOSE | re.MULTILINE),
    (b"AWSTemplateFormatVersion|[\\\"']?Type", 0),
    (r"(a)(?P<b>b)?\2?", re.DOTALL | re.IGNORECASE),
]


@MIRRORED
@pytest.mark.parametrize(("pattern", "flags"), PATTERNS)
def test_kept_parts_build_the_pattern_re_builds(pattern: str | bytes, flags: int) -> None:
    from re import _compiler  # type: ignore[attr-defined]

    expected = _compiler.compile(pattern, flags)
    parts = regex_cache.compile_parts(pattern, flags)
    rebuilt = regex_cache.build(pattern, marshal.loads(marshal.dumps(parts)))
    assert rebuilt == expected  # same pattern, flags and code
    assert (rebuilt.flags, rebuilt.groups, rebuilt.groupindex) == (expected.flags, expected.groups, expected.groupindex)


_PROBE = """
import json, re, sys
from ctguard import regex_cache
regex_cache.install()
dynamic = "arn:aws:s3:::" + sys.argv[1]
literal = re.compile(r"^(?P<account>\\d{12}):probe$")
re.compile(dynamic)
calls = []
if sys.argv[2] == "warm":
    # a warm run builds the literal from the kept parts, never compiling it again
    regex_cache._original = regex_cache.compile_parts = lambda *a: calls.append(a)
    re.purge()
    assert re.compile(r"^(?P<account>\\d{12}):probe$").fullmatch("123456789012:probe")["account"] == "123456789012"
print(json.dumps({"calls": len(calls), "installed": re._compiler.compile is regex_cache._compile}))
"""


def _probe(cache: Path, mode: str, secret: str = "bucket-from-an-input") -> dict[str, object]:
    env = {"CTGUARD_CODE_CACHE": str(cache), "PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, secret, mode], capture_output=True, text=True, env=env, timeout=60, check=True
    )
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def _kept(cache: Path) -> dict[tuple[str | bytes, int], object]:
    (file,) = cache.glob("regex-*.marshal")
    return marshal.loads(file.read_bytes())  # type: ignore[no-any-return]


@MIRRORED
def test_only_patterns_written_in_source_are_kept_and_reused(tmp_path: Path) -> None:
    assert _probe(tmp_path, "cold") == {"calls": 0, "installed": True}
    kept = _kept(tmp_path)
    assert (r"^(?P<account>\d{12}):probe$", 0) in kept
    assert not any(isinstance(p, str) and "bucket-from-an-input" in p for p, _ in kept)  # built at run time
    assert _probe(tmp_path, "warm") == {"calls": 0, "installed": True}


@MIRRORED
def test_a_damaged_cache_costs_only_the_compilation(tmp_path: Path) -> None:
    _probe(tmp_path, "cold")
    (file,) = tmp_path.glob("regex-*.marshal")
    kept = _kept(tmp_path)
    key = (r"^(?P<account>\d{12}):probe$", 0)
    kept[key] = (0, [999999, 1, 2], 0, {}, ())  # code the C matcher refuses
    file.write_bytes(marshal.dumps(kept))
    env = {"CTGUARD_CODE_CACHE": str(tmp_path), "PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    code = (
        "import re\nfrom ctguard import regex_cache\nregex_cache.install()\n"
        "print(re.compile(r'^(?P<account>\\d{12}):probe$').fullmatch('123456789012:probe')['account'])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60, check=True)
    assert out.stdout.strip() == "123456789012"
    assert _kept(tmp_path)[key] == regex_cache.compile_parts(*key)  # stored again, repaired
    file.write_bytes(b"\x00 not marshal")
    assert _probe(tmp_path, "cold")["installed"] is True


@MIRRORED
def test_a_check_keeps_its_libraries_patterns_and_none_of_its_inputs(tmp_path: Path) -> None:
    template = REPO / "examples" / "cloudformation" / "secure-trail.yaml"
    env = {
        "CTGUARD_CODE_CACHE": str(tmp_path),
        "PYTHONPATH": str(REPO),
        "PATH": "/usr/bin:/bin",
        "XDG_CACHE_HOME": str(tmp_path),
    }
    runs = [
        subprocess.run(
            [sys.executable, "-m", "ctguard", "check", str(template)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        for _ in range(2)
    ]
    assert runs[0].stdout == runs[1].stdout and runs[0].returncode == runs[1].returncode == 0
    patterns = {p for p, _ in _kept(tmp_path)}
    assert any(isinstance(p, str) and "\ud7ff" in p for p in patterns)  # PyYAML's reader, the costliest
    assert r"^arn:aws[\w-]*:kms:([a-z0-9-]+):(\d{12}):key/(.+)$" in patterns  # ctguard's own
    assert {"(-*A[-AO]*)", "(-*A[A-]*)"} & patterns  # argparse's, made from the parser's nargs
    schemas = (REPO / "ctguard" / "data" / "cfn_schemas.json").read_text()
    assert any(
        isinstance(p, str) and json.dumps(p) in schemas for p in patterns
    )  # vendored schemas' (compile_packaged)
    text = template.read_text()
    # IAM wildcards and schema patterns built from the template's values are compiled, never kept
    assert not any(isinstance(p, str) and len(p) > 12 and re.sub(r"\\(.)", r"\1", p) in text for p in patterns)
