"""The hook as users install it: the real pre-commit tool, a hook repository, a consumer repository.

pre-commit builds its own virtualenv and pip-installs ctguard from a copy of this working tree
(PyPI or the configured index is needed for the dependencies); the test is skipped when
pre-commit or git is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))
from test_cli import BAD, GOOD  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def hook_repo(tmp_path: Path) -> tuple[Path, str]:
    """A git repository holding this working tree as it is now (tracked and new files)."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=REPO,
            check=True,
            capture_output=True,
        )
        .stdout.decode()
        .split("\0")
    )
    dest = tmp_path / "ctguard-hook"
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file() and not name.startswith(("bench/", "tests/")):
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "hook")
    git(dest, "branch", "-M", "main")  # the branch the README's snippet names
    return dest, git(dest, "rev-parse", "HEAD").strip()


def readme_snippet() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### As a pre-commit hook", 1)[1]
    snippet = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert "rev: main" in snippet, snippet  # a ref that exists: the default branch
    return snippet


def test_hook_fails_on_a_bad_template_and_passes_on_a_good_one(tmp_path: Path) -> None:
    pytest.importorskip("pre_commit")
    hooks, _ = hook_repo(tmp_path)
    project = tmp_path / "project"
    (project / "k8s").mkdir(parents=True)
    (project / ".github" / "workflows").mkdir(parents=True)
    (project / "tf").mkdir()
    (project / "trail.yaml").write_text(GOOD)
    (project / "k8s" / "deploy.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\n")
    (project / ".github" / "workflows" / "ci.yml").write_text("on: push\njobs: {}\n")
    (project / "package.json").write_text('{"name": "web"}\n')
    (project / "tf" / "main.tf").write_text(
        'resource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = "b"\n  is_multi_region_trail = false\n}\n'
    )
    # The README's snippet as written, but for the repository URL (no network in tests).
    (project / ".pre-commit-config.yaml").write_text(
        readme_snippet().replace("https://github.com/ctguard/ctguard", str(hooks))
        + "      - id: ctguard-terraform\n        args: [--only, CT101]\n"
    )
    git(project, "init", "-q")
    git(project, "add", "-A")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PRE_COMMIT_COLOR": "never"}

    def run(*files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", "--files", *files],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    good = run("trail.yaml", "k8s/deploy.yaml", ".github/workflows/ci.yml", "package.json")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
    unrelated = run("k8s/deploy.yaml", ".github/workflows/ci.yml", "package.json")
    assert unrelated.returncode == 0 and "CT1" not in unrelated.stdout

    (project / "trail.yaml").write_text(BAD)
    bad = run("trail.yaml", "k8s/deploy.yaml")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "trail.yaml:13:7: CT101 HIGH" in bad.stdout and "Failed" in bad.stdout

    terraform = run("tf/main.tf")
    assert terraform.returncode == 1
    assert "tf/main.tf:4:3: CT101 HIGH" in terraform.stdout


def test_own_pre_commit_config_is_valid_and_matches_ci() -> None:
    """The contributors' hooks (.pre-commit-config.yaml) run what CI runs: ruff, ruff format, mypy."""
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", str(root / ".pre-commit-config.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    config = yaml.safe_load((root / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    entries = {
        hook["entry"].split()[0] + " " + hook["entry"].split()[1] if hook["entry"].startswith("ruff") else hook["entry"]
        for repo in config["repos"]
        for hook in repo["hooks"]
    }
    assert entries == {"ruff format", "ruff check", "mypy"}
    ci = (root / ".ci" / "run").read_text(encoding="utf-8")
    readme = (root / "README.md").read_text(encoding="utf-8")
    command = (
        ".venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy && .venv/bin/python -m pytest"
    )
    assert command in ci and command in readme
