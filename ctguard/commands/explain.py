"""``ctguard explain ID``: the documentation page of one policy."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    explain = sub.add_parser("explain", help="show the documentation of one policy")
    explain.add_argument("rule_id", metavar="ID")
    explain.add_argument("--policies", action="append", default=[], metavar="DIR")
    explain.add_argument(
        "--source", action="store_true", help="print where the rule's logic, policy file and fixtures are (path:line)"
    )
    explain.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format of --source (default: text)"
    )


def run(args: argparse.Namespace) -> int:
    from ctguard.rules_cmd import explain

    return explain(args)
