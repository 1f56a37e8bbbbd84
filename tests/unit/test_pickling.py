"""Parsed inputs and findings survive the trip between processes exactly (parallel scans)."""

from __future__ import annotations

import pickle
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import pytest

from ctguard import model
from ctguard.api import check
from ctguard.parsers.context import ParseContext
from ctguard.values import ABSENT, Known

REPO = Path(__file__).resolve().parents[2]
INPUTS = [
    REPO / "examples" / "cloudformation" / "secure-trail.yaml",
    REPO / "fixtures" / "terraform" / "cis_complete",
    REPO / "fixtures" / "aws" / "snapshot-organization.json",
]


def _same(a: Any, b: Any, path: str = "") -> None:
    """Equal, including the fields equality ignores (Known.via, Finding.remediation) and ABSENT's identity."""
    assert type(a) is type(b), path
    if a is ABSENT:
        assert b is ABSENT, path
    elif is_dataclass(a):
        for f in fields(a):
            _same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            _same(x, y, f"{path}[{i}]")
    elif hasattr(type(a), "__slots__") and not isinstance(a, (str, tuple)):  # SourceMap
        for name in type(a).__slots__:
            _same(getattr(a, name), getattr(b, name), f"{path}.{name}")
    elif isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            _same(a[k], b[k], f"{path}[{k!r}]")
    else:
        assert a == b, path


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_round_trip_keeps_every_field(path: Path) -> None:
    report = check([path], context=ParseContext(account_id="111122223333", region="eu-west-1"))
    assert report.inputs and report.findings
    for obj in (report.inputs, report.findings):
        back = pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
        _same(obj, back)


def test_every_model_class_is_registered() -> None:
    from ctguard import pickling

    classes = [
        c for c in vars(model).values() if isinstance(c, type) and is_dataclass(c) and c.__module__ == model.__name__
    ]
    assert classes and all(c in pickling._NAMES for c in classes)
    via = pickle.loads(pickle.dumps(Known("eu-west-1", via="provider aws region")))
    assert via.via == "provider aws region"
