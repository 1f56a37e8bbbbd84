"""``ctguard rules``: list the policies."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    rules = sub.add_parser("rules", help="list the policies")
    rules.add_argument("--format", "-f", choices=("text", "json"), default="text")
    rules.add_argument("--policies", action="append", default=[], metavar="DIR")


def run(args: argparse.Namespace) -> int:
    from ctguard.rules_cmd import list_rules

    return list_rules(args)
