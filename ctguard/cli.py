"""Command line: argparse only. Each sub-command lives in ``ctguard/commands/<name>.py``.

Exit codes (``ctguard/exitcodes.py``): 0 nothing at or above --fail-on; 1 findings; 2 usage,
configuration or policy error; 3 an input could not be read or parsed.
"""

from __future__ import annotations

import gc

# Loading the command line (argparse, typing, ...) makes long-lived objects and no garbage: the
# collector waits meanwhile, and what was made goes to the oldest generation unexamined, where
# young collections over it cost ~1.5 ms of a one-template check (issue 21).
_collecting = gc.isenabled()
gc.disable()
try:
    # isort: off
    from ctguard import lean_imports  # first: argparse, imported next, then never loads gettext/locale

    import argparse

    # isort: on
    import importlib
    import os
    import sys
    from collections.abc import Sequence
    from types import ModuleType
    from typing import Any

    from ctguard.commands import COMMANDS
    from ctguard.exitcodes import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, EXIT_USAGE
    from ctguard.version import __version__
finally:
    gc.freeze()
    gc.unfreeze()
    if _collecting:
        gc.enable()

__all__ = ["EXIT_FINDINGS", "EXIT_INPUT", "EXIT_OK", "EXIT_USAGE", "build_parser", "main", "run"]


def _terminal_width() -> int:
    # shutil.get_terminal_size's answer, without importing shutil (with fnmatch, bz2, lzma: ~2 ms
    # of every run, issue 21): argparse builds a formatter for each add_argument.
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return (columns or 80) - 2


class _Formatter(argparse.HelpFormatter):
    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None):
        super().__init__(prog, indent_increment, max_help_position, _terminal_width() if width is None else width)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"ctguard: error: {message}\n")


def _command(name: str) -> ModuleType:
    return importlib.import_module(f"ctguard.commands.{name}")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Every sub-command's parser, or only ``only``'s (the others' modules are then never imported)."""
    parser = _Parser(prog="ctguard", description="Check AWS CloudTrail configurations.")
    parser.add_argument("--version", action="version", version=f"ctguard {__version__}")
    parser.add_argument("--debug", action="store_true", help="log details (and tracebacks) to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        if only is None or name == only:
            _command(name).add_parser(sub)
    return parser


def _named_command(argv: Sequence[str]) -> str | None:
    # The top-level options take no value, so the first other word is the command; anything
    # else (no command, a typo, --help) gets the full parser and its complete messages.
    for i, word in enumerate(argv):
        if not word.startswith("-"):
            return word if word in COMMANDS and not {"-h", "--help"} & set(argv[:i]) else None
    return None


# Start-up creates some 20,000 long-lived objects (modules, classes, policies) and almost no
# garbage: at the default young-generation threshold (700) the collector runs ~55 times during a
# one-template check, frees next to nothing and costs 9-14 ms of its CPU (issue 21).  With this
# threshold it does not run during start-up; on large scans it still collects cycles, in batches
# of bounded size.  ``main`` restores the caller's thresholds (the API and tests call it in-process).
_THRESHOLD = 50_000


def main(argv: Sequence[str] | None = None) -> int:
    thresholds = gc.get_threshold()
    gc.set_threshold(max(_THRESHOLD, thresholds[0]), *thresholds[1:])
    try:
        return _main(argv)
    finally:
        gc.set_threshold(*thresholds)


def _main(argv: Sequence[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_named_command(argv))
    args = parser.parse_args(argv)
    lean_imports.dataclasses_without_inspect()
    lean_imports.pathlib_without_urllib()
    from ctguard import dataclass_code, logs

    dataclass_code.install()  # after parse_args: --version and --help never import dataclasses
    # check logs only through ctguard.logs.logger: its set-up (and `logging`) waits for a first record
    logs.configure(args.debug, lazy=args.command == "check")
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    from ctguard.engine.policy import PolicyError

    try:
        return int(_command(args.command).run(args))
    except PolicyError as exc:
        print(f"ctguard: policy error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        print("ctguard: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # never a bare traceback; --debug shows it
        # An audit's credentials, session tokens and external ids may sit in an exception's text
        # or its frames' reprs: what reaches stderr is scrubbed, tracebacks included.
        from ctguard.audit.secrets import scrub

        if args.debug:
            import traceback

            print(scrub("".join(traceback.format_exception(exc))), end="", file=sys.stderr)
        print(
            f"ctguard: internal error: {type(exc).__name__}: {scrub(str(exc))} (run with --debug for details)",
            file=sys.stderr,
        )
        return EXIT_USAGE


def run() -> None:
    from ctguard import module_bundle, regex_cache

    # this process's own: the API and in-process callers keep re and the import system as they are
    module_bundle.install()
    regex_cache.install()
    code = main()
    # The interpreter's exit-time collections walk every object start-up made (about 20 ms of a
    # one-template check, issue 21); at exit none of it is garbage worth finding, so it is frozen
    # out of their reach.  Exit handlers (the dataclass code cache) still run.
    gc.freeze()
    _exit_now(code)
    sys.exit(code)


def _exit_now(code: int) -> None:
    # Tearing the interpreter down (clearing some 250 modules and everything they hold) is another
    # ~4 ms, and nothing in it is ours to wait for when no thread was ever possible: the exit
    # handlers run and the standard streams are flushed as at a normal exit, then the process
    # ends.  Where threading was imported (process pools, audits), or a stream cannot be flushed
    # (a closed pipe), the normal exit does everything and reports what it reports.
    if "threading" in sys.modules:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    import atexit

    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return  # already ran: the normal exit finds no handlers left to run twice
    os._exit(code)
