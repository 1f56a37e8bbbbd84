"""The ``{names}`` a declarative policy's messages may use, checked when the policy loads.

The engine fills a declarative policy's messages itself (``evaluate._text`` and its siblings),
with a fixed set of names per message; an unknown name would be printed as it stands
(``{trial}``) in every finding.  Messages of ``impl`` policies also take the values their
function returns, which only running it shows, so they are not checked here.
"""

from __future__ import annotations

import difflib
import string
from collections.abc import Iterator
from typing import Any

# Per message key, the names evaluate.py passes when it formats that message.
FILLED: dict[str, frozenset[str]] = {
    "fail": frozenset({"trail", "store", "value"}),
    "pass": frozenset({"trail", "store", "value"}),
    "unknown": frozenset({"trail", "store", "reason", "title_lower"}),
    "not_applicable": frozenset({"trail", "id", "subject"}),
}


def problems(message: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(message key, what is wrong) for each name the engine would leave unfilled."""
    for key, template in message.items():
        allowed = FILLED.get(key)
        if allowed is None or not isinstance(template, str):
            continue
        try:
            names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
        except ValueError:  # unbalanced braces are printed as written (``evaluate._format``)
            continue
        for name in names:
            if name not in allowed:
                guess = difflib.get_close_matches(name, sorted(allowed), n=1, cutoff=0.6)
                hint = f"; did you mean {{{guess[0]}}}?" if guess else ""
                yield (
                    key,
                    (
                        f"message.{key} names {{{name}}}, which a declarative policy's {key} message "
                        f"does not fill (it fills {', '.join(sorted(allowed))}){hint}"
                    ),
                )
