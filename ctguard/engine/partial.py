"""Results on an input that was read in part (a CT001 error in one file of a module, one resource).

The part that was read is still checked, so its real FAILs are reported, but nothing the unread
part could change may pass:

- PASS and NOT_APPLICABLE become UNKNOWN naming the unread part (it may hold the trail, bucket
  policy or alarm that decides the rule);
- account-wide results become UNKNOWN even when they FAIL: "no trail is multi-region" is not known
  while a file that may declare one was not read;
- a FAIL on a trail or event data store stands only for rules that read the resource's own
  settings (families CT1, CT2, CT3, CT7); rules that read related resources (CT4: bucket, key,
  log group, topic, role) and the CIS alarms (CT5) could be satisfied by the unread part;
- an unread Terraform override file (``override.tf``, ``*_override.tf``) can change any resource,
  so every result is UNKNOWN.

The CT001 error itself stays, and with it exit code 3.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

from ctguard.engine.policy import Policy
from ctguard.findings import Finding, Status
from ctguard.inputs import ParsedInput

# Policy families whose trail/store results read only the resource's own properties.
_OWN_SETTINGS = ("CT1", "CT2", "CT3", "CT7")


@dataclass(frozen=True, slots=True)
class UnreadPart:
    """What of an input was not read, and where it starts."""

    # A dataclass, not a NamedTuple: typing compiles each of a NamedTuple's postponed annotations
    # at import (~1 ms of a one-template check, issue 21); this one is never used as a tuple.
    reason: str  # why part of the input is unknown
    override: bool  # whether the unread part may override what was read
    input_path: str
    anchor: tuple[str, int, int]  # file, line, column of the first unread place


def unread_part(parsed: ParsedInput) -> UnreadPart | None:
    """What of the input was not read, or None if all was read."""
    fatal = [p for p in parsed.problems if p.fatal]
    if not fatal:
        return None
    where = ", ".join(sorted({f"{p.span.file}:{p.span.line}" for p in fatal}))
    override = any(
        os.path.basename(p.span.file).removesuffix(".json").endswith(("override.tf", "_override.tf")) for p in fatal
    )
    first = min(fatal, key=lambda p: (p.span.file, p.span.line, p.span.column)).span
    return UnreadPart(
        f"cannot tell while {where} is unread (CT001)", override, parsed.path, (first.file, first.line, first.column)
    )


def judge(policy: Policy, finding: Finding, part: UnreadPart) -> Finding:
    finding = _anchored(finding, part)
    reason, override = part.reason, part.override
    if finding.status is Status.UNKNOWN:
        return (
            finding
            if reason in finding.message
            else dataclasses.replace(finding, message=f"{finding.message} ({reason})")
        )
    stands = (
        finding.status in (Status.FAIL, Status.ERROR)
        and not override
        and policy.scope in ("trail", "event_data_store")
        and policy.id.startswith(_OWN_SETTINGS)
    )
    if stands:
        return finding
    # The title first: a long message is cut at its first break, and the rule must stay readable.
    return dataclasses.replace(finding, status=Status.UNKNOWN, remediation=None, message=f"{policy.title}: {reason}")


def _anchored(finding: Finding, part: UnreadPart) -> Finding:
    """A result that points at no place of its own (the input itself, line 1: a Terraform module's
    directory shows as ``.:1:1``) points at the unread place that decides it instead."""
    if (finding.file, finding.line, finding.column) != (part.input_path, 1, 1):
        return finding
    file, line, column = part.anchor
    return dataclasses.replace(finding, file=file, line=line, column=column)
