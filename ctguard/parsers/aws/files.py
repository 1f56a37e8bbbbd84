"""Saved AWS inputs for ``ctguard check``: snapshots and describe-trails output (see docs/snapshot.md)."""

from __future__ import annotations

from ctguard.inputs import ParsedInput
from ctguard.parsers.context import ParseContext


def parse(path: str, text: str, kind: str, context: ParseContext) -> list[ParsedInput] | None:
    if kind == "aws-snapshot":
        from ctguard.parsers.aws import snapshot as aws_snapshot

        return aws_snapshot.parse(path, text, context)
    from ctguard.parsers.aws import cli as aws_cli

    return aws_cli.parse(path, text, context)


__all__ = ["parse"]
