"""Fuzzing (issue: hardening, item 2): mutated inputs never crash, hang, or pass unread.

Valid inputs of every kind (CloudFormation JSON/YAML, Terraform modules, plan JSON,
snapshots, describe-trails output with its sidecars, CloudTrail records) are mutated structurally (drop, duplicate, retype and reorder keys) and
textually (truncate, inject unicode). For every mutant ctguard must:

* return a report (never raise), with no ERROR finding other than CT001;
* never report PASS for a file it could not read (CT001 on that file);
* finish each example in bounded time.

The default run keeps each target to a few dozen examples. The long run sets
``CTGUARD_FUZZ_EXAMPLES`` (see ``tests/README.md`` for the command and its last result).
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctguard.api import check
from ctguard.findings import Status
from ctguard.parsers.context import ParseContext

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("CTGUARD_FUZZ_EXAMPLES", "40"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize="CTGUARD_FUZZ_EXAMPLES" not in os.environ,
                    suppress_health_check=list(HealthCheck))
CONTEXT = ParseContext(account_id="111122223333", region="eu-west-1")
PER_EXAMPLE_SECONDS = 20.0

CFN_JSON = [json.loads((REPO / "fixtures" / "cloudformation" / n).read_text()) for n in ("cis-trail-stack.json",)]
CFN_YAML = [(REPO / "examples" / "cloudformation" / n).read_text() for n in ("secure-trail.yaml", "weak-trail.yaml")]
TF_MODULES = [REPO / "fixtures" / "terraform" / n for n in ("cis_complete", "advanced_selectors", "insight_selectors")]
PLAN = json.loads((REPO / "fixtures" / "terraform" / "plan" / "plan.json").read_text())
SNAPSHOTS = [json.loads((REPO / "fixtures" / "aws" / n).read_text())
             for n in ("snapshot-single-account.json", "snapshot-organization.json")]
DESCRIBE_TRAILS = REPO / "fixtures" / "aws" / "describe-trails"
UNICODE = st.sampled_from(["\u202e", "\u0000", "\ufeff", "é", "𝔘", "\ud7ff", "\u2028", "中文", "\U0001f600", "\\u0000"])


# --- structural mutations of JSON-shaped documents ------------------------------------------
def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, prefix + (i,))
    return out


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        doc = doc[p]
    return doc


@st.composite
def mutated_doc(draw: st.DrawFn, base: Any) -> Any:
    doc = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(1, 5))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, key = _get(doc, path[:-1]), path[-1]
        op = draw(st.sampled_from(["drop", "retype", "duplicate", "reorder", "unicode"]))
        if op == "drop":
            del parent[key]
        elif op == "retype":
            parent[key] = draw(st.sampled_from([None, 0, -1, 1.5, True, "", "x", [], {}, [None], {"a": None}, 10**30]))
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(key, json.loads(json.dumps(parent[key])))
        elif op == "duplicate" and isinstance(parent, dict):
            parent[f"{key}"] = json.loads(json.dumps(parent[key]))
            parent[f"{key}Copy"] = parent[key]
        elif op == "reorder" and isinstance(parent, dict):
            items = list(parent.items())
            order = draw(st.permutations(range(len(items))))
            parent.clear()
            parent.update(items[i] for i in order)
        elif op == "unicode" and isinstance(parent[key], str):
            text = parent[key]
            at = draw(st.integers(0, len(text)))
            parent[key] = text[:at] + draw(UNICODE) + text[at:]
    return doc


@st.composite
def mutated_text(draw: st.DrawFn, base: str) -> str:
    text = base
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["truncate", "unicode", "delete", "repeat"]))
        at = draw(st.integers(0, len(text)))
        if op == "truncate":
            text = text[:at]
        elif op == "unicode":
            text = text[:at] + draw(UNICODE) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)):]
        else:
            end = min(len(text), at + draw(st.integers(1, 80)))
            text = text[:end] + text[at:end] + text[end:]
    return text


# --- the invariant ---------------------------------------------------------------------------
def _assert_safe(paths: list[Path]) -> None:
    start = time.perf_counter()
    report = check(paths, context=CONTEXT)  # must not raise
    assert time.perf_counter() - start < PER_EXAMPLE_SECONDS
    unreadable = {f.file for f in report.findings if f.rule_id == "CT001"}
    for f in report.findings:
        assert f.status is not Status.ERROR or f.rule_id == "CT001", f
        assert "internal parser error" not in f.message, f"a parser raised: {f.message}"
        assert not (f.status is Status.PASS and f.file in unreadable), f"PASS on an unreadable input: {f}"


def _write(name: str, data: str | bytes) -> Path:
    directory = Path(tempfile.mkdtemp(prefix="ctguard-fuzz-"))
    path = directory / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", errors="surrogatepass"))
    return path


@SETTINGS
@given(st.sampled_from(CFN_JSON).flatmap(mutated_doc))
def test_cloudformation_json_mutants(doc: Any) -> None:
    path = _write("template.json", json.dumps(doc))
    try:
        _assert_safe([path])
    finally:
        shutil.rmtree(path.parent)


@SETTINGS
@given(st.sampled_from(CFN_YAML).flatmap(mutated_text))
def test_cloudformation_yaml_mutants(text: str) -> None:
    path = _write("template.yaml", text)
    try:
        _assert_safe([path])
    finally:
        shutil.rmtree(path.parent)


@SETTINGS
@given(st.sampled_from(TF_MODULES), st.data())
def test_terraform_module_mutants(module: Path, data: st.DataObject) -> None:
    target = Path(tempfile.mkdtemp(prefix="ctguard-fuzz-")) / module.name
    shutil.copytree(module, target)
    try:
        victim = data.draw(st.sampled_from(sorted(p for p in target.iterdir() if p.suffix == ".tf")))
        victim.write_text(data.draw(mutated_text(victim.read_text())), encoding="utf-8", errors="surrogatepass")
        _assert_safe([target])
    finally:
        shutil.rmtree(target.parent)


@SETTINGS
@given(mutated_doc(PLAN))
def test_plan_mutants(doc: Any) -> None:
    path = _write("plan.json", json.dumps(doc))
    try:
        _assert_safe([path])
    finally:
        shutil.rmtree(path.parent)


@SETTINGS
@given(st.sampled_from(SNAPSHOTS).flatmap(mutated_doc))
def test_snapshot_mutants(doc: Any) -> None:
    path = _write("snapshot.json", json.dumps(doc))
    try:
        _assert_safe([path])
    finally:
        shutil.rmtree(path.parent)


@SETTINGS
@given(st.data())
def test_describe_trails_mutants(data: st.DataObject) -> None:
    """describe-trails output and its per-trail sidecars: one of them mutated per example."""
    target = Path(tempfile.mkdtemp(prefix="ctguard-fuzz-")) / "trails"
    shutil.copytree(DESCRIBE_TRAILS, target)
    try:
        victim = data.draw(st.sampled_from(sorted(p.name for p in target.iterdir())))
        original = (target / victim).read_text()
        if original.lstrip().startswith("{") and data.draw(st.booleans()):
            text = json.dumps(data.draw(mutated_doc(json.loads(original))))
        else:  # some sidecars hold the CLI's error line, not JSON
            text = data.draw(mutated_text(original))
        (target / victim).write_text(text, encoding="utf-8", errors="surrogatepass")
        _assert_safe([target])
    finally:
        shutil.rmtree(target.parent)


# --- CloudTrail records through the simulator -------------------------------------------------
def _records() -> list[Any]:
    events = REPO.parent / "shared" / "data" / "events"
    records: list[Any] = []
    for file in sorted(events.rglob("*.json"))[:40] if events.is_dir() else []:
        try:
            data = json.loads(file.read_text())
        except (ValueError, UnicodeDecodeError):
            continue
        records += data.get("Records", [data]) if isinstance(data, dict) else data
    return [r for r in records if isinstance(r, dict)][:200] or [{
        "eventVersion": "1.08", "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
        "awsRegion": "eu-west-1", "recipientAccountId": "111122223333", "readOnly": True,
        "managementEvent": False, "eventCategory": "Data",
        "resources": [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::b/k"}]}]


RECORDS = _records()


@SETTINGS
@given(st.sampled_from(RECORDS).flatmap(mutated_doc))
def test_cloudtrail_record_mutants(record: Any) -> None:
    from ctguard.simulate import SimContext, captured_by_any
    from ctguard.simulate.events import Event

    inputs = check([REPO / "examples" / "cloudformation" / "secure-trail.yaml"], context=CONTEXT).inputs
    trails = [t for p in inputs for m in p.variants for t in m.trails]
    event = Event.from_record(record)
    verdict = captured_by_any(trails, event, SimContext(account_id="111122223333", region="eu-west-1"))
    assert verdict in (True, False, None)
