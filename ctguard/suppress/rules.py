"""Skip rules: where a suppression was declared, what it matches, and whether it still holds.

Every way of suppressing (inline comments, CloudFormation Metadata, the config file, ``--skip``)
becomes a ``Skip``; ``ctguard.suppress.apply`` marks matching findings as suppressed.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from ctguard.findings import Finding
from ctguard.pickling import fast_pickle

Owner = tuple[str, str]

# A rule id or glob ([A-Za-z0-9_*?\-]+), then more after commas, then an optional ": reason".
# Written out, not built with an f-string: a literal is what ctguard.regex_cache keeps.
_IDS = re.compile(r"^\s*([A-Za-z0-9_*?\-]+(?:\s*,\s*[A-Za-z0-9_*?\-]+)*)\s*(?::(.*))?$", re.DOTALL)
_EXP = re.compile(r"(?:^|:)\s*exp:\s*([0-9]{4}-[0-9]{2}-[0-9]{2}|\S*)\s*(?=:|$)")


@dataclass(frozen=True, slots=True)
class Skip:
    """One skip (inline comment, Metadata, config file or --skip): the rule it silences, where and why."""

    rule: str  # rule id or glob (CT1*), upper case
    source: str  # inline | metadata | config | cli
    where: str  # "file:line" for messages
    reason: str | None = None
    expires: str | None = None  # YYYY-MM-DD as written
    file: str | None = None  # glob on the repository-relative file (config skips)
    resource: str | None = None  # logical id / Terraform address / ARN / trail name
    owner: Owner | None = None  # inline and metadata skips: the resource they sit in
    block: tuple[str, int, int] | None = None  # (file, first line, last line) of that resource
    problem: str | None = None  # the declaration is malformed; it suppresses nothing

    def expired(self, today: _dt.date) -> bool:
        day = self.expiry_date()
        return day is not None and day < today

    def expiry_date(self) -> _dt.date | None:
        if not self.expires:
            return None
        return _dt.date.fromisoformat(self.expires)

    def matches(self, finding: Finding) -> bool:
        if not fnmatchcase(finding.rule_id.upper(), self.rule):
            return False
        if self.file is not None and not _file_matches(self.file, finding.file):
            return False
        if self.resource is not None and self.resource not in (finding.resource, finding.resource_name):
            return False
        if self.owner is None and self.block is None:
            return True
        if self.owner is not None and (finding.resource_kind, finding.resource) == self.owner:
            return True
        if self.owner is not None and finding.resource == self.owner[1] and self.owner[0] == "resource":
            return True
        if self.block is None:
            return False
        file, first, last = self.block
        return _same_file(file, finding.file) and first <= finding.line <= last


fast_pickle(Skip)


def _same_file(a: str, b: str) -> bool:
    return os.path.normpath(a) == os.path.normpath(b)


def _file_matches(pattern: str, file: str) -> bool:
    from ctguard.repo import repo_relative

    rel = repo_relative(file)
    return fnmatchcase(rel, pattern) or fnmatchcase(file, pattern) or rel == pattern.lstrip("./")


def parse_spec(text: str) -> tuple[list[str], str | None, str | None] | None:
    """``ID[,ID...][:reason][:exp:YYYY-MM-DD]`` -> (ids, reason, expiry); None if no id."""
    match = _IDS.match(text)
    if match is None:
        return None
    ids = [i.strip().upper() for i in match.group(1).split(",") if i.strip()]
    rest = (match.group(2) or "").strip()
    expires = None
    exp = _EXP.search(rest)
    if exp is not None:
        expires = exp.group(1)
        rest = (rest[: exp.start()] + rest[exp.end() :]).strip(" :")
    return ids, (rest or None), expires


def from_entry(entry: Any, source: str, where: str, **scope: Any) -> list[Skip]:
    """A skip written as data: ``"CT101"``, ``"CT101:reason"`` or ``{id, reason|comment, expires|exp}``."""
    if isinstance(entry, str):
        parsed = parse_spec(entry)
        if parsed is None:
            return [Skip("", source, where, problem=f"cannot read skip {entry!r}; expected ID[:reason]")]
        ids, reason, expires = parsed
        return [checked(Skip(i, source, where, reason, expires, **scope)) for i in ids]
    if isinstance(entry, dict):
        rule = entry.get("id", entry.get("rule"))
        if not isinstance(rule, str) or not rule.strip():
            return [Skip("", source, where, problem=f"skip {entry!r} has no id")]
        reason = entry.get("reason", entry.get("comment", entry.get("justification")))
        expires = entry.get("expires", entry.get("exp"))
        if isinstance(expires, _dt.date):
            expires = expires.isoformat()
        extra = {k: entry[k] for k in ("file", "resource") if isinstance(entry.get(k), str)}
        scope = {**scope, **extra}
        return [
            checked(
                Skip(
                    i.strip().upper(),
                    source,
                    where,
                    str(reason) if reason else None,
                    str(expires) if expires else None,
                    **scope,
                )
            )
            for i in rule.split(",")
            if i.strip()
        ]
    return [Skip("", source, where, problem=f"cannot read skip {entry!r}; expected a string or a mapping with id")]


def checked(skip: Skip) -> Skip:
    if skip.expires is not None:
        try:
            skip.expiry_date()
        except ValueError:
            return Skip(
                skip.rule,
                skip.source,
                skip.where,
                skip.reason,
                skip.expires,
                problem=f"skip of {skip.rule} has an invalid expiry {skip.expires!r}; expected YYYY-MM-DD",
            )
    return skip
