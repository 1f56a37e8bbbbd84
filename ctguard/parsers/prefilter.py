"""The one cheap test that may skip a file unparsed: could this text concern CloudTrail?

Every other decision about what an input is comes from parsing it; this test only spares ctguard
from parsing files that cannot hold anything it checks (Kubernetes manifests, workflows,
package.json). It must therefore never say no to text that a parser would read as something
CloudTrail-related, whatever way the grammar lets that text be spelled.

Why it is conservative (``tests/unit/test_prefilter.py`` checks each point on generated input):

* Every CloudTrail-related thing ctguard reads has, in its parsed value, one of ``NEEDLES``
  (case-folded): a trail or event data store type (``AWS::CloudTrail::Trail``,
  ``aws_cloudtrail``), a principal or source naming the service (``cloudtrail.amazonaws.com``,
  ``aws.cloudtrail``, ``AWS API Call via CloudTrail``), a field of a CloudTrail record in a
  metric filter or EventBridge pattern (``$.eventName`` ... or ``eventName`` keys), or a trail
  module's source. The needles are searched case-insensitively, anywhere in the text, so
  comments, quoting styles, unquoted HCL labels, YAML tags and folded scalars cannot hide them.
* The parsed value of a scalar differs from its text only through escapes (JSON, YAML
  double-quoted and HCL strings: ``\\uXXXX``, ``\\UXXXXXXXX``, ``\\xXX``, single-character escapes,
  YAML's escaped line break) and line folding. Folding turns a line break into a space or a
  line feed and never joins two words, so no needle (all free of white space but one, which
  also holds ``cloudtrail``) can appear by folding. Escapes are undone by ``unescape``, a
  stateless decoder that accepts the union of the three grammars' escapes; the needles are
  searched in the raw text *and* in the decoded text, so a backslash that is literal in its
  context (YAML plain scalars, heredocs) cannot make a needle disappear either.
* A backslash that is literal where it stands can make ``unescape`` misread the character after
  it only; that character is never the backslash that opens a real escape, because a string
  with escapes opens with a quote, never with a backslash.
"""

from __future__ import annotations

import re

# Case-folded. "cloudtrail" covers AWS::CloudTrail::*, aws_cloudtrail*, cloudtrail.amazonaws.com,
# aws.cloudtrail, "AWS API Call via CloudTrail", CloudTrailMetrics and trail module sources.
# "trailname"/"createtrail"/"create_trail"...: trails made or changed by custom resources, Lambda code
# and Terraform provisioners (CT005, cfn_opaque and tf_opaque).
NEEDLES = (
    "cloudtrail",
    "$.",
    "eventname",
    "eventsource",
    "errorcode",
    "useridentity",
    "trailname",
    "createtrail",
    "create_trail",
    "updatetrail",
    "update_trail",
    "puteventselectors",
    "put_event_selectors",
)

_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|x([0-9a-fA-F]{2})|\r?\n[ \t]*|(.))", re.DOTALL)
_SINGLE = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "b": "\b",
    "f": "\f",
    "0": "\0",
    "a": "\a",
    "v": "\v",
    "e": "\x1b",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}


def unescape(text: str) -> str:
    """``text`` with every backslash escape of JSON, YAML and HCL strings replaced by its value."""
    if "\\" not in text:
        return text
    return _ESCAPE.sub(_decoded, text)


def _decoded(match: re.Match[str]) -> str:
    code = match.group(1) or match.group(2) or match.group(3)
    if code is not None:
        point = int(code, 16)
        return chr(point) if point <= 0x10FFFF else ""
    other = match.group(4)
    if other is None:
        return ""  # an escaped line break: the break and the next line's indentation vanish
    return _SINGLE.get(other, other)


def may_concern_cloudtrail(text: str) -> bool:
    """False only when no parser could read anything CloudTrail-related out of ``text``."""
    if _has_needle(text.lower()):
        return True
    return "\\" in text and _has_needle(unescape(text).lower())


def _has_needle(folded: str) -> bool:
    return any(needle in folded for needle in NEEDLES)


# The byte order marks of UTF-16, little- and big-endian: what Windows PowerShell 5 writes on `>`.
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def bytes_may_concern_cloudtrail(data: bytes) -> bool:
    """``may_concern_cloudtrail`` for raw bytes in UTF-8 (the needles are ASCII), or UTF-16 with a
    byte order mark (what Windows PowerShell 5 writes on ``>``: its needles are NUL-interleaved)."""
    if data.startswith(UTF16_BOMS):
        return may_concern_cloudtrail(data[: len(data) // 2 * 2].decode("utf-16", errors="replace"))
    return may_concern_cloudtrail(data.decode("utf-8", errors="replace"))
