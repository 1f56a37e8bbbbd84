"""Every undocumented CloudTrail behaviour the simulator has to guess, as one named switch.

selector-semantics.md lists OPEN-Q1..Q7 and a few inferences (R21, R22, R24).  Each decision
lives here, not scattered through the matcher, so a reviewer can see and flip them in one place
and a test can pin them.  docs/simulator.md gives the reasoning for every default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# OPEN-Q1: what a record without ``readOnly`` does under ReadOnly/WriteOnly or ``readOnly Equals``.
ReadOnlyMissing = Literal["match-neither", "unknown"]


@dataclass(frozen=True, slots=True)
class SimPolicy:
    # OPEN-Q1.  "match-neither" is the reference evaluator's rule (selector-semantics §1.J): a
    # record without readOnly passes only selectors that do not constrain readOnly.  "unknown"
    # makes every such constrained verdict None instead.
    read_only_missing: ReadOnlyMissing = "match-neither"

    # OPEN-Q2.  S3 ListObjects/HeadBucket records carry ``ARNPrefix`` instead of ``ARN``; when
    # True the prefix string is used wherever an ARN is compared (basic values by prefix,
    # advanced operators on the string as is).  False ignores ARNPrefix resources for ARN tests.
    arn_prefix_as_arn: bool = True

    # OPEN-Q3.  Sources treated as global service events besides the documented four (IAM,
    # CloudFront, console sign-in, STS global endpoint).  Route 53, Organizations, Global
    # Accelerator log in us-east-1/us-west-2 but no source calls them GSE, so none by default.
    extra_global_sources: frozenset[str] = frozenset()

    # OPEN-Q3 (second half).  An sts.amazonaws.com record in the partition's global Region with
    # no ``tlsDetails.clientProvidedHostHeader`` could be the global or the regional endpoint.
    # None: say so (the verdict turns None only where the two readings disagree); True/False
    # force a reading.
    sts_without_host_header_is_global: bool | None = None

    # OPEN-Q4.  The simulator reads IncludeGlobalServiceEvents as stored (R6); it never models a
    # multi→single conversion.  Kept as a constant so the decision is visible, not switchable.
    # (No field: there is nothing to switch.)

    # OPEN-Q5.  When a trail holds both basic and advanced selectors (moto keeps both after a
    # basic put that follows an advanced one), advanced wins: that is what AWS would hold after
    # either put order except the one moto gets wrong.  False makes such trails Unknown.
    advanced_wins_over_basic: bool = True

    # OPEN-Q7.  Records with neither eventCategory, eventType hint nor managementEvent are
    # classified by a small catalogue of data APIs (catalogue.py); everything else defaults to
    # Management, the category of all CloudTrail records before data events existed.
    use_data_api_catalogue: bool = True

    # R23/R24 (inference on how AWS would treat what it rejects).  True: a field, operator or
    # missing required field that is not valid *for trails* in the event's category makes that
    # selector never match events of that category; AWS refuses such selectors, so a config
    # carrying one cannot record those events.  False evaluates the conditions literally.
    strict_trail_fields: bool = True

    # R22 (inference): a SELECT operator on a field absent from the record fails.  One
    # exception: CloudTrail writes ``sessionCredentialFromConsole`` only when it is true, so an
    # absent value is read as "false" when this is True.
    console_flag_absent_is_false: bool = True

    # R2.  Old or hand-written records without ``recipientAccountId``: take
    # ``userIdentity.accountId`` (the caller's account; equal to the recipient except for
    # cross-account access).  False leaves the account unknown.
    recipient_falls_back_to_caller: bool = True


DEFAULT_POLICY = SimPolicy()

# OPEN-Q4 made explicit: IncludeGlobalServiceEvents is read as stored, Absent → True (the API
# default); a multi-Region trail storing False gets no GSE (the combination AWS refuses).
IGSE_READ_AS_STORED = True

# OPEN-Q6 made explicit: an organization trail's data selectors that name member-account
# resources match the member's own calls on them (UG23-creating-trail-organization: member ARNs
# may be added and are logged without cross-account setup).  ARN tests are plain string
# comparisons that never look at whose account the resource is in, so there is nothing to switch.
ORG_MEMBER_ARNS_MATCH = True
