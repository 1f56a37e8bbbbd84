"""scripts/peer_compare.py on a KICS-shaped tree built here (it fetches nothing)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("peer_compare", ROOT / "scripts" / "peer_compare.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["peer_compare"] = module
    spec.loader.exec_module(module)
    return module


pc = _load_script()

_TRAIL = 'resource "aws_cloudtrail" "t" {{\n  name = "t"\n  s3_bucket_name = "b"\n{extra}}}\n'


def _tree(tmp_path: Path) -> Path:
    test = tmp_path / "assets" / "queries" / "terraform" / "aws" / "cloudtrail_log_file_validation_disabled" / "test"
    test.mkdir(parents=True)
    (test / "positive1.tf").write_text(_TRAIL.format(extra="  enable_log_file_validation = false\n"))
    (test / "negative1.tf").write_text(_TRAIL.format(extra="  enable_log_file_validation = true\n"))
    # KICS labels this negative, ctguard fails it: a disagreement the report must list
    (test / "negative2.tf").write_text(_TRAIL.format(extra=""))
    (test / "positive_expected_result.json").write_text("[]")
    other = tmp_path / "assets" / "queries" / "terraform" / "aws" / "s3_bucket_versioning" / "test"
    other.mkdir(parents=True)
    (other / "positive1.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    return tmp_path


def test_rows_count_agreements_and_list_disagreements(tmp_path: Path) -> None:
    rows = {r.query: r for r in pc.compare(str(_tree(tmp_path)))}
    row = rows["cloudtrail_log_file_validation_disabled"]
    assert (row.rule, row.files, row.related, row.silent) == ("CT103", 3, 3, 0)
    assert dict(row.verdicts) == {"FAIL": 2, "PASS": 1}
    assert row.agree == 2
    assert len(row.disagree) == 1 and "negative2.tf: KICS PASS, ctguard CT103 FAIL" in row.disagree[0]
    unrelated = rows["s3_bucket_versioning"]
    assert (unrelated.rule, unrelated.files, unrelated.related, unrelated.silent) == (None, 1, 0, 0)


def test_table_and_exit_code(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert pc.main([str(_tree(tmp_path)), "--json", str(tmp_path / "out.json")]) == 0
    out = capsys.readouterr().out
    assert "| cloudtrail_log_file_validation_disabled | CT103 | 3 | 3 | 0 | FAIL 2, PASS 1 | 2 | 1 |" in out
    assert (tmp_path / "out.json").read_text().startswith("[")
    assert pc.main([str(tmp_path / "missing")]) == 2
