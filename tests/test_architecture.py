"""Rules about the code itself (issue 7): one clock, and dependencies that run one way.

- One clock: no product module reads the system date or time except `common.clock`; ruff's
  banned-API rule (TID251, configured in pyproject.toml) finds `timezone.now()`,
  `timezone.localdate()`, `date.today()`, `datetime.now()`, `time.time()` and the like.
- One-way dependencies: import-linter's contracts in pyproject.toml (notifications import no
  domain app, the shell neither a domain app nor notifications, tenants no domain app, nothing
  below the composition root imports `config`).

Each rule is run on the real tree (it must pass) and on a copy with one offending line added
(it must fail), so a rule that silently checks nothing would be caught too.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PRODUCT = ["platform", "tenants", "scoring", "staffing", "notifications"]


def _ruff_clock(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "ruff"), "check", "--no-cache", "--select", "TID251", "--output-format", "concise", *PRODUCT],
        cwd=tree, capture_output=True, text=True, check=False,
    )


def _lint_imports(tree: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "PYTHONPATH": os.pathsep.join([str(tree / "platform"), str(tree)])}
    return subprocess.run([str(BIN / "lint-imports"), "--no-cache"], cwd=tree, env=env, capture_output=True,
                          text=True, check=False)


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory) -> Path:
    """The project's source (no .venv, no data) in a scratch folder, for adding an offence."""
    target = tmp_path_factory.mktemp("tree") / "project"
    shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(".venv", ".git", ".state", "node_modules",
                                                                  "__pycache__", "media", "*.mo"))
    return target


def test_no_product_module_reads_the_system_clock():
    result = _ruff_clock(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("offence", [
    "from django.utils import timezone\n\nSTAMP = timezone.now()\n",
    "import datetime\n\nTODAY = datetime.date.today()\n",
    "import datetime as dt\n\nNOW = dt.datetime.now(tz=dt.UTC)\n",
    "import time\n\nSECONDS = time.time()\n",
    "from django.utils.timezone import localdate\n\nTODAY = localdate()\n",
])
def test_the_clock_rule_catches_a_module_that_reads_the_system_date(tree_copy, offence):
    probe = tree_copy / "scoring" / "clock_probe.py"
    probe.write_text(offence)
    try:
        result = _ruff_clock(tree_copy)
    finally:
        probe.unlink()
    assert result.returncode == 1
    assert "scoring/clock_probe.py" in result.stdout
    assert "TID251" in result.stdout


def test_dependencies_run_one_way():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("where", "line", "contract"), [
    ("notifications/probe.py", "from scoring.ledger import selectors\n", "Notifications import no domain app"),
    ("platform/accounts/probe.py", "from notifications import services\n", "The shell"),
    ("platform/common/probe.py", "import scoring.periods.services\n", "The shell"),
    ("tenants/organisation/probe.py", "from scoring.catalogue import models\n", "Tenants import no domain app"),
    ("scoring/ledger/probe.py", "from config.celery import app\n", "Domain apps do not import the configuration"),
])
def test_the_import_check_fails_when_a_forbidden_import_is_added(tree_copy, where, line, contract):
    probe = tree_copy / where
    probe.write_text(line)
    try:
        result = _lint_imports(tree_copy)
    finally:
        probe.unlink()
    assert result.returncode == 1, result.stdout
    broken = [text for text in result.stdout.splitlines() if text.endswith("BROKEN")]
    assert len(broken) == 1, result.stdout
    assert broken[0].startswith(contract), result.stdout


def test_no_template_has_inline_script_the_policy_would_block():
    """The Content-Security-Policy allows scripts only from our own files: no template may carry an
    inline <script> block or an on…= handler attribute (use common/app.js and data- attributes)."""
    import re

    offenders = []
    for path in ROOT.rglob("*.html"):
        if ".venv" in path.parts or "node_modules" in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            if "application/json" not in match.group(0):
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
        for match in re.finditer(r"\son[a-z]+\s*=\s*[\"']", text):
            offenders.append(f"{path.relative_to(ROOT)}: {match.group(0).strip()}")
    assert offenders == []
