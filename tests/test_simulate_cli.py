"""``ctguard simulate``: every mode end to end on fixtures/simulate (JSON checked against the schema)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from ctguard.cli import main

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "fixtures" / "simulate"
SCHEMA = json.loads((ROOT / "ctguard" / "schemas" / "simulate.schema.json").read_text(encoding="utf-8"))
CTX = ["--account", "111122223333", "--region", "us-east-1"]
SHARED_EVENTS = ROOT / "tests" / "data" / "events"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["simulate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, err = run(capsys, *args, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    return doc


def test_replay_archive_tree_counts_and_cost(capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(capsys, str(FIX / "mgmt-only.yaml"), str(FIX / "tf"), *CTX, "--events", str(FIX / "events"))
    assert doc["records"] == 9 and doc["source"]["files"] == 2
    assert doc["time_span"]["first"] == "2024-01-01T00:00:00Z" and doc["time_span"]["seconds"] == 86460
    mgmt, writes = doc["trails"]
    assert mgmt["trail"] == "OrgTrail" and writes["trail"] == "aws_cloudtrail.writes"
    assert mgmt["totals"] == {"captured": 6, "missed": 3, "unknown": 0}
    assert mgmt["by_category"]["Data"] == {"captured": 0, "missed": 3, "unknown": 0}
    # WriteOnly, single-Region us-east-1: RunInstances and CreateUser (IAM is a global event) only.
    assert writes["totals"] == {"captured": 2, "missed": 7, "unknown": 0}
    # The first trail holds the free management copy; the second pays for its two events.
    assert mgmt["cost"]["events"]["management_free"] == 6 and mgmt["cost"]["events"]["management_paid"] == 0
    assert writes["cost"]["events"]["management_paid"] == 2
    assert writes["cost"]["usd"] == pytest.approx(2 * 2.0 / 100_000)
    assert writes["cost"]["usd_monthly"] == pytest.approx(2 * 2.0 / 100_000 * 30 * 86400 / 86460, rel=1e-3)
    reasons = {r["reason"] for r in writes["reasons"]}
    assert "record is in eu-west-1; single-Region trail records only us-east-1 (R4)" in reasons


def test_replay_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(FIX / "with-s3-data.yaml"), *CTX, "--events", str(FIX / "events"))
    assert code == 0, err
    assert "Replayed 9 records from 2 files" in out
    assert "kms.amazonaws.com Decrypt [Management]: missed 1" in out
    assert "excludes it: eventSource NotEquals 'kms.amazonaws.com'" in out
    assert "list prices of" in out and err == ""  # no progress bar when stderr is not a terminal


def test_event_explains_each_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(capsys, str(FIX / "with-s3-data.yaml"), *CTX, "--event", str(FIX / "event-putobject.json"))
    (item,) = doc["events"]
    (v,) = item["verdicts"]
    assert v["captured"] is True and v["decided_by"]["selector_name"] == "Writes to the data bucket"
    code, out, _ = run(capsys, str(FIX / "mgmt-only.yaml"), *CTX, "--event", str(FIX / "event-putobject.json"))
    assert code == 0 and "NOT CAPTURED" in out and "decided by: stage selectors" in out


@pytest.mark.parametrize("shape", ["records", "lines", "array"])
def test_event_file_shapes(capsys: pytest.CaptureFixture[str], tmp_path: Path, shape: str) -> None:
    rec = json.loads((FIX / "event-putobject.json").read_text(encoding="utf-8"))
    other = {
        **rec,
        "eventSource": "ec2.amazonaws.com",
        "eventName": "RunInstances",
        "eventCategory": "Management",
        "managementEvent": True,
        "resources": [],
    }
    path = tmp_path / "e.json"
    if shape == "records":
        path.write_text(json.dumps({"Records": [rec, other]}))
    elif shape == "lines":
        path.write_text(json.dumps(rec) + "\n\n" + json.dumps(other) + "\n")
    else:
        path.write_text(json.dumps([rec, other]))
    doc = run_json(capsys, str(FIX / "mgmt-only.yaml"), *CTX, "--event", str(path))
    assert [i["verdicts"][0]["captured"] for i in doc["events"]] == [False, True]


def test_bad_event_file_names_the_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"Records": [}')
    code, _out, err = run(capsys, str(FIX / "mgmt-only.yaml"), "--event", str(bad))
    assert code == 3 and str(bad) in err and "invalid JSON" in err and "Traceback" not in err


def test_bad_archive_file_is_skipped_with_warning(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "good.json.gz").write_bytes(
        gzip.compress(
            json.dumps(
                {
                    "Records": [
                        {
                            "eventSource": "ec2.amazonaws.com",
                            "eventName": "RunInstances",
                            "recipientAccountId": "111122223333",
                            "awsRegion": "us-east-1",
                            "eventCategory": "Management",
                        }
                    ]
                }
            ).encode()
        )
    )
    (tmp_path / "broken.json.gz").write_bytes(b"\x1f\x8bnot gzip")
    doc = run_json(capsys, str(FIX / "mgmt-only.yaml"), *CTX, "--events", str(tmp_path))
    assert doc["records"] == 1 and doc["trails"][0]["totals"]["captured"] == 1
    assert doc["source"]["skipped"][0][0].endswith("broken.json.gz")


def test_no_readable_archive_is_an_input_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, str(FIX / "mgmt-only.yaml"), "--events", str(tmp_path / "missing.json.gz"))
    assert code == 3 and "missing.json.gz: cannot read" in err


def test_diff_gains_and_losses(capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(
        capsys,
        "--diff",
        str(FIX / "mgmt-only.yaml"),
        str(FIX / "with-s3-data.yaml"),
        *CTX,
        "--events",
        str(FIX / "events"),
    )
    d = doc["diff"]
    assert (d["gained"], d["lost"], d["unchanged"], d["unknown"]) == (1, 1, 7, 0)
    assert d["gained_events"] == [{"category": "Data", "source": "s3.amazonaws.com", "name": "PutObject", "count": 1}]
    assert d["lost_events"] == [
        {"category": "Management", "source": "kms.amazonaws.com", "name": "Decrypt", "count": 1}
    ]
    assert doc["old"]["cost"]["usd"] == 0 and doc["new"]["cost"]["usd"] == pytest.approx(0.1 / 100_000)
    code, out, _ = run(
        capsys,
        "--diff",
        str(FIX / "mgmt-only.yaml"),
        str(FIX / "with-s3-data.yaml"),
        *CTX,
        "--events",
        str(FIX / "events"),
    )
    assert code == 0 and "gained 1 · lost 1" in out and "1 × kms.amazonaws.com Decrypt [Management]" in out


def test_catalog_from_botocore(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    botocore = pytest.importorskip("botocore")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    doc = run_json(capsys, str(FIX / "with-s3-data.yaml"), "--catalog", "--service", "kms")
    assert not (tmp_path / "ctguard").exists()  # only the named models were loaded: nothing cached
    assert doc["mode"] == "catalog" and doc["source"]["operations"] == doc["records"] > 30
    (t,) = doc["trails"]
    assert t["totals"]["captured"] == 0 and t["totals"]["missed"] == doc["records"]  # kms excluded
    names = {e["name"] for e in t["by_event"]}
    assert {"Decrypt", "CreateKey"} <= names
    again = run_json(capsys, str(FIX / "mgmt-only.yaml"), "--catalog", "--service", "kms", "--service", "sts")
    assert again["trails"][0]["totals"]["captured"] == again["records"]
    assert botocore.__version__ == doc["source"]["botocore"]


def test_catalogue_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    botocore = pytest.importorskip("botocore")
    from ctguard.simulate import operations as ops

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(
        ops,
        "_enumerate",
        lambda names=None: ("v", {"kms": {"source": "kms.amazonaws.com", "operations": ["Decrypt", "CreateKey"]}}),
    )
    assert ops.load_services()[1]["kms"]["operations"] == ["Decrypt", "CreateKey"]
    cached = tmp_path / "ctguard" / f"botocore-operations-{botocore.__version__}.json"
    assert cached.is_file()
    monkeypatch.setattr(ops, "_enumerate", lambda names=None: pytest.fail("cache not used"))
    assert ops.load_services({"kms"})[0] == "v"
    got = {(o.name, o.read_only, o.category) for o in ops.operations(ops.load_services()[1])}
    assert got == {("Decrypt", True, "Management"), ("CreateKey", False, "Management")}


@pytest.mark.parametrize(
    "service,meta,source",
    [
        ("sesv2", {"endpointPrefix": "email", "signingName": "ses"}, "ses.amazonaws.com"),
        (
            "dynamodbstreams",
            {"endpointPrefix": "streams.dynamodb", "signingName": "dynamodb"},
            "dynamodb.amazonaws.com",
        ),
        ("ec2", {"endpointPrefix": "ec2"}, "ec2.amazonaws.com"),
    ],
)
def test_event_source_mapping(service: str, meta: dict[str, str], source: str) -> None:
    from ctguard.simulate.operations import event_source, is_read_only, operation

    assert event_source(service, meta) == source
    assert is_read_only("ec2.amazonaws.com", "DescribeInstances") and not is_read_only(
        "ec2.amazonaws.com", "RunInstances"
    )
    assert is_read_only("kms.amazonaws.com", "GenerateDataKey") and is_read_only("sts.amazonaws.com", "AssumeRole")
    assert operation("s3", "s3.amazonaws.com", "PutObject").category == "Data"


def test_catalog_diff(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("botocore")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    doc = run_json(
        capsys, "--diff", str(FIX / "mgmt-only.yaml"), str(FIX / "with-s3-data.yaml"), "--catalog", "--service", "kms"
    )
    assert doc["diff"]["lost"] == doc["records"] and doc["old"]["cost"] is None


def test_sql_athena_prints_query(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        str(FIX / "with-s3-data.yaml"),
        *CTX,
        "--sql",
        "athena",
        "--table",
        "db.ct",
        "--where",
        "timestamp >= '2024/01/01'",
    )
    assert code == 0 and "FROM db.ct\n  WHERE timestamp >= '2024/01/01'" in out and "-- t0 = OrgTrail" in out
    assert "eventsource <> " not in out and "'kms.amazonaws.com'" in out


def test_sql_duckdb_replay_matches_python(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("duckdb")
    args = [
        str(FIX / "mgmt-only.yaml"),
        str(FIX / "with-s3-data.yaml"),
        str(FIX / "tf"),
        *CTX,
        "--events",
        str(FIX / "events"),
    ]
    py, sql = run_json(capsys, *args), run_json(capsys, *args, "--sql", "duckdb")
    assert sql["records"] == py["records"] and sql["time_span"] == py["time_span"]
    for a, b in zip(py["trails"], sql["trails"], strict=False):
        assert (a["totals"], a["by_category"], a["cost"]["events"]) == (
            b["totals"],
            b["by_category"],
            b["cost"]["events"],
        )


@pytest.mark.parametrize(
    "args,message",
    [
        (["--events", "x"], "no inputs"),
        (["fixtures/simulate/mgmt-only.yaml"], "choose what to simulate"),
        (["fixtures/simulate/mgmt-only.yaml", "--sql", "duckdb", "--event", "x"], "--sql duckdb replays"),
        (["fixtures/simulate/mgmt-only.yaml", "--events", "x", "--org-accounts", "none"], "no 12-digit"),
    ],
)
def test_usage_errors(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    code, _, err = run(capsys, *args)
    assert code == 2 and message in err


def test_unusable_trail_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "t.yaml"
    bad.write_text("Resources: [\n")
    code, _, err = run(capsys, str(bad), "--events", str(FIX / "events"))
    assert code == 3 and str(bad) in err
    empty = tmp_path / "none.yaml"
    empty.write_text("Resources:\n  B:\n    Type: AWS::S3::Bucket\n")
    code, _, err = run(capsys, str(empty), "--events", str(FIX / "events"))
    assert code == 3 and "no CloudTrail trails" in err


def test_org_accounts_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ids = tmp_path / "accounts.txt"
    ids.write_text("111122223333\n444455556666\n")
    tpl = tmp_path / "org.yaml"
    tpl.write_text(
        (FIX / "mgmt-only.yaml")
        .read_text()
        .replace("IsLogging: true", "IsLogging: true\n      IsOrganizationTrail: true")
    )
    rec = json.loads((FIX / "event-putobject.json").read_text())
    ev = tmp_path / "e.jsonl"
    ev.write_text(
        json.dumps(
            {
                **rec,
                "eventCategory": "Management",
                "managementEvent": True,
                "eventName": "ListBuckets",
                "recipientAccountId": "444455556666",
            }
        )
        + "\n"
    )
    doc = run_json(capsys, str(tpl), *CTX, "--org-accounts", str(ids), "--event", str(ev))
    assert doc["events"][0]["verdicts"][0]["captured"] is True
    doc = run_json(capsys, str(tpl), *CTX, "--event", str(ev))
    assert doc["events"][0]["verdicts"][0]["captured"] is None  # members not given: unknown


def test_shared_dataset_replays_via_cli(capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(capsys, str(FIX / "mgmt-only.yaml"), *CTX, "--events", str(SHARED_EVENTS))
    assert doc["records"] == 959 and doc["source"]["skipped"] == []
    by_cat = doc["any_trail"]["by_category"]
    assert sum(sum(c.values()) for c in by_cat.values()) == 959
    assert set(by_cat) == {"Management", "Data", "NetworkActivity"}


def test_trails_from_terraform_plan_and_module(capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(
        capsys,
        str(ROOT / "fixtures" / "terraform" / "plan" / "plan.json"),
        str(ROOT / "fixtures" / "terraform" / "advanced_selectors"),
        *CTX,
        "--event",
        str(FIX / "event-putobject.json"),
    )
    verdicts = {v["trail"]: v for v in doc["events"][0]["verdicts"]}
    assert verdicts["module.audit.aws_cloudtrail.this"]["captured"] is True
    adv = verdicts["aws_cloudtrail.advanced"]
    assert adv["captured"] is False and adv["decided_by"]["field"] == "resources.ARN"
    assert adv["decided_by"]["record_value"] == ["arn:aws:s3:::data-bucket/in/a.csv", "arn:aws:s3:::data-bucket"]


def test_progress_bar_only_on_a_terminal(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("rich")
    from ctguard.commands import simulate as cmd

    advance, close = cmd._progress(100)
    assert advance is None  # captured stderr is not a terminal
    close()
    monkeypatch.setattr(cmd.sys.stderr, "isatty", lambda: True, raising=False)
    advance, close = cmd._progress(100)
    assert advance is not None
    advance(60)
    advance(40)
    close()


def _record(name: str, source: str, category: str, i: int) -> dict[str, Any]:
    record: dict[str, Any] = {
        "eventVersion": "1.09",
        "eventTime": f"2024-01-01T00:{i % 60:02d}:00Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "readOnly": False,
        "eventType": "AwsApiCall",
        "userIdentity": {"type": "IAMUser", "accountId": "111122223333"},
        "recipientAccountId": "111122223333",
        "managementEvent": category == "Management",
        "eventCategory": category,
        "eventID": f"{name}-{i}",
    }
    if category == "Data":
        record["resources"] = [{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::data-bucket/{name}"}]
    return record


def test_rare_missed_events_are_all_listed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """30 busy captured management events and 14 rare missed data events: the misses are not
    picked from the busiest classes (by_event), so none of them vanishes."""
    records = [_record(f"Describe{n:02d}", "ec2.amazonaws.com", "Management", i) for n in range(30) for i in range(20)]
    records += [_record(f"Rare{n:02d}Object", "s3.amazonaws.com", "Data", n) for n in range(14)]
    folder = tmp_path / "AWSLogs" / "111122223333" / "CloudTrail" / "us-east-1" / "2024" / "01" / "01"
    folder.mkdir(parents=True)
    with gzip.open(folder / "111122223333_CloudTrail_us-east-1_20240101T0000Z_rare.json.gz", "wt") as fh:
        json.dump({"Records": records}, fh)
    doc = run_json(capsys, str(FIX / "mgmt-only.yaml"), *CTX, "--events", str(tmp_path))
    (trail,) = doc["trails"]
    assert not [e for e in trail["by_event"] if e["missed"]]  # the busiest classes are all captured
    missed = trail["missed_events"]
    assert sorted(e["name"] for e in missed) == [f"Rare{n:02d}Object" for n in range(14)]
    assert all(e["missed"] == 1 and e["category"] == "Data" for e in missed)
    code, out, _ = run(capsys, str(FIX / "mgmt-only.yaml"), *CTX, "--events", str(tmp_path), "--top", "10")
    assert code == 0
    listed = [line for line in out.splitlines() if "Rare" in line and "missed 1" in line]
    assert len(listed) == 10 and "    and 4 more events (all are in --format json, or raise --top)" in out
