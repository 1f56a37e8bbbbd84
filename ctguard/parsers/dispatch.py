"""Route each file or Terraform module to its parser; turn read failures into CT001 inputs.

Every parser is imported only when a file of its kind turns up, so a pre-commit run on one
template never imports the Terraform stack (lark) and vice versa.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Iterator
from typing import TypeVar

from ctguard.inputs import ParsedInput
from ctguard.parsers import scan, sidecars
from ctguard.parsers.context import ParseContext
from ctguard.parsers.task import Task, run_task

T = TypeVar("T")


# A scan with fewer parse tasks than this is parsed in this process: starting workers costs more
# than it saves, and a pre-commit run on one template must not import multiprocessing at all.
PARALLEL_MIN_TASKS = 64


def parse_paths(paths: list[str], context: ParseContext, jobs: int | None = None) -> Iterator[ParsedInput]:
    """Every input below ``paths``, in walk order (files, then Terraform directories).

    ``jobs``: worker processes; None picks one per CPU when the scan is large enough to gain from
    it, 1 parses everything here. The order of the inputs never depends on it.
    """
    for parsed, _ in check_paths(paths, context, jobs, None):
        yield parsed


def check_paths(
    paths: list[str], context: ParseContext, jobs: int | None, then: Callable[[ParsedInput], T] | None
) -> Iterator[tuple[ParsedInput, T | None]]:
    """``parse_paths`` with ``then(parsed)`` beside each input, computed where it was parsed.

    In a parallel scan ``then`` runs in the workers (it must depend on its input alone), so
    evaluation is spread over the cores with parsing; the pairs come back in walk order.
    """
    tasks = list(_tasks(paths))
    refused = frozenset(
        os.path.abspath(t.path)
        for t in tasks
        if isinstance(t, ParsedInput) and any(scan.LEAVES_TREE in p.message for p in t.problems)
    )
    if refused:
        context = dataclasses.replace(context, refused=context.refused | refused)
    workers = _workers(jobs, sum(1 for t in tasks if not isinstance(t, ParsedInput)))
    if workers > 1:
        from ctguard.parsers import parallel  # multiprocessing only for large scans

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
            yield ParsedInput.unreadable(path, "unknown", f"cannot read {path}: {problem}")
            continue
        try:
            size = os.path.getsize(path)
        except OSError as exc:
            yield ParsedInput.unreadable(path, "unknown", f"cannot read {path}: {exc.strerror or exc}")
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
                from ctguard.parsers.terraform.comments import blank_comments

                text = blank_comments(text)
            for source in set(_MODULE_SOURCE.findall(text)):  # 20,000 calls of one module: one realpath
                if "\0" not in source:  # no path holds a NUL; the module reader reports the call
                    called.add(os.path.realpath(os.path.join(directory, source)))
    return called
