"""What the account's trails, taken together, do: shared helpers for the CT6xx account policies.

Three-valued throughout: ``True``/``False``/``None`` (unknown) with a reason, so a trail whose
logging status could not be read never counts as logging, and never counts as not logging.
"""

from __future__ import annotations

from dataclasses import dataclass

from ctguard.engine.evaluate import CheckContext, Outcome
from ctguard.findings import Status
from ctguard.model import Model, Trail, TrailStatus, field_default
from ctguard.values import Absent, Known, Unknown

Tri = bool | None


@dataclass(frozen=True, slots=True)
class Fact:
    """A three-valued fact about a trail, with the reason when it cannot be told."""

    value: Tri
    reason: str = ""


def fact(value: object, default: object = None, what: str = "") -> Fact:
    if isinstance(value, Known):
        return Fact(bool(value.value))
    if isinstance(value, Unknown):
        return Fact(None, f"{what}: {value.reason}" if what else value.reason)
    if isinstance(value, Absent) and default is not None:
        return Fact(bool(default))
    return Fact(None, f"{what} not known" if what else "not known")


def name(trail: Trail) -> str:
    shown = trail.name
    if isinstance(shown, Known) and shown.value and "generated" not in (shown.via or ""):
        return str(shown.value)
    return trail.key


def is_live(model: Model) -> bool:
    """Live audits and snapshots state which regions they read; IaC inputs leave it Absent."""
    return not isinstance(model.audited_regions, Absent)


def not_applicable(ctx: CheckContext, why: str = "it needs a live audit or a snapshot of the account") -> Outcome:
    return Outcome(
        Status.NOT_APPLICABLE,
        message=f"{ctx.policy.id} is not applicable to this input: {why}",
        owner=account_owner(ctx),
    )


def account_owner(ctx: CheckContext) -> tuple[str, str] | None:
    """Findings on an account name it (one file can hold several accounts)."""
    account = ctx.model.account_id
    return ("account", str(account.value)) if isinstance(account, Known) and account.value else None


def trail_account(trail: Trail) -> str | None:
    return str(trail.account_id.value) if isinstance(trail.account_id, Known) and trail.account_id.value else None


def is_own(trail: Trail, model: Model) -> bool:
    """False only for a trail shown to this account by another one (an organization trail)."""
    mine = model.account_id.value if isinstance(model.account_id, Known) else None
    theirs = trail_account(trail)
    return mine is None or theirs is None or mine == theirs


def applies(trail: Trail, model: Model) -> Fact:
    """Does the trail record this account's events? Own trails do; another account's only as an organization trail."""
    if is_own(trail, model):
        return Fact(True)
    org = fact(trail.is_organization, False, "whether it is an organization trail")
    if org.value is False:
        return Fact(False, f"it belongs to account {trail_account(trail)}")
    return org


def logging(trail: Trail) -> Fact:
    status = trail.status
    if isinstance(status, TrailStatus) and not isinstance(status.is_logging, Absent):
        return fact(status.is_logging, None, "logging status")
    return fact(trail.is_logging, field_default(Trail, "is_logging"), "logging status")


def multi_region(trail: Trail) -> Fact:
    return fact(trail.is_multi_region, False, "IsMultiRegionTrail")


DEPLOY_REGION = "the deploy region"


def home_region(trail: Trail, model: Model) -> str | None:
    """The trail's home region; a template's trails without one all live in the region it deploys to."""
    if isinstance(trail.home_region, Known):
        return str(trail.home_region.value)
    if isinstance(model.region, Known):
        return str(model.region.value)
    # IaC: a template's (or module's) trails are created in the region it is deployed to, known or not.
    return DEPLOY_REGION if not is_live(model) or isinstance(trail.home_region, Absent) else None


def all_of(*facts: Fact) -> Fact:
    if any(f.value is False for f in facts):
        return next(f for f in facts if f.value is False)
    unknown = [f for f in facts if f.value is None]
    return Fact(None, unknown[0].reason) if unknown else Fact(True)


def outcome(status: Status, ctx: CheckContext, message: str) -> Outcome:
    return Outcome(status, message=message, owner=account_owner(ctx))


def account_label(model: Model) -> str:
    return f"account {model.account_id.value}" if isinstance(model.account_id, Known) else "the account"


__all__ = [
    "Fact",
    "account_label",
    "account_owner",
    "all_of",
    "applies",
    "fact",
    "home_region",
    "is_live",
    "is_own",
    "logging",
    "multi_region",
    "name",
    "not_applicable",
    "outcome",
    "trail_account",
]
