"""Where model values came from: spans kept beside the model, never inside it.

Parsers record a span per (owner, model path); the engine asks for the span of the path a
policy names and falls back to the nearest recorded ancestor, so a finding about a missing
property points at the resource or block that should hold it.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass

from ctguard.pickling import fast_pickle

Path = tuple[str | int, ...]
Owner = tuple[str, str]  # (kind, key): ("trail", "MyTrail"), ("bucket", "LogBucket")


@dataclass(frozen=True, slots=True)
class Span:
    """A line and column range in an input file."""

    file: str
    line: int  # 1-based
    column: int = 1  # 1-based
    end_line: int | None = None
    end_column: int | None = None


fast_pickle(Span)


class SourceMap:
    __slots__ = ("_spans", "file")

    def __init__(self, file: str) -> None:
        self.file = file
        self._spans: dict[tuple[Owner, Path], Span] = {}

    def record(
        self,
        owner: Owner,
        path: Path,
        line: int,
        column: int = 1,
        end_line: int | None = None,
        end_column: int | None = None,
        file: str | None = None,
    ) -> None:
        self._spans[(owner, tuple(path))] = Span(file or self.file, line, column, end_line, end_column)

    def set(self, owner: Owner, path: Path, span: Span) -> None:
        self._spans[(owner, tuple(path))] = span

    def exact(self, owner: Owner, path: Path) -> Span | None:
        return self._spans.get((owner, tuple(path)))

    def span(self, owner: Owner, path: Path = ()) -> Span:
        path = tuple(path)
        for end in range(len(path), -1, -1):
            found = self._spans.get((owner, path[:end]))
            if found is not None:
                return found
        return Span(self.file, 1, 1)

    def moved(self, file: str, line: Callable[[int], int]) -> SourceMap:
        """A copy whose spans stand in ``file`` at ``line(old line)`` (a template embedded in another file)."""
        copy = SourceMap(file)
        for key, span in self._spans.items():
            at = line(span.line)
            copy._spans[key] = Span(
                file, at, span.column, None if span.end_line is None else line(span.end_line), span.end_column
            )
        return copy

    def owners(self) -> builtins.set[Owner]:  # plain `set` here names the method SourceMap.set
        return {owner for owner, _ in self._spans}

    def __len__(self) -> int:
        return len(self._spans)
