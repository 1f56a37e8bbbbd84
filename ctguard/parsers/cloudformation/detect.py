"""Cheap text prefilters: is this a CloudFormation template, and does it concern CloudTrail?

Both run on raw text before any parsing, so a pre-commit run over many unrelated YAML/JSON
files (Kubernetes manifests, workflows, package.json) stays fast.  They may say yes too
often (the parser then decides); they must not say no to a real template.
"""

from __future__ import annotations

import re
from functools import cache


# Patterns behind @cache are compiled on first use: a one-template check often never needs
# them, and compiling them all at import cost start-up time (issue 21).
@cache
def _format_version() -> re.Pattern[str]:
    return re.compile(r"""["']?AWSTemplateFormatVersion["']?\s*:""")


@cache
def _resources() -> re.Pattern[str]:
    return re.compile(r"""(^|[{,\s])["']?Resources["']?\s*:""", re.MULTILINE)


# A block scalar indicator (``Type: >-``) or a tag may stand between the key and the type.
@cache
def _aws_type() -> re.Pattern[str]:
    return re.compile(r"""["']?Type["']?\s*:\s*(?:![^\s]*\s+)?(?:[>|][-+0-9]*\s+)?["']?(AWS|Alexa|Custom)::""")


# Any one of these alone makes a template worth parsing for ctguard.
@cache
def _related() -> re.Pattern[str]:
    return re.compile(
        r"AWS::CloudTrail::"
        r"|cloudtrail\.amazonaws\.com"  # a bucket, key or topic policy granting CloudTrail
        r"|\$\.event(Name|Source|Type)|\$\.errorCode|\$\.userIdentity"  # CloudTrail metric filters
        r"|AWS API Call via CloudTrail|[\"']aws\.cloudtrail[\"']|\baws\.cloudtrail\b"  # EventBridge rules
        r"|CloudTrailMetrics"
    )


def looks_like_cloudformation(text: str) -> bool:
    """True for text that is probably a CloudFormation (or SAM) template, YAML or JSON."""
    if _format_version().search(text):
        return True
    return bool(_resources().search(text) and _aws_type().search(text))


def is_cloudtrail_related(text: str) -> bool:
    """True when the text mentions a trail or something that only matters for trails."""
    return bool(_related().search(text))
