"""``ctguard check PATH...``: check IaC files and saved JSON inputs.

Every option can also be set in ``.ctguard.yaml`` or ``[tool.ctguard]`` (``ctguard/config.py``);
options given here override the file.  Options default to None so that "not given" is visible.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

from ctguard.exitcodes import EXIT_INPUT, EXIT_OK, EXIT_USAGE

DEFAULTS: dict[str, Any] = {
    "format": ["text"], "output": [], "fail_on": "low", "strict": False, "policies": [], "show_passed": False,
    "account": None, "region": None, "var_file": [], "retention_days": 365, "skip": [], "only": [],
    "baseline": None, "severity": {}, "jobs": "auto",
}


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    check = sub.add_parser(
        "check", help="check CloudFormation, Terraform and saved JSON inputs",
        description="Check files and directories (recursively) for CloudTrail configuration problems.",
        epilog="Several reports in one run: --format sarif:ctguard.sarif --format junit:ctguard.xml "
               "--format text, or pair each --format with an --output in order.")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.add_argument("--format", "-f", action="append", metavar="FORMAT[:FILE]",
                       help="text (default), json, sarif, junit, github, markdown; repeatable; "
                            "FORMAT:FILE writes that format to FILE")
    check.add_argument("--output", "-o", action="append", metavar="FILE",
                       help="write the report to FILE (the n-th --output goes with the n-th --format that "
                            "names no file); the summary still goes to the terminal")
    check.add_argument("--fail-on", metavar="SEVERITY",
                       help="lowest severity that fails the run: info, low (default), medium, high, critical")
    check.add_argument("--strict", action=argparse.BooleanOptionalAction, help="treat UNKNOWN results as failures")
    check.add_argument("--policies", action="append", metavar="DIR", help="add policies from DIR")
    check.add_argument("--show-passed", action=argparse.BooleanOptionalAction, help="also list passing checks")
    check.add_argument("--account", metavar="ID", help="account id IaC inputs deploy to")
    check.add_argument("--region", metavar="REGION", help="region IaC inputs deploy to")
    check.add_argument("--var-file", action="append", metavar="FILE", help="Terraform variables file")
    check.add_argument("--retention-days", type=int, metavar="N",
                       help="retention target for log buckets and groups (default 365)")
    check.add_argument("--skip", action="append", metavar="ID[:REASON]",
                       help="report findings of rule ID as suppressed (repeatable, ids may be comma-separated "
                            "or globs like CT11*)")
    check.add_argument("--only", action="append", metavar="ID", help="run only these rules (repeatable, globs)")
    check.add_argument("--severity", action="append", metavar="ID=SEVERITY",
                       help="override a rule's severity, e.g. CT108=low (repeatable)")
    check.add_argument("--baseline", metavar="FILE", help="findings listed in FILE are reported as suppressed")
    check.add_argument("--create-baseline", metavar="FILE",
                       help="write the current findings to FILE as a baseline and exit 0 (3 if an input is unreadable)")
    check.add_argument("--jobs", "-j", metavar="N", type=_jobs_arg,
                       help="processes that parse inputs: a number, or auto (default: every CPU, "
                            "on scans of 64 inputs or more)")
    check.add_argument("--config", metavar="FILE", help="configuration file (default: discover .ctguard.yaml "
                                                         "or pyproject.toml [tool.ctguard] upwards)")
    check.add_argument("--no-config", action="store_true", help="ignore configuration files")


def _jobs_arg(text: str) -> str | int:
    from ctguard.config import jobs_value

    value = jobs_value(_int_or_text(text))
    if value is None:
        raise argparse.ArgumentTypeError(f"expected a number of processes (1 or more) or auto, not {text!r}")
    return value


def _int_or_text(text: str) -> int | str:
    try:
        return int(text)
    except ValueError:
        return text


class UsageError(Exception):
    pass


def run(args: argparse.Namespace) -> int:
    from ctguard import config as config_mod

    try:
        conf = _config(args)
        options = _merge(args, conf)
        plan = _outputs(options["format"], options["output"])
        gate, settings, context, threshold = _build(options)
    except config_mod.ConfigError as exc:
        print(f"ctguard: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as exc:
        print(f"ctguard: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from ctguard import api

    jobs = None if options["jobs"] == "auto" else options["jobs"]
    report = api.check(args.paths, policy_dirs=options["policies"], settings=settings, context=context, gate=gate,
                       jobs=jobs)
    if not _write(report, plan, options):
        return EXIT_USAGE
    for warning in report.warnings:
        print(f"ctguard: warning: {warning}", file=sys.stderr)
    if args.create_baseline:
        return _create_baseline(report, args.create_baseline)
    return report.exit_code(threshold)


def _config(args: argparse.Namespace) -> Any:
    from ctguard import config as config_mod

    if args.no_config:
        return None
    path = args.config or config_mod.discover(args.paths)
    return config_mod.load(path) if path else None


def _merge(args: argparse.Namespace, conf: Any) -> dict[str, Any]:
    """CLI over file over defaults; skips from both apply."""
    cli = {
        "format": args.format, "output": args.output, "fail_on": args.fail_on, "strict": args.strict,
        "policies": args.policies, "show_passed": args.show_passed, "account": args.account,
        "region": args.region, "var_file": args.var_file, "retention_days": args.retention_days,
        "only": args.only, "baseline": args.baseline, "severity": _severity_args(args.severity or []),
        "jobs": getattr(args, "jobs", None),  # audit shares this merge and parses nothing
    }
    merged: dict[str, Any] = {}
    for key, default in DEFAULTS.items():
        given = cli.get(key)
        if key == "skip":
            continue
        if given is not None and given != {}:
            merged[key] = given
        elif conf is not None and key in conf.values:
            merged[key] = conf.values[key]
        else:
            merged[key] = default
    if cli["format"] and conf is not None and not args.output:
        merged["output"] = []  # formats from the CLI do not pick up outputs paired in the file
    from ctguard.suppress import from_entry

    skips = []
    if conf is not None:
        for index, entry in enumerate(conf.get("skip", [])):
            skips += from_entry(entry, "config", conf.where("skip") + f" (skip #{index + 1})")
    for text in args.skip or []:
        skips += from_entry(text, "cli", "--skip")
    bad = [s for s in skips if s.problem]
    if bad:
        raise UsageError(f"{bad[0].where}: {bad[0].problem}")
    merged["skip"] = skips
    merged["only"] = [p.strip() for value in merged["only"] for p in value.split(",") if p.strip()]
    merged["severity"] = {**(conf.get("severity", {}) if conf is not None else {}), **cli["severity"]}
    return merged


def _severity_args(values: list[str]) -> dict[str, str]:
    out = {}
    for value in values:
        rule, sep, sev = value.partition("=")
        if not sep or not rule.strip():
            raise UsageError(f"--severity {value!r}: expected ID=SEVERITY, e.g. CT108=low")
        out[rule.strip().upper()] = sev.strip()
    return out


def _outputs(formats: list[str], outputs: list[str]) -> list[tuple[str, str | None]]:
    """(format, file or None for stdout) pairs; see the epilog for the rules."""
    from ctguard.formatters import FORMATS

    plan: list[tuple[str, str | None]] = []
    for spec in formats:
        name, sep, dest = spec.partition(":")
        if name not in FORMATS:
            raise UsageError(f"unknown format {name!r}; expected one of {', '.join(FORMATS)} (optionally FORMAT:FILE)")
        if sep and not dest:
            raise UsageError(f"--format {spec!r} names no file after the colon")
        plan.append((name, dest or None))
    pending = list(outputs)
    for i, (name, dest) in enumerate(plan):
        if dest is None and pending:
            plan[i] = (name, pending.pop(0))
    if pending:
        raise UsageError(f"--output {pending[0]!r} has no --format to go with (give one --format per --output)")
    to_stdout = [name for name, dest in plan if dest is None]
    if len(to_stdout) > 1:
        raise UsageError(f"formats {', '.join(to_stdout)} would all go to standard output; give all but one a "
                         "file with --format NAME:FILE or --output")
    return plan


def _build(options: dict[str, Any]) -> tuple[Any, Any, Any, Any]:
    from ctguard.baseline import BaselineError
    from ctguard.baseline import load as load_baseline
    from ctguard.engine.evaluate import Settings
    from ctguard.findings import Severity
    from ctguard.parsers.context import ParseContext
    from ctguard.suppress import Gate

    try:
        threshold = Severity.parse(options["fail_on"])
        severity = {rule: Severity.parse(sev) for rule, sev in options["severity"].items()}
    except ValueError as exc:
        raise UsageError(f"--fail-on/--severity: {exc}") from None
    if options["retention_days"] < 1:
        raise UsageError("--retention-days must be at least 1")
    try:
        baseline = load_baseline(options["baseline"]) if options["baseline"] else None
    except BaselineError as exc:
        raise UsageError(str(exc)) from None
    gate = Gate(skips=tuple(options["skip"]), only=tuple(options["only"]), severity=severity, baseline=baseline)
    settings = Settings(retention_days=options["retention_days"], strict=options["strict"])
    context = ParseContext(account_id=options["account"], region=options["region"],
                           var_files=tuple(options["var_file"]))
    return gate, settings, context, threshold


def _write(report: Any, plan: list[tuple[str, str | None]], options: dict[str, Any]) -> bool:
    from ctguard.formatters import renderer
    from ctguard.formatters.summary import summary_line

    render_options = {"show_passed": options["show_passed"]}
    stdout_format = None
    for name, dest in plan:
        if dest is None:
            stdout_format = name
            continue
        try:
            with open(dest, "w", encoding="utf-8") as fh:
                fh.write(renderer(name)(report, render_options))
        except OSError as exc:
            print(f"ctguard: error: cannot write {dest}: {exc.strerror or exc}", file=sys.stderr)
            return False
    if stdout_format == "text" and sys.stdout.isatty():
        from ctguard.formatters.text_format import render_colour

        render_colour(report, render_options)
    elif stdout_format is not None:
        sys.stdout.write(renderer(stdout_format)(report, render_options))
    if stdout_format not in ("text", "github"):
        print(summary_line(report), file=sys.stderr)
    return True


def _create_baseline(report: Any, path: str) -> int:
    from ctguard.baseline import baselined, dump

    kept = [f for f in report.findings if f.suppression is None or f.suppression.source == "baseline"]
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(dump(kept))
    except OSError as exc:
        print(f"ctguard: error: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    count = sum(1 for f in kept if baselined(f))
    print(f"ctguard: wrote baseline {path} ({count} findings)", file=sys.stderr)
    return EXIT_INPUT if report.unusable else EXIT_OK
