"""``ctguard explain ID``: the documentation page of one policy."""
from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    explain = sub.add_parser("explain", help="show the documentation of one policy")
    explain.add_argument("rule_id", metavar="ID")
    explain.add_argument("--policies", action="append", default=[], metavar="DIR")


def run(args: argparse.Namespace) -> int:
    from ctguard.rules_cmd import explain

    return explain(args)
