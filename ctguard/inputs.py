"""The result of reading one input: model variants, source map, and problems found on the way."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ctguard.location import Owner, Path, SourceMap, Span
from ctguard.model import Model
from ctguard.pickling import fast_pickle

if TYPE_CHECKING:
    from ctguard.suppress.rules import Skip

# Problems a parser can report; each kind maps to a built-in rule (policies/CT00x-*.yaml).
PARSE_ERROR = "CT001"  # the input could not be read or parsed at all
INVALID_PROPERTY = "CT002"  # unknown property, wrong type, missing required (resource schema)
DUPLICATE_KEY = "CT003"
BAD_REFERENCE = "CT004"  # Ref / GetAtt / var to something that does not exist
UNRESOLVABLE = "CT005"  # a module source or value ctguard cannot follow (informational)


@dataclass(frozen=True, slots=True)
class InputProblem:
    """Why an input could not be read completely."""

    rule_id: str
    message: str
    span: Span
    owner: Owner | None = None
    path: Path = ()

    @property
    def fatal(self) -> bool:
        return self.rule_id == PARSE_ERROR


@dataclass(slots=True)
class ParsedInput:
    """One input file after parsing: its model, the problems found reading it and its suppressions."""

    path: str  # as given on the command line, relative when it was relative
    kind: str  # cloudformation | terraform | terraform-plan | snapshot | describe-trails
    variants: list[Model] = field(default_factory=list)
    source_map: SourceMap | None = None
    problems: list[InputProblem] = field(default_factory=list)
    # Suppressions the input declares as data (CloudFormation Metadata.ctguard.skip); inline
    # comments are found later from the file text (ctguard.suppress.inline).
    skips: list[Skip] = field(default_factory=list)
    # Values the input marks secret (NoEcho, sensitive, plan sensitive_values), recorded by the
    # parser where it reads them; the checker hides them in every finding (ctguard.sensitive).
    secrets: set[str] = field(default_factory=set)

    @classmethod
    def unreadable(cls, path: str, kind: str, message: str, line: int = 1, column: int = 1) -> ParsedInput:
        """An input that could not be read at all: one CT001 problem and no model."""
        parsed = cls(path, kind)
        parsed.problem(PARSE_ERROR, message, line, column)
        return parsed

    @property
    def unusable(self) -> bool:
        """True when the input could not be used (exit code 3)."""
        return any(p.fatal for p in self.problems)

    def problem(
        self,
        rule_id: str,
        message: str,
        line: int = 1,
        column: int = 1,
        owner: Owner | None = None,
        path: Path = (),
        file: str | None = None,
    ) -> None:
        """``file``: the file the problem is in when it is not ``self.path`` (another .tf file of a module)."""
        self.problems.append(InputProblem(rule_id, message, Span(file or self.path, line, column), owner, path))


fast_pickle(InputProblem, ParsedInput)
