"""Reading a module directory's files: HCL and JSON syntax, staged overrides, override files.

``Loader`` is shared by every module of one parse: it caches parsed files per directory, turns
unreadable or unparsable files into CT001 problems (the rest of the module is still used) and
holds the reference trace all evaluators share.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ctguard.inputs import BAD_REFERENCE, PARSE_ERROR
from ctguard.parsers.context import ParseContext
from ctguard.parsers.prefilter import UTF16_BOMS
from ctguard.parsers.terraform import declared as tf_declared
from ctguard.parsers.terraform.expr import Trace
from ctguard.parsers.terraform.hcl import Body, HclError, parse_text
from ctguard.parsers.terraform.json_syntax import parse_json_text, parse_tfvars_json
from ctguard.parsers.terraform.override import merge_overrides
from ctguard.parsers.terraform.problem import Problem

TF_SUFFIXES = (".tf", ".tf.json")  # HCL and JSON syntax; a module may mix them
# One file's limit (issue 22: a 20 MB .tf took 88 s): far beyond any hand-written module.
MAX_TF_CHARS = 1024 * 1024


@dataclass(slots=True)
class Loader:
    """State shared by every module of one parse: files, problems, the reference trace."""

    context: ParseContext
    overrides: dict[str, str] = field(default_factory=dict)  # path -> text (pre-commit staged content)
    trace: Trace = field(default_factory=Trace)
    problems: list[Problem] = field(default_factory=list)
    _files: dict[str, dict[str, Body]] = field(default_factory=dict)
    tfvars: dict[str, Body | None] = field(default_factory=dict)
    secrets: set[str] = field(default_factory=set)  # values of sensitive variables, hidden in reports
    # Module count/for_each predicates taken as decided in this run, and those met undecided (tf_variants).
    assumptions: dict[str, bool] = field(default_factory=dict)
    undecided: list[str] = field(default_factory=list)

    @property
    def module_dirs(self) -> list[str]:
        """Real paths of the module directories read so far."""
        return list(self._files)

    def files(self, directory: str) -> dict[str, Body]:
        """Parsed .tf files of a directory, by path; unreadable files become CT001 problems."""
        key = os.path.realpath(directory)
        if key not in self._files:
            parsed: dict[str, Body] = {}
            extra = [p for p in self.overrides if os.path.dirname(p) == directory and p.endswith(TF_SUFFIXES)]
            for path in sorted(set(tf_files(directory)) | set(extra)):
                if os.path.abspath(path) in self.context.refused:
                    continue  # a link out of the scanned tree, reported by the walk
                body = self.parse(path)
                if body is not None:
                    parsed[path] = body
            merged, orphans = merge_overrides(parsed)
            for block, message in orphans:
                self.problems.append(Problem(BAD_REFERENCE, message, block.file, block.line, block.column))
            self.problems.extend(tf_declared.problems(merged))
            self._files[key] = merged
        return self._files[key]

    def parse(self, path: str) -> Body | None:
        text = self.overrides.get(path)
        if text is None:
            try:
                with open(path, encoding="utf-8-sig") as handle:
                    text = handle.read(MAX_TF_CHARS + 1)
            except UnicodeDecodeError as exc:
                self.problems.append(Problem(PARSE_ERROR, _not_utf8(path, exc), path))
                return None
            except OSError as exc:
                self.problems.append(Problem(PARSE_ERROR, f"cannot read {path}: {exc}", path))
                return None
        if len(text) > MAX_TF_CHARS:
            self.problems.append(
                Problem(
                    PARSE_ERROR,
                    f"{path} is longer than the {MAX_TF_CHARS:,} characters "
                    "ctguard reads in one Terraform file; it is not checked: split it",
                    path,
                )
            )
            return None
        if path.endswith(".tfvars.json"):
            body = parse_tfvars_json(path, text)
        else:
            body = parse_json_text(path, text) if path.endswith(".tf.json") else parse_text(path, text)
        if isinstance(body, HclError):
            self.problems.append(Problem(PARSE_ERROR, body.message, path, body.line, body.column))
            return None
        return body


def tf_files(directory: str) -> list[str]:
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    return [
        os.path.join(directory, n)
        for n in names
        if n.endswith(TF_SUFFIXES) and os.path.isfile(os.path.join(directory, n))
    ]


def _not_utf8(path: str, exc: UnicodeDecodeError) -> str:
    # Terraform's own words ("Invalid character encoding: All input files must be UTF-8 encoded"):
    # it refuses the file, so nothing in it is deployed or checked.
    if exc.object[:2] in UTF16_BOMS:
        found = "is UTF-16 (it starts with a UTF-16 byte order mark, as Windows PowerShell 5 writes)"
    else:
        found = f"is not UTF-8 (it holds the byte 0x{exc.object[exc.start]:02x})"
    return f"{path} {found}; Terraform reads only UTF-8 files and refuses it: save it as UTF-8"
