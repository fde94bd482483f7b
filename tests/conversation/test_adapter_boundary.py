"""Adapters only translate and render: no conversation rule, no walk of the fact base, and no
block of logic written twice in Discord and Slack (the conversation service holds it once)."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ADAPTERS = ROOT / "adapters"


def adapter_files() -> list[Path]:
    return sorted(ADAPTERS.rglob("*.py"))


@pytest.mark.parametrize("path", adapter_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_adapter_reaches_the_fact_base_or_the_rate_limiter(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            assert node.attr != "base", f"{path.name}:{node.lineno} reads a fact base"
        if isinstance(node, ast.ImportFrom) and node.module:
            knowledge = node.module.startswith("knowledge") and node.module != "knowledge.errors"  # errors: the root
            assert not knowledge, f"{path.name}:{node.lineno} imports {node.module}"
            engine = node.module == "bot.ratelimit" or node.module.startswith("bot.answering")
            assert not engine or path.name.endswith("render.py"), \
                f"{path.name}:{node.lineno} imports {node.module}: rate limits and answers go through the service"


@pytest.mark.skipif(shutil.which("duplicates") is None, reason="the duplicates tool is not on PATH")
def test_discord_and_slack_share_no_block() -> None:
    run = subprocess.run(["duplicates", "--repo", str(ADAPTERS), "--most", "50"], capture_output=True, text=True,
                         timeout=120, check=True)
    rows = [line for line in run.stdout.splitlines() if line.startswith("D")]
    shared = [row for row in rows if "discord/" in row and "slack/" in row]
    assert not shared, run.stdout
