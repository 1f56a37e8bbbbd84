#!/usr/bin/env python3
"""Issue 22 bullet 3 / issue 17 bullet 4: time, memory and report size of the hostile inputs.

Builds each case of issue 22 in a temporary directory (module fan-out in nine lines, nested
dynamic blocks, a 1.1 MB describe-trails file, a 20 MB ``.tf``, a 1 MB bucket name, a 2 MB trail
name, a 4 MB YAML template), runs ``ctguard check --format json`` on it in a child process
under a time limit, and prints wall seconds, peak memory (max RSS of the child), report size,
exit code and the rule ids of the budget findings, with the child's CPU seconds (on a shared
machine the wall time mostly measures the neighbours). Baseline: the same command on
``examples/cloudformation/secure-trail.yaml`` in this run. Target: every case of at most 1 MB
under 2 s and every case under 500 MB (the shared machine's load counts in the seconds).
Usage: python bench/hostile_budget.py [--only NAME] [--timeout S] [--json FILE]
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent))
import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from common import INSTALLED_ENV, Row, write_rows

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "examples" / "cloudformation" / "secure-trail.yaml"
TRAIL_TF = 'resource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = "b"\n}\n'


def module_fan_out(root: Path) -> Path:
    (root / "a").mkdir()
    (root / "b").mkdir()
    (root / "main.tf").write_text('module "a" {\n  source = "./a"\n  count = 1000\n}\n' + TRAIL_TF)
    (root / "a" / "main.tf").write_text('module "b" {\n  source = "../b"\n  count = 1000\n}\n')
    (root / "b" / "main.tf").write_text('resource "aws_s3_bucket" "x" {\n  count = 1000\n  bucket = "x"\n}\n')
    return root


def nested_dynamic(root: Path) -> Path:
    many = "[" + ", ".join(str(i) for i in range(999)) + "]"
    (root / "main.tf").write_text(
        f"locals {{\n  many = {many}\n}}\n"
        'resource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = "b"\n'
        '  dynamic "advanced_event_selector" {\n    for_each = local.many\n    content {\n      name = "s"\n'
        '      dynamic "field_selector" {\n        for_each = local.many\n        content {\n'
        '          field = "eventCategory"\n          equals = ["Data"]\n        }\n      }\n    }\n  }\n}\n'
    )
    return root


def describe_trails(root: Path) -> Path:
    trail = {
        "Name": "t",
        "S3BucketName": "b",
        "IsMultiRegionTrail": True,
        "HomeRegion": "eu-west-1",
        "TrailARN": "arn:aws:cloudtrail:eu-west-1:111122223333:trail/t",
        "LogFileValidationEnabled": True,
    }
    trails = []
    while len(json.dumps(trails)) < 1_100_000:
        n = len(trails)
        trails.append({**trail, "Name": f"t{n}", "TrailARN": f"{trail['TrailARN']}{n}"})
    (root / "trails.json").write_text(json.dumps({"trailList": trails}))
    return root / "trails.json"


def big_tf(root: Path, size: int = 20 * 1024 * 1024) -> Path:
    body = "".join(f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "bucket-{i}"\n}}\n' for i in range(size // 40))
    cut = body[: size - len(TRAIL_TF)]
    (root / "main.tf").write_text(TRAIL_TF + cut[: cut.rfind("resource")])
    return root


def bucket_name(root: Path) -> Path:
    (root / "main.tf").write_text(
        f'resource "aws_cloudtrail" "t" {{\n  name = "t"\n  s3_bucket_name = "{"b" * 1_000_000}"\n}}\n'
    )
    return root


def trail_name(root: Path) -> Path:
    (root / "template.json").write_text(
        json.dumps(
            {
                "Resources": {
                    "T": {
                        "Type": "AWS::CloudTrail::Trail",
                        "Properties": {"TrailName": "t" * 2_000_000, "S3BucketName": "b", "IsLogging": True},
                    }
                }
            }
        )
    )
    return root / "template.json"


def yaml_4mb(root: Path, size: int = 4 * 1024 * 1024) -> Path:
    lines = [
        "Resources:",
        "  T:",
        "    Type: AWS::CloudTrail::Trail",
        "    Properties:",
        "      IsLogging: true",
        "      S3BucketName: b",
        "      Tags:",
    ]
    n = 0
    total = sum(len(x) + 1 for x in lines)
    while total < size - 200:
        total += len(f"        - Key: k{n}") + len(f"          Value: [{', '.join(['v'] * 20)}]") + 2
        lines += [f"        - Key: k{n}", f"          Value: [{', '.join(['v'] * 20)}]"]
        n += 1
    (root / "template.yaml").write_text("\n".join(lines) + "\n")
    return root / "template.yaml"


# Terraform shapes of at most 1 MB that stress what follows the parse (issue 17 bullet 4): each
# is read by the trail, so the work cannot be skipped as unrelated.
MB = 1000 * 1000


def _fill(line: Callable[[int], str], size: int) -> str:
    out, total, i = [], 0, 0
    while total < size:
        out.append(line(i))
        total += len(out[-1])
        i += 1
    return "".join(out)


def tf_locals_chain(root: Path) -> Path:
    body = _fill(lambda i: f'  l{i + 1} = "${{local.l{i}}}x"\n', MB - 200)
    last = body.count("\n")
    (root / "main.tf").write_text(
        f'locals {{\n  l0 = "x"\n{body}}}\n'
        f'resource "aws_cloudtrail" "t" {{\n  name = local.l{last}\n  s3_bucket_name = "b"\n}}\n'
    )
    return root


def tf_locals_doubling(root: Path) -> Path:
    body = _fill(lambda i: f"  l{i + 1} = [local.l{i}, local.l{i}]\n", MB - 200)
    last = body.count("\n")
    (root / "main.tf").write_text(
        f'locals {{\n  l0 = ["x"]\n{body}}}\n'
        'resource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = "b"\n'
        f'  event_selector {{\n    data_resource {{\n      type = "AWS::S3::Object"\n      values = flatten(local.l{last})\n'
        "    }\n  }\n}\n"
    )
    return root


def tf_list_literal(root: Path) -> Path:
    items = _fill(lambda i: f'"arn:aws:s3:::b{i}/", ', MB - 300)
    (root / "main.tf").write_text(
        f"locals {{\n  arns = [{items}]\n}}\n"
        'resource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = "b"\n'
        '  event_selector {\n    data_resource {\n      type = "AWS::S3::Object"\n      values = local.arns\n'
        "    }\n  }\n}\n"
    )
    return root


def tf_nested_objects(root: Path, depth: int = 200) -> Path:
    inner = _fill(lambda i: f'k{i} = "v{i}", ', 4000)
    one = "{ a = " * depth + "{ " + inner + "}" + " }" * depth
    count = (MB - 300) // (len(one) + 12)
    objects = ",\n".join(one for _ in range(count))
    (root / "main.tf").write_text(
        f"locals {{\n  tags = [\n{objects}\n  ]\n}}\n"
        'resource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = "b"\n  tags = local.tags[0]\n}\n'
    )
    return root


def tf_declined(root: Path) -> Path:
    """1 MB the fast reader leaves to Lark (a conditional in a conditional's condition)."""
    body = _fill(lambda i: f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "bucket-{i}"\n}}\n', MB - 300)
    (root / "main.tf").write_text(TRAIL_TF + "locals {\n  x = (var.a ? true : false) ? 1 : 2\n}\n" + body)
    return root


def tf_syntax_error_at_end(root: Path) -> Path:
    body = _fill(lambda i: f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "bucket-{i}"\n}}\n', MB - 300)
    (root / "main.tf").write_text(TRAIL_TF + body + 'resource "aws_s3_bucket" "x" {\n  bucket = "a" "b"\n}\n')
    return root


def tf_json(root: Path) -> Path:
    """1 MB of compact Terraform JSON buckets (one HCL parse per value before session 6)."""
    buckets: dict[str, object] = {}
    doc = {"resource": {"aws_cloudtrail": {"t": {"name": "t", "s3_bucket_name": "b"}}, "aws_s3_bucket": buckets}}
    i = 0
    while 40 * i < MB - 300:
        buckets[f"b{i}"] = {"bucket": f"bucket-{i}"}
        i += 1
    (root / "main.tf.json").write_text(json.dumps(doc))
    return root


def tf_module_calls(root: Path) -> Path:
    (root / "mod").mkdir()
    (root / "mod" / "main.tf").write_text(
        'variable "n" {}\nresource "aws_s3_bucket" "b" {\n  bucket = "b-${var.n}"\n}\noutput "name" {\n'
        "  value = aws_s3_bucket.b.bucket\n}\n"
    )
    calls = _fill(lambda i: f'module "m{i}" {{\n  source = "./mod"\n  n = {i}\n}}\n', MB - 200)
    (root / "main.tf").write_text(
        calls + 'resource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = module.m0.name\n}\n'
    )
    return root


def tf_heredoc(root: Path) -> Path:
    statements = _fill(
        lambda i: (
            f'    {{"Sid": "s{i}", "Effect": "Allow", "Principal": {{"Service": "cloudtrail.amazonaws.com"}}, '
            f'"Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/p{i}/*"}},\n'
        ),
        MB - 1000,
    )
    (root / "main.tf").write_text(
        TRAIL_TF + 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'
        'resource "aws_s3_bucket_policy" "p" {\n  bucket = aws_s3_bucket.b.id\n  policy = <<EOF\n'
        '{"Version": "2012-10-17", "Statement": [\n' + statements.rstrip(",\n") + "\n]}\nEOF\n}\n"
    )
    return root


def tf_variables(root: Path) -> Path:
    variables = _fill(lambda i: f'variable "v{i}" {{\n  default = "x{i}"\n}}\n', MB - 200)
    last = variables.count("variable ") - 1
    (root / "main.tf").write_text(
        variables + f'resource "aws_cloudtrail" "t" {{\n  name = var.v{last}\n  s3_bucket_name = "b"\n}}\n'
    )
    return root


CASES: dict[str, Callable[[Path], Path]] = {
    "module fan-out (9 lines)": module_fan_out,
    "nested dynamic blocks": nested_dynamic,
    "describe-trails 1.1 MB": describe_trails,
    ".tf 20 MB": big_tf,
    ".tf 1 MB": lambda root: big_tf(root, 1000 * 1000),
    "bucket name 1 MB": bucket_name,
    "trail name 2 MB": trail_name,
    "YAML 4 MB": yaml_4mb,
    "YAML 1 MB": lambda root: yaml_4mb(root, 1000 * 1000),
    ".tf locals chain 1 MB": tf_locals_chain,
    ".tf locals doubling 1 MB": tf_locals_doubling,
    ".tf list literal 1 MB": tf_list_literal,
    ".tf nested objects 1 MB": tf_nested_objects,  # depth 200: the fast parser declines, Lark parses
    ".tf nested objects (depth 30) 1 MB": lambda root: tf_nested_objects(root, 30),
    ".tf module calls 1 MB": tf_module_calls,
    ".tf.json buckets 1 MB": tf_json,
    ".tf declined by the fast reader 1 MB": tf_declined,
    ".tf syntax error at the end 1 MB": tf_syntax_error_at_end,
    ".tf heredoc policy 1 MB": tf_heredoc,
    ".tf variables 1 MB": tf_variables,
}


def run(target: Path, timeout: float, reports: Path) -> dict[str, object]:
    out = reports / f"{target.parent.name}-{target.name}-report.json"
    cmd = [sys.executable, "-c", _CHILD, "check", str(target), "--format", "json", "--output", str(out)]
    start = time.perf_counter()
    peak, cpu = 0, float("nan")
    try:
        proc = subprocess.run(
            cmd, env=INSTALLED_ENV, capture_output=True, timeout=timeout, cwd=REPO, preexec_fn=_limit_memory
        )
        code: object = proc.returncode
        for line in proc.stderr.decode(errors="replace").splitlines():
            if line.startswith("MAXRSS "):
                peak, cpu = int(line.split()[1]), float(line.split()[2])
    except subprocess.TimeoutExpired:
        code = f"killed after {timeout:.0f} s"
    seconds = time.perf_counter() - start
    rules: list[str] = []
    size = out.stat().st_size if out.exists() else 0
    if size:
        report = json.loads(out.read_text())
        rules = sorted({f["rule_id"] for f in report.get("findings", []) if f["rule_id"] in ("CT001", "CT002")})
    return {
        "seconds": seconds,
        "cpu": cpu,
        "peak_mb": peak / 1024,
        "report_mb": size / 1e6,
        "exit": code,
        "input_mb": _size(target) / 1e6,
        "budget_findings": rules,
    }


# The child reports its own peak (ru_maxrss of RUSAGE_CHILDREN would be the largest child so far).
_CHILD = (
    "import atexit, resource, sys\n"
    "atexit.register(lambda: sys.stderr.write('MAXRSS %d %f\\n' % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
    " resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_SELF).ru_stime)))\n"
    "from ctguard.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)
MEMORY_CAP = 3 * 1024**3  # the machine is shared: a case that needs more fails with MemoryError


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only")
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--json")
    args = parser.parse_args()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="ctguard-hostile-") as tmp:
        base = run(BASELINE, args.timeout, Path(tmp))
        print(f"{'baseline: secure-trail.yaml':34} {base['seconds']:6.2f} s  {base['cpu']:6.2f} s CPU", flush=True)
        for name, build in CASES.items():
            if args.only and args.only not in name:
                continue
            root = Path(tmp) / name.replace(" ", "_").replace("(", "").replace(")", "")
            root.mkdir()
            result = run(build(root), args.timeout, Path(tmp))
            print(
                f"{name:34} {result['seconds']:6.2f} s  {result['cpu']:6.2f} s CPU  {result['peak_mb']:7.0f} MB peak  "
                f"{result['report_mb']:6.2f} MB report  input {result['input_mb']:5.1f} MB  exit {result['exit']}  "
                f"{' '.join(result['budget_findings']) or '-'}",
                flush=True,
            )
            small = float(str(result["input_mb"])) <= 1.05
            rows.append(
                Row(
                    "hostile_budget",
                    f"ctguard check, {name}",
                    float(str(result["seconds"])),
                    "s",
                    "secure-trail.yaml",
                    float(str(base["seconds"])),
                    "<= 2 s" if small else "bounded",
                    float(str(result["seconds"])) <= 2 if small else None,
                )
            )
    write_rows(args.json, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
