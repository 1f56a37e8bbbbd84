"""One parse task: a file or a Terraform directory in, the inputs it holds out.

Whatever happens inside a parser, the result names the input (CT001 when it could not be read),
so one bad file never costs the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ctguard import yamlload
from ctguard.inputs import ParsedInput
from ctguard.logs import logger
from ctguard.parsers import scan
from ctguard.parsers.context import ParseContext
from ctguard.parsers.prefilter import UTF16_BOMS

# A task is a file to parse ("file", path, size), a Terraform directory ("terraform", dir) or an
# input that is already known to be unusable.
Task = tuple[str, str, int] | ParsedInput


def run_task(task: Task, context: ParseContext) -> list[ParsedInput]:
    """Parse one task; whatever happens, the result names the input (CT001 when it could not be read)."""
    if isinstance(task, ParsedInput):
        return [task]
    what, path, size = task
    if what == "terraform":
        try:
            return list(_parse_terraform(path, context))
        except RecursionError:
            return [ParsedInput.unreadable(path, "unknown", f"{path} is nested too deeply to read")]
        except Exception as exc:
            return [_internal_error(path, exc)]
    parsed = _guarded(path, lambda: _parse_file(path, size, context))
    if isinstance(parsed, list):  # a snapshot holds one input per account
        return parsed
    return [] if parsed is None else [parsed]


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
            return ParsedInput.unreadable(
                path, "unknown", f"{path} is {size:,} bytes, larger than the {limit:,} bytes ctguard reads; not checked"
            )
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return ParsedInput.unreadable(path, "unknown", f"cannot read {path}: {exc.strerror or exc}")
    kind = scan.sniff(path, data if not data.startswith(UTF16_BOMS) else _utf16(data))
    if kind is None:
        return None
    try:
        text = scan.decode(data)
    except UnicodeDecodeError as exc:
        return ParsedInput.unreadable(path, kind, f"{path} is not UTF-8 or UTF-16 text ({exc.reason})")
    if kind == "cloudformation":
        from ctguard.parsers.cloudformation import embedded as cfn_embedded

        return cfn_embedded.parse(path, text, context)
    if kind == "terraform-plan":
        from ctguard.parsers.terraform import plan as tf_plan

        return tf_plan.parse_plan(path, text, context)
    if kind == "cloudformation-other":
        return _syntax_only(path, text)
    if kind in ("aws-snapshot", "aws-cli"):
        from ctguard.parsers.aws import files as aws_files

        return aws_files.parse(path, text, kind, context)
    return None


def _big_file_may_concern_cloudtrail(path: str) -> bool:
    """The prefilter over a whole file too large to parse, read in overlapping chunks."""
    from ctguard.parsers.prefilter import bytes_may_concern_cloudtrail

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
    from ctguard.parsers.cloudformation.template import TemplateError, check_value_budget

    try:
        check_value_budget(text)  # too many values to load is as unreadable here as in a trail's template
        yamlload.load(text)
    except (yamlload.LoadError, TemplateError) as exc:
        return ParsedInput.unreadable(
            path, "cloudformation", f"cannot parse template: {exc.message}", exc.line, exc.column
        )
    return None


def _parse_terraform(directory: str, context: ParseContext) -> Iterator[ParsedInput]:
    from ctguard.parsers.terraform import parse as terraform

    if not terraform.tf_dir_is_cloudtrail_related(directory):
        return
    yield from terraform.parse_module(directory, context)


def _guarded(
    path: str, parse: Callable[[], ParsedInput | list[ParsedInput] | None]
) -> ParsedInput | list[ParsedInput] | None:
    """A parser bug must cost one input, not the run: the input gets CT001 and the rest is checked."""
    try:
        return parse()
    except RecursionError:
        return ParsedInput.unreadable(path, "unknown", f"{path} is nested too deeply to read")
    except Exception as exc:
        return _internal_error(path, exc)


def _internal_error(path: str, exc: Exception) -> ParsedInput:
    logger(__name__).debug("parser raised on %s", path, exc_info=exc)
    return ParsedInput.unreadable(
        path,
        "unknown",
        f"ctguard could not read {path}: internal parser error "
        f"({type(exc).__name__}: {exc}); please report it (--debug shows details)",
    )


def _utf16(data: bytes) -> bytes:
    try:
        return data.decode("utf-16").encode("utf-8")
    except UnicodeDecodeError:
        return b""
