"""A finding's headline (about 120 characters at most) and its evidence (the rest of the message).

Policy messages read "<what is wrong>: <why ctguard says so>" or "<what> (<detail>); <more>".
The headline is the message up to the first such break that leaves a sentence of its own; a
longer first sentence is cut at a word and marked with an ellipsis.  The full message stays in
the finding (JSON ``message``, ``--verbose``, the HTML report): nothing is lost, only folded.
"""

from __future__ import annotations

import re
from functools import cache

MAX = 120
_MIN = 25  # a shorter prefix is not a headline ("CIS 4.1/5.1 (Unauthorized API calls) ...")
_BREAKS = (": ", "; ", " (", " - ", ", ")


def split(message: str) -> tuple[str, str]:
    """(headline, evidence); evidence is "" when the whole message is the headline."""
    text = " ".join(message.split())
    if len(text) <= MAX:
        return text, ""
    cut = _first_break(text)
    if cut is not None:
        return text[:cut].rstrip(" .,;:"), text[cut:].lstrip(" :;,-")
    head = text[: MAX - 1]
    head = head[: head.rfind(" ")] if " " in head else head
    return head.rstrip(" .,;:") + "…", text


def headline(message: str) -> str:
    return split(message)[0]


# Patterns behind @cache are compiled on first use: a one-template check often never needs
# them, and compiling them all at import cost start-up time (issue 21).
# How ``symbols.describe`` names the deploy-time values an UNKNOWN depends on:
# "AWS::AccountId, AWS::Region (--account and --region settle it)", "var.bucket (chosen at deploy time)".
@cache
def _decider() -> re.Pattern[str]:
    return re.compile(
        r"([\w:.\-\[\]\"/]+(?:, [\w:.\-\[\]\"/]+)*) "
        r"\(((?:--account(?: and --region)?|--region) settles? it|chosen at deploy time)\)"
    )


def decided_by(message: str) -> str | None:
    """For an UNKNOWN headline: the symbols that decide it and what settles them, which the folded
    evidence would otherwise hide ("AWS::Region (--region settles it)")."""
    found = _decider().search(message)
    return f"{found.group(1)} ({found.group(2)})" if found else None


def _first_break(text: str) -> int | None:
    best: int | None = None
    for mark in _BREAKS:
        start = 0
        while True:
            i = text.find(mark, start)
            if i < 0 or i > MAX:
                break
            if i >= _MIN and _balanced(text[:i]) and (mark != " (" or _aside(text, i + 1)):
                best = i if best is None else min(best, i)
                break
            start = i + 1
    return best


def _aside(text: str, open_at: int) -> bool:
    """A parenthesis that closes the clause ("write (PutObject ...): ...") and not a name inside it
    ("CIS 4.5/5.5 (CloudTrail configuration changes) is not monitored")."""
    depth = 0
    for j in range(open_at, len(text)):
        depth += {"(": 1, ")": -1}.get(text[j], 0)
        if depth == 0:
            return text[j + 1 : j + 2] in ("", ":", ";", ",", ".") or text[j + 1 : j + 3] == " -"
    return False


def _balanced(prefix: str) -> bool:
    return prefix.count("(") == prefix.count(")") and prefix.count("[") == prefix.count("]")
