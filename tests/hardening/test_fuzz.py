"""Fuzzing (issue: hardening, item 2): mutated inputs never crash, hang, or pass unread.

Valid inputs of every kind (CloudFormation JSON/YAML, Terraform modules, plan JSON,
snapshots, describe-trails output with its sidecars, CloudTrail records and log files) are mutated structurally (drop, duplicate, retype and reorder keys) and
textually (truncate, inject unicode). For every mutant ctguard must:

* return a report (never raise), with no ERROR finding other than CT001;
* never report PASS for a file it could not read (CT001 on that file);
* finish each example in bounded time.

The operators of ``mutators.py`` add what an independent fuzzer found crashes and silent drops
with (issue 17): type swaps of whole properties, quoting changes in HCL block labels, huge
numbers, swapped intrinsics, every Terraform function with wrong-typed arguments; for those
targets a mutant that still defines a trail must also keep it or say why (no silent drop).
The default run keeps each target to a few dozen examples. The long run sets
``CTGUARD_FUZZ_EXAMPLES`` (see ``tests/README.md`` for the command and its last result).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sys
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
sys.path.insert(0, str(Path(__file__).resolve().parent))
import fuzz_run  # noqa: E402
import mutators  # noqa: E402

EXAMPLES = int(os.environ.get("CTGUARD_FUZZ_EXAMPLES", "40"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="CTGUARD_FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=list(HealthCheck),
)
CONTEXT = ParseContext(account_id="111122223333", region="eu-west-1")
PER_EXAMPLE_SECONDS = 20.0

CFN_JSON = [json.loads((REPO / "fixtures" / "cloudformation" / n).read_text()) for n in ("cis-trail-stack.json",)]
CFN_YAML = [(REPO / "examples" / "cloudformation" / n).read_text() for n in ("secure-trail.yaml", "weak-trail.yaml")]
TF_MODULES = [REPO / "fixtures" / "terraform" / n for n in ("cis_complete", "advanced_selectors", "insight_selectors")]
PLAN = json.loads((REPO / "fixtures" / "terraform" / "plan" / "plan.json").read_text())
SNAPSHOTS = [
    json.loads((REPO / "fixtures" / "aws" / n).read_text())
    for n in ("snapshot-single-account.json", "snapshot-organization.json")
]
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
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
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


# --- the operators of mutators.py: type swaps, label quoting, huge numbers, intrinsics -------------
SEEDS = fuzz_run.seeds()
_SEED_TRAILS: dict[Path, int] = {}


def _seeds(*kinds: str) -> list[fuzz_run.Seed]:
    return [s for s in SEEDS if s.kind in kinds]


def _assert_kept(seed: fuzz_run.Seed, target: Path, text: str) -> None:
    """The invariant of ``_assert_safe`` plus: a trail the mutant still defines is not dropped silently."""
    start = time.perf_counter()
    report = check([target], context=CONTEXT)
    assert time.perf_counter() - start < PER_EXAMPLE_SECONDS
    problems = fuzz_run.classify(report, seed.kind, text, fuzz_run._seed_trails(seed, _SEED_TRAILS, None))
    # Unquoted labels are skipped by the text prefilter, whose proof belongs to issue 15.
    assert not [p for p in problems if not p.startswith("prefilter-drop")], problems
    unreadable = {f.file for f in report.findings if f.rule_id == "CT001"}
    assert not any(f.status is Status.PASS and f.file in unreadable for f in report.findings)


@SETTINGS
@given(st.sampled_from(_seeds("cfn-json")), st.randoms(use_true_random=False))
def test_cloudformation_type_and_intrinsic_swaps(seed: fuzz_run.Seed, rng: random.Random) -> None:
    work = Path(tempfile.mkdtemp(prefix="ctguard-fuzz-"))
    try:
        text = mutators.dump_doc(mutators.mutate_doc(rng, seed.doc))
        (work / "template.json").write_text(text, encoding="utf-8", errors="surrogatepass")
        _assert_kept(seed, work / "template.json", text)
    finally:
        shutil.rmtree(work)


@SETTINGS
@given(st.sampled_from(_seeds("cfn-yaml")), st.randoms(use_true_random=False))
def test_cloudformation_yaml_property_swaps(seed: fuzz_run.Seed, rng: random.Random) -> None:
    work = Path(tempfile.mkdtemp(prefix="ctguard-fuzz-"))
    try:
        text = mutators.mutate_yaml(rng, seed.text)
        (work / "template.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
        _assert_kept(seed, work / "template.yaml", text)
    finally:
        shutil.rmtree(work)


@SETTINGS
@given(st.sampled_from(_seeds("tf")), st.randoms(use_true_random=False))
def test_terraform_labels_values_and_numbers(seed: fuzz_run.Seed, rng: random.Random) -> None:
    work = Path(tempfile.mkdtemp(prefix="ctguard-fuzz-"))
    try:
        target, text = fuzz_run.make_mutant(rng, seed, work)
        _assert_kept(seed, target, text)
    finally:
        shutil.rmtree(work)


@SETTINGS
@given(
    st.sampled_from(sorted(__import__("ctguard.parsers.terraform.funcs", fromlist=["FUNCTIONS"]).FUNCTIONS)),
    st.lists(
        st.sampled_from(
            mutators.HCL_EXPRESSIONS + ['"x"', "1", "[]", "{}", "null", "true", "[[1]]", "{a = [1]}", "-1", "1.5"]
        ),
        max_size=4,
    ),
    st.booleans(),
)
def test_terraform_function_table_is_total(name: str, args: list[str], expand: bool) -> None:
    """Every function of the table on wrong-typed arguments gives a value or an Unknown, never raises."""
    from ctguard.parsers.terraform.expr import Evaluator, Trace
    from ctguard.parsers.terraform.funcs import FUNCTIONS
    from ctguard.parsers.terraform.hcl import parse_expression
    from ctguard.values import Unknown

    def names(root: str) -> object:
        if root == "module":
            return {"child": Unknown("outputs of module.child are not known")}
        raise KeyError(root)

    text = f"{name}({', '.join(args)}{'...' if expand and args else ''})"
    expr = parse_expression(text)
    if expr is None:  # not HCL (an argument list the grammar refuses): nothing to evaluate
        return
    value = Evaluator(Trace(), names, FUNCTIONS).eval(expr)
    assert not isinstance(value, BaseException)
    if isinstance(value, Unknown):
        assert value.reason, text


# --- CloudTrail records through the simulator -------------------------------------------------
def _records() -> list[Any]:
    """Every record of the shipped dataset (959, tests/data/events)."""
    events = REPO / "tests" / "data" / "events"
    records: list[Any] = []
    for file in sorted(events.glob("*.jsonl")):
        records += [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(records) == 959, "tests/data/events is incomplete"
    return [r for r in records if isinstance(r, dict)]


RECORDS = _records()
_TRAILS: list[Any] = []


def _compiled_trails() -> list[Any]:
    """The example stacks' trails plus selectors on every field the replay keys on."""
    if not _TRAILS:
        from ctguard.model import AdvancedEventSelector, FieldSelector, Trail
        from ctguard.simulate.evaluate import SimContext, compile_trail
        from ctguard.values import Known

        examples = REPO / "examples" / "cloudformation"
        inputs = check([examples / "secure-trail.yaml", examples / "weak-trail.yaml"], context=CONTEXT).inputs
        trails = [t for p in inputs for m in p.variants for t in m.trails]
        fs = FieldSelector
        trails.append(
            Trail(
                key="every-field",
                is_logging=Known(True),
                is_multi_region=Known(True),
                home_region=Known("eu-west-1"),
                account_id=Known("111122223333"),
                advanced_event_selectors=Known(
                    (
                        AdvancedEventSelector(
                            "m",
                            (
                                fs("eventCategory", equals=("Management",)),
                                fs("eventSource", not_equals=("kms.amazonaws.com",)),
                            ),
                        ),
                        AdvancedEventSelector(
                            "d",
                            (
                                fs("eventCategory", equals=("Data",)),
                                fs("resources.type", equals=("AWS::S3::Object",)),
                                fs("resources.ARN", not_starts_with=("arn:aws:s3:::b/",)),
                                fs("userIdentity.arn", not_ends_with=("/svc",)),
                            ),
                        ),
                        AdvancedEventSelector(
                            "n",
                            (
                                fs("eventCategory", equals=("NetworkActivity",)),
                                fs("eventSource", equals=("s3.amazonaws.com",)),
                                fs("errorCode", equals=("VpceAccessDenied",)),
                            ),
                        ),
                    )
                ),
            )
        )
        ctx = SimContext(account_id="111122223333", region="eu-west-1")
        _TRAILS.extend(compile_trail(t, ctx) for t in trails)
    return _TRAILS


@SETTINGS
@given(st.lists(st.sampled_from(RECORDS).flatmap(mutated_doc), min_size=1, max_size=6))
def test_cloudtrail_record_mutants(records: list[Any]) -> None:
    """Mutated records: the replay's cached fast paths give exactly the direct verdicts."""
    from collections import Counter

    from ctguard.simulate.events import Event
    from ctguard.simulate.policy import DEFAULT_POLICY
    from ctguard.simulate.replay import Replay

    trails = _compiled_trails()
    direct: Counter[tuple[Any, ...]] = Counter()
    for r in records:
        ev = Event.from_record(r)
        direct[(ev.event_category, ev.event_source, ev.event_name, tuple(t.evaluate(ev).reason for t in trails))] += 1
    replay = Replay(trails, DEFAULT_POLICY)
    replay.add(records * 2)  # twice: the second sighting of every key takes the cached path
    replayed: Counter[tuple[Any, ...]] = Counter()
    for shape, n in replay.shapes():
        replayed[(shape.category, shape.source, shape.name, tuple(v.reason for v in shape.verdicts))] += n
    assert replayed == direct + direct
    assert all(v.captured in (True, False, None) for shape, _ in replay.shapes() for v in shape.verdicts)


@SETTINGS
@given(st.data())
def test_cloudtrail_log_file_mutants(data: st.DataObject) -> None:
    """A log file as CloudTrail writes it (``{"Records": [...]}``, gzip), mutated as text or
    bytes: the archive reader yields records or names the file and the problem, never raises."""
    import gzip

    from ctguard.simulate.archive import iter_batches

    records = data.draw(st.lists(st.sampled_from(RECORDS), min_size=1, max_size=4))
    text = data.draw(mutated_text(json.dumps({"Records": records})))
    raw = text.encode("utf-8", errors="surrogatepass")
    if data.draw(st.booleans()):
        raw = gzip.compress(raw)
        cut = data.draw(st.integers(0, len(raw)))
        raw = raw if data.draw(st.booleans()) else raw[:cut]  # truncated downloads happen
    path = _write("111122223333_CloudTrail_eu-west-1_20240101T0000Z_x.json.gz", raw)
    try:
        errors: list[tuple[str, str]] = []
        got = [r for b in iter_batches([(str(path), len(raw))], lambda p, m: errors.append((p, m))) for r in b.records]
        assert (not errors and isinstance(got, list)) or (not got and len(errors) == 1 and errors[0][0] == str(path))
        if errors:
            assert str(path) in errors[0][1]
    finally:
        shutil.rmtree(path.parent)


def test_oracle_counts_only_templates_as_defining_a_trail() -> None:
    # A mutant whose Resources key is gone defines nothing CloudFormation would deploy; one that
    # keeps it and names the trail type as a value does.
    assert not fuzz_run.defines_trail("cfn-yaml", "Resourcpe: AWS::CloudTrail::Trail\n")
    assert fuzz_run.defines_trail("cfn-yaml", "Resources:\n  T:\n    Type: AWS::CloudTrail::Trail\n")
    assert fuzz_run.defines_trail("cfn-json", '{"Resources": {"T": {"Type": "AWS::CloudTrail::Trail"}}}')
    assert not fuzz_run.defines_trail("cfn-yaml", "Resources:\n  T:\n    Type: AWS::CloudTrail::TrailX\n")
