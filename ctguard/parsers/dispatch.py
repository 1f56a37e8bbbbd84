"""Route each file or Terraform module to its parser; turn read failures into CT001 inputs.

Every parser is imported only when a file of its kind turns up, so a pre-commit run on one
template never imports the Terraform stack (lark) and vice versa.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import re
from typing import Callable, Iterator, TypeVar

from ctguard import scan, yamlload
from ctguard.inputs import PARSE_ERROR, ParsedInput
from ctguard.parsers import sidecars
from ctguard.parsers.context import ParseContext

log = logging.getLogger(__name__)
T = TypeVar("T")


# A scan with fewer parse tasks than this is parsed in this process: starting workers costs more
# than it saves, and a pre-commit run on one template must not import multiprocessing at all.
PARALLEL_MIN_TASKS = 64

# A task is a file to parse ("file", path, size), a Terraform directory ("terraform", dir) or an
# input that is already known to be unusable.
Task = tuple[str, str, int] | ParsedInput


def parse_paths(paths: list[str], context: ParseContext, jobs: int | None = None) -> Iterator[ParsedInput]:
    """Every input below ``paths``, in walk order (files, then Terraform directories).

    ``jobs``: worker processes; None picks one per CPU when the scan is large enough to gain from
    it, 1 parses everything here. The order of the inputs never depends on it.
    """
    for parsed, _ in check_paths(paths, context, jobs, None):
        yield parsed


def check_paths(paths: list[str], context: ParseContext, jobs: int | None,
                then: Callable[[ParsedInput], T] | None) -> Iterator[tuple[ParsedInput, T | None]]:
    """``parse_paths`` with ``then(parsed)`` beside each input, computed where it was parsed.

    In a parallel scan ``then`` runs in the workers (it must depend on its input alone), so
    evaluation is spread over the cores with parsing; the pairs come back in walk order.
    """
    tasks = list(_tasks(paths))
    refused = frozenset(os.path.abspath(t.path) for t in tasks if isinstance(t, ParsedInput)
                        and any(scan.LEAVES_TREE in p.message for p in t.problems))
    if refused:
        context = dataclasses.replace(context, refused=context.refused | refused)
    workers = _workers(jobs, sum(1 for t in tasks if not isinstance(t, ParsedInput)))
    if workers > 1:
        from ctguard.parsers import parallel

        yield from parallel.run(tasks, context, workers, then)
        return
    for task in tasks:
        for parsed in run_task(task, context):
            yield parsed, then(parsed) if then is not None else None


def _tasks(paths: list[str]) -> Iterator[Task]:
    tf_dirs: dict[str, None] = {}  # ordered set
    files: set[str] = set()
    owners: dict[str, None] = {}  # describe-trails files whose sidecars were given
    for path, problem in scan.walk(paths):
        if problem is not None:
            yield _unusable(path, "unknown", f"cannot read {path}: {problem}")
            continue
        try:
            size = os.path.getsize(path)
        except OSError as exc:
            yield _unusable(path, "unknown", f"cannot read {path}: {exc.strerror or exc}")
            continue
        suffix = os.path.splitext(path)[1].lower()
        if suffix == ".tf" or path.lower().endswith(".tf.json"):
            tf_dirs.setdefault(os.path.dirname(path) or ".", None)
            continue
        if suffix in scan.TEMPLATE_SUFFIXES:
            side = sidecars.classify(path)
            if side is None:
                files.add(os.path.realpath(path))
                yield ("file", path, size)
            elif isinstance(side, ParsedInput):
                yield side
            else:
                owners.setdefault(side, None)
    for owner in owners:  # a sidecar given without its describe-trails file: check that file
        if os.path.realpath(owner) not in files:
            files.add(os.path.realpath(owner))
            yield ("file", owner, os.path.getsize(owner))
    called = _called_modules(list(tf_dirs))
    for directory in tf_dirs:
        if os.path.realpath(directory) not in called:  # else judged through its caller
            yield ("terraform", directory, 0)


def _workers(jobs: int | None, count: int) -> int:
    if jobs == 1 or count < 2:
        return 1
    if jobs is None:
        if count < PARALLEL_MIN_TASKS:
            return 1
        from ctguard.workers import usable_cpus

        return min(usable_cpus(), count)
    return min(jobs, count)


def run_task(task: Task, context: ParseContext) -> list[ParsedInput]:
    """Parse one task; whatever happens, the result names the input (CT001 when it could not be read)."""
    if isinstance(task, ParsedInput):
        return [task]
    what, path, size = task
    if what == "terraform":
        try:
            return list(_parse_terraform(path, context))
        except RecursionError:
            return [_unusable(path, "unknown", f"{path} is nested too deeply to read")]
        except Exception as exc:  # noqa: BLE001 - see _guarded
            return [_internal_error(path, exc)]
    parsed = _guarded(path, lambda: _parse_file(path, size, context))
    if isinstance(parsed, list):  # a snapshot holds one input per account
        return parsed
    return [] if parsed is None else [parsed]


_MODULE_SOURCE = re.compile(r'(?:\bsource\s*=|"source"\s*:)\s*"(\.\.?/[^"]*)"')


def _called_modules(directories: list[str]) -> set[str]:
    """Directories that another scanned Terraform directory calls as a local module."""
    called: set[str] = set()
    for directory in directories:
        for name in sorted(os.listdir(directory)):
            if not name.endswith((".tf", ".tf.json")) or not os.path.isfile(os.path.join(directory, name)):
                continue  # a FIFO or device named main.tf would block or never end
            try:
                with open(os.path.join(directory, name), encoding="utf-8", errors="replace") as fh:
                    text = fh.read(1024 * 1024)  # the Terraform loader reads no more of one file
            except OSError:
                continue
            if name.endswith(".tf"):  # a commented-out call must not hide the module it names
                from ctguard.parsers.tf_comments import blank_comments

                text = blank_comments(text)
            for source in _MODULE_SOURCE.findall(text):
                called.add(os.path.realpath(os.path.join(directory, source)))
    return called


def _parse_file(path: str, size: int, context: ParseContext) -> ParsedInput | list[ParsedInput] | None:
    if size > scan.MAX_FILE_BYTES:
        with open(path, "rb") as fh:
            head = fh.read(65536)
        big = scan.sniff(path, head)
        if big is None and _big_file_may_concern_cloudtrail(path):
            big = "cloudformation"
        if big is None:
            return None
        if big != "aws-snapshot" or size > scan.MAX_SNAPSHOT_BYTES:  # an organization's snapshot is large
            limit = scan.MAX_SNAPSHOT_BYTES if big == "aws-snapshot" else scan.MAX_FILE_BYTES
            return _unusable(path, "unknown", f"{path} is {size:,} bytes, larger than the "
                             f"{limit:,} bytes ctguard reads; not checked")
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return _unusable(path, "unknown", f"cannot read {path}: {exc.strerror or exc}")
    kind = scan.sniff(path, data if not data.startswith((b"\xff\xfe", b"\xfe\xff")) else _utf16(data))
    if kind is None:
        return None
    try:
        text = scan.decode(data)
    except UnicodeDecodeError as exc:
        return _unusable(path, kind, f"{path} is not UTF-8 or UTF-16 text ({exc.reason})")
    if kind == "cloudformation":
        from ctguard.parsers import cfn_embedded

        return cfn_embedded.parse(path, text, context)
    if kind == "terraform-plan":
        from ctguard.parsers import tf_plan

        return tf_plan.parse_plan(path, text, context)
    if kind == "cloudformation-other":
        return _syntax_only(path, text)
    if kind in ("aws-snapshot", "aws-cli"):
        from ctguard.parsers import aws_files

        return aws_files.parse(path, text, kind, context)
    return None


def _big_file_may_concern_cloudtrail(path: str) -> bool:
    """The prefilter over a whole file too large to parse, read in overlapping chunks."""
    from ctguard.prefilter import bytes_may_concern_cloudtrail

    overlap = 4096  # longer than any needle, even spelled with escapes
    tail = b""
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                if bytes_may_concern_cloudtrail(tail + chunk):
                    return True
                tail = chunk[-overlap:]
    except OSError:
        return True  # the read below reports it
    return False


def _syntax_only(path: str, text: str) -> ParsedInput | None:
    """A template with nothing CloudTrail-related: silent unless it is broken."""
    try:
        yamlload.load(text)
    except yamlload.LoadError as exc:
        parsed = ParsedInput(path, "cloudformation")
        parsed.problem(PARSE_ERROR, f"cannot parse template: {exc.message}", exc.line, exc.column)
        return parsed
    return None


def _parse_terraform(directory: str, context: ParseContext) -> Iterator[ParsedInput]:
    from ctguard.parsers import terraform

    if not terraform.tf_dir_is_cloudtrail_related(directory):
        return
    yield from terraform.parse_module(directory, context)


def _guarded(path: str, parse: Callable[[], ParsedInput | list[ParsedInput] | None]) -> ParsedInput | list[ParsedInput] | None:
    """A parser bug must cost one input, not the run: the input gets CT001 and the rest is checked."""
    try:
        return parse()
    except RecursionError:
        return _unusable(path, "unknown", f"{path} is nested too deeply to read")
    except Exception as exc:  # noqa: BLE001
        return _internal_error(path, exc)


def _internal_error(path: str, exc: Exception) -> ParsedInput:
    log.debug("parser raised on %s", path, exc_info=True)
    return _unusable(path, "unknown", f"ctguard could not read {path}: internal parser error "
                     f"({type(exc).__name__}: {exc}); please report it (--debug shows details)")


def _utf16(data: bytes) -> bytes:
    try:
        return data.decode("utf-16").encode("utf-8")
    except UnicodeDecodeError:
        return b""


def _unusable(path: str, kind: str, message: str) -> ParsedInput:
    parsed = ParsedInput(path, kind)
    parsed.problem(PARSE_ERROR, message)
    return parsed
