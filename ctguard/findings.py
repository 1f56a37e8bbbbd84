"""Findings: what a policy concluded about one trail (or account), and where."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from ctguard.pickling import fast_pickle


class Severity(str, Enum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.lower())
        except ValueError:
            raise ValueError(f"unknown severity {text!r}; expected one of {', '.join(s.value for s in cls)}") from None


_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}


class Status(str, Enum):
    PASS = "PASS"
    FAIL = "FAIL"
    UNKNOWN = "UNKNOWN"
    ERROR = "ERROR"  # the check itself could not run (policy raised, input unreadable)
    NOT_APPLICABLE = "NOT_APPLICABLE"  # the rule did not run: this input cannot show what it judges


@dataclass(frozen=True, slots=True)
class Suppression:
    """Why a finding is reported as suppressed, and who said so."""

    source: str  # "inline", "metadata", "config", "cli", "baseline"
    reason: str | None = None  # None: the skip gave no reason (accepted, but flagged)
    expires: str | None = None  # YYYY-MM-DD; after it the finding counts again

    @property
    def justification(self) -> str:
        return self.reason or "no reason given"


@dataclass(frozen=True, slots=True)
class Finding:
    """One result of one policy on one resource of one input."""

    rule_id: str
    status: Status
    severity: Severity
    message: str
    file: str
    line: int = 1
    column: int = 1
    resource: str | None = None  # trail key / resource key / account
    resource_name: str | None = None
    resource_kind: str = "trail"
    model_path: tuple[str | int, ...] = ()
    source_kind: str = ""
    conditions: str | None = None  # CloudFormation condition assignment that produced it
    remediation: str | None = field(default=None, compare=False)  # fix in the input's own language
    suppression: Suppression | None = field(default=None, compare=False)
    # UNKNOWN only: the options that alone would decide it (("--account",)); empty when anything
    # else (a variable, a condition, an unread resource) is undecided too.
    settled_by: tuple[str, ...] = field(default=(), compare=False)

    def fingerprint(self) -> str:
        """Line-independent identity, stable across edits that only move code and across checkouts.

        Keyed on the repository-relative file, so the same finding has the same fingerprint
        whether ctguard ran on ``.``, on an absolute path or in another clone.
        """
        from ctguard.repo import repo_relative

        text = "\x1f".join(
            [
                self.rule_id,
                repo_relative(self.file),
                self.resource_kind,
                self.resource or "",
                ".".join(map(str, self.model_path)),
            ]
        )
        import hashlib  # only reports that carry fingerprints need it (it loads OpenSSL)

        # surrogateescape: a file name that is not UTF-8 hashes as its own bytes instead of raising
        return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:32]

    @property
    def suppressed(self) -> bool:
        return self.suppression is not None

    @property
    def is_failure(self) -> bool:
        return self.status in (Status.FAIL, Status.ERROR)

    def sort_key(self) -> tuple[object, ...]:
        return (self.file, self.line, self.column, self.rule_id, self.resource or "", self.status.value)


fast_pickle(Suppression, Finding)
