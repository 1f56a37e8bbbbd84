"""Options ``check`` and ``audit`` share: config file, output plan, gate and settings, writing reports.

Every option can also be set in ``.ctguard.yaml`` or ``[tool.ctguard]`` (``ctguard/config.py``);
options given on the command line override the file.  Options default to None so that "not
given" is visible.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

DEFAULTS: dict[str, Any] = {
    "format": ["text"],
    "output": [],
    "fail_on": "low",
    "strict": False,
    "policies": [],
    "show_passed": False,
    "account": None,
    "region": None,
    "var_file": [],
    "retention_days": 365,
    "skip": [],
    "only": [],
    "baseline": None,
    "severity": {},
    "jobs": "auto",
    "detail": "normal",
}


def add_detail_options(parser: Any) -> None:
    """--verbose / --compact / --quiet: how much the text report says about each finding."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--verbose",
        "-v",
        dest="detail",
        action="store_const",
        const="verbose",
        help="text: the whole message (evidence) and the fix under each finding",
    )
    group.add_argument(
        "--compact",
        dest="detail",
        action="store_const",
        const="compact",
        help="text: one line per active result, suppressed findings counted in one line",
    )
    group.add_argument(
        "--quiet",
        "-q",
        dest="detail",
        action="store_const",
        const="quiet",
        help="text: failures only, one line each, then the summary",
    )


def jobs_arg(text: str) -> str | int:
    """``--jobs N|auto`` (check and simulate)."""
    from ctguard.config import jobs_value

    value = jobs_value(int_or_text(text))
    if value is None:
        raise argparse.ArgumentTypeError(f"expected a number of processes (1 or more) or auto, not {text!r}")
    return value


def int_or_text(text: str) -> int | str:
    try:
        return int(text)
    except ValueError:
        return text


class UsageError(Exception):
    pass


def load_config(args: argparse.Namespace) -> Any:
    from ctguard import config as config_mod

    if getattr(args, "trust_config", False) and not args.config:
        raise UsageError("--trust-config needs --config FILE: a discovered configuration is never trusted")
    if args.no_config:
        return None
    path = args.config or config_mod.discover(args.paths)
    if not path:
        return None
    conf = config_mod.load(path)
    conf.trusted = bool(args.config and getattr(args, "trust_config", False))
    if not conf.trusted:
        config_mod.check_contained(conf)
    return conf


def merge(args: argparse.Namespace, conf: Any) -> dict[str, Any]:
    """CLI over file over defaults; skips from both apply."""
    cli = {
        "format": args.format,
        "output": args.output,
        "fail_on": args.fail_on,
        "strict": args.strict,
        "policies": args.policies,
        "show_passed": args.show_passed,
        "account": args.account,
        "region": args.region,
        "var_file": args.var_file,
        "retention_days": args.retention_days,
        "only": args.only,
        "baseline": args.baseline,
        "severity": severity_args(args.severity or []),
        "jobs": getattr(args, "jobs", None),  # audit shares this merge and parses nothing
        "detail": getattr(args, "detail", None),
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
    # Policies named only by an untrusted configuration file may not bring Python code along.
    from_file = not args.policies and conf is not None and "policies" in conf.values
    merged["untrusted_policies"] = merged["policies"] if from_file and not conf.trusted else []
    if merged["untrusted_policies"]:
        merged["policies"] = []
    merged["only"] = [p.strip() for value in merged["only"] for p in value.split(",") if p.strip()]
    merged["severity"] = {**(conf.get("severity", {}) if conf is not None else {}), **cli["severity"]}
    return merged


def severity_args(values: list[str]) -> dict[str, str]:
    out = {}
    for value in values:
        rule, sep, sev = value.partition("=")
        if not sep or not rule.strip():
            raise UsageError(f"--severity {value!r}: expected ID=SEVERITY, e.g. CT108=low")
        out[rule.strip().upper()] = sev.strip()
    return out


def output_plan(formats: list[str], outputs: list[str]) -> list[tuple[str, str | None]]:
    """(format, file or None for stdout) pairs; see the epilog for the rules."""
    from ctguard.formatters import FORMATS

    plan: list[tuple[str, str | None]] = []
    dest: str | None  # the second loop's may be None
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
        raise UsageError(
            f"formats {', '.join(to_stdout)} would all go to standard output; give all but one a "
            "file with --format NAME:FILE or --output"
        )
    return plan


def build(options: dict[str, Any]) -> tuple[Any, Any, Any, Any]:
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
    _known_rules_only(gate, options["policies"])
    settings = Settings(retention_days=options["retention_days"], strict=options["strict"])
    context = ParseContext(
        account_id=options["account"], region=options["region"], var_files=tuple(options["var_file"])
    )
    return gate, settings, context, threshold


def _known_rules_only(gate: Any, policy_dirs: list[str]) -> None:
    """A rule id that names no policy is a typo: refuse it rather than check nothing (exit 2)."""
    from ctguard.engine.policy import load_policies
    from ctguard.rule_refs import UnknownRuleError, check_gate

    if not (gate.only or gate.skips or gate.severity or gate.baseline):
        return
    try:
        check_gate(gate, [p.id for p in load_policies(tuple(policy_dirs))])
    except UnknownRuleError as exc:
        raise UsageError(str(exc)) from None


def prepare(args: argparse.Namespace) -> tuple[dict[str, Any], list[tuple[str, str | None]], Any, Any, Any, Any] | None:
    """(options, output plan, gate, settings, context, threshold) of a reporting command, or None
    after printing the configuration or usage error (the caller exits 2)."""
    from ctguard import config as config_mod

    try:
        options = merge(args, load_config(args))
        plan = output_plan(options["format"], options["output"])
        gate, settings, context, threshold = build(options)
    except config_mod.ConfigError as exc:
        print(f"ctguard: configuration error: {exc}", file=sys.stderr)
        return None
    except UsageError as exc:
        print(f"ctguard: error: {exc}", file=sys.stderr)
        return None
    return options, plan, gate, settings, context, threshold


def write_reports(report: Any, plan: list[tuple[str, str | None]], options: dict[str, Any]) -> bool:
    from ctguard.formatters import renderer
    from ctguard.formatters.summary import summary_line

    render_options = {
        "show_passed": options["show_passed"],
        "report_files": [d for _, d in plan if d],
        "detail": options["detail"],
    }
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
