"""The vendored data-event resource types and the script that refreshes them (offline)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "scripts" / "refresh_resource_types.py"
VENDORED = REPO / "ctguard" / "data" / "data_event_resource_types.json"


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("refresh_resource_types", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_vendored_list_is_dated_sorted_and_holds_the_basic_types() -> None:
    data = json.loads(VENDORED.read_text(encoding="utf-8"))
    assert data["retrieved"] and data["count"] == len(data["types"]) >= 250
    assert data["types"] == sorted(set(data["types"]))
    assert set(data["basic_types"]) <= set(data["types"])
    assert "AWS::QApps:QApp" not in data["types"]  # botocore's typo is not a type


def test_refresh_reads_the_data_events_table_only_and_keeps_old_values() -> None:
    mod = _script()
    page = (
        "<h2>Management events</h2><td>AWS::EC2::Instance</td>"
        "<h2>Data events supported by AWS CloudTrail</h2><table><tr><td>AWS::S3::Object</td></tr>"
        "<tr><td>AWS::NewService::Widget</td></tr></table>"
        + "x" * 300
        + "<h2>Network activity events</h2><td>AWS::EC2::VPCEndpoint</td>"
    )
    found = mod.types_from_text(page)
    assert found == {"AWS::S3::Object", "AWS::NewService::Widget"}
    out, added = mod.merge({"types": ["AWS::Lambda::Function", "AWS::S3::Object"]}, found, "page.html", "2027-01-01")
    assert added == ["AWS::NewService::Widget"]
    assert out["types"] == ["AWS::Lambda::Function", "AWS::NewService::Widget", "AWS::S3::Object"]
    assert (out["retrieved"], out["count"], out["source"]) == ("2027-01-01", 3, "page.html")


def test_refresh_from_a_json_list(tmp_path: Path) -> None:
    mod = _script()
    src = tmp_path / "types.json"
    src.write_text(json.dumps({"types": [{"resources_type": f"AWS::S{i}::T"} for i in range(60)]}))
    target = tmp_path / "out.json"
    assert mod.main(["--source", str(src), "--target", str(target)]) == 0
    assert json.loads(target.read_text())["count"] == 60
    src.write_text(json.dumps({"types": ["AWS::Only::One"]}))
    assert mod.main(["--source", str(src), "--target", str(target)]) == 1  # too few: layout changed
