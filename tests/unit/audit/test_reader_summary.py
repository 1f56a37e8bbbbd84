from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

from ctguard.api import Report
from ctguard.audit.progress import NoProgress, RichProgress, progress_for
from ctguard.audit.reader import Reader, json_safe
from ctguard.calls import CallStore
from ctguard.findings import Finding, Severity, Status
from ctguard.formatters.audit_summary import summary_rows, table_markdown, table_text
from ctguard.inputs import ParsedInput
from ctguard.model import Model, Trail
from ctguard.values import Known


def test_json_safe_answers() -> None:
    answer = {
        "ResponseMetadata": {"RequestId": "x"},
        "When": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        "Blob": b"\x00\x01",
        "List": ({"Day": dt.date(2026, 1, 2)},),
    }
    assert json_safe(answer) == {"When": "2026-01-02T03:04:05Z", "Blob": "AAE=", "List": [{"Day": "2026-01-02"}]}


class _Client:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls = 0

    def can_paginate(self, method: str) -> bool:
        return False

    def get_trail_status(self, **params: Any) -> dict[str, Any]:
        self.calls += 1
        if self.error:
            raise self.error
        return {"IsLogging": True, "ResponseMetadata": {}}


class _Clients:
    def __init__(self, client: Any) -> None:
        self.client = client

    def get(self, service: str, region: str) -> Any:
        return self.client

    @contextlib.contextmanager
    def signing(self) -> Iterator[None]:
        yield

    @property
    def shared(self) -> Any:
        return self

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        yield


class _Sts:
    def can_paginate(self, method: str) -> bool:
        return False

    def get_caller_identity(self) -> dict[str, Any]:
        return {"Account": "999988887777", "Arn": "arn:aws:iam::999988887777:user/x"}


def test_an_account_reached_with_the_wrong_credentials_is_not_read() -> None:
    from ctguard.audit.collect import collect_account
    from ctguard.audit.errors import failed_reads

    store = CallStore()
    result = collect_account(Reader("111122223333", _Clients(_Sts()), store), "us-east-1", None, [], 2)  # type: ignore[arg-type]
    assert result.error is not None and "belong to account 999988887777" in result.error
    assert [(k[3], e.code) for k, e in failed_reads(store)] == [("GetCallerIdentity", "WrongAccount")]
    assert len(store) == 1


def test_reader_records_answers_and_errors_and_reads_each_call_once() -> None:
    from botocore.exceptions import ClientError

    store = CallStore()
    ok = _Client()
    reader = Reader("1", _Clients(ok), store)  # type: ignore[arg-type]
    assert reader.call("us-east-1", "cloudtrail", "GetTrailStatus", {"Name": "t"}) == {"IsLogging": True}
    assert reader.call("us-east-1", "cloudtrail", "GetTrailStatus", {"Name": "t"}) == {"IsLogging": True}
    assert ok.calls == 1
    failing = _Client(ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetTrailStatus"))
    reader = Reader("2", _Clients(failing), store)  # type: ignore[arg-type]
    assert reader.call("us-east-1", "cloudtrail", "GetTrailStatus", {"Name": "t"}) is None
    assert (
        store.get("2", "us-east-1", "cloudtrail", "GetTrailStatus", {"Name": "t"}).error.code == "AccessDeniedException"
    )


def _finding(resource: str, status: Status, kind: str = "trail") -> Finding:
    return Finding("CT101", status, Severity.HIGH, "m", "snap.json", resource=resource, resource_kind=kind)


def test_summary_rows_per_account_region_and_trail() -> None:
    model = Model(account_id=Known("111122223333"))
    model.trails += [
        Trail("arn:t1", name=Known("main"), home_region=Known("us-east-1")),
        Trail("arn:t2", name=Known("eu"), home_region=Known("eu-west-1")),
    ]
    report = Report(inputs=[ParsedInput("snap.json", "aws-snapshot", variants=[model])])
    report.findings += [
        _finding("arn:t1", Status.FAIL),
        _finding("arn:t1", Status.PASS),
        _finding("arn:t2", Status.UNKNOWN),
        _finding("111122223333", Status.FAIL, "account"),
    ]
    rows = [r.as_dict() for r in summary_rows(report)]
    assert rows == [
        {"account": "111122223333", "region": "", "trail": "(account)", "failed": 1, "unknown": 0, "passed": 0},
        {"account": "111122223333", "region": "eu-west-1", "trail": "eu", "failed": 0, "unknown": 1, "passed": 0},
        {"account": "111122223333", "region": "us-east-1", "trail": "main", "failed": 1, "unknown": 0, "passed": 1},
    ]
    assert table_text(summary_rows(report)).splitlines()[0].split() == [
        "account",
        "region",
        "trail",
        "failed",
        "unknown",
        "passed",
    ]
    assert "| `111122223333` | `us-east-1` | `main` | 1 | 0 | 1 |" in table_markdown(summary_rows(report))


def test_progress_only_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert isinstance(progress_for(io.StringIO()), NoProgress)
    assert isinstance(progress_for(Tty()), RichProgress)
