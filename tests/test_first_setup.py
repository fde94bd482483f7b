"""What a new admin meets first: paths from .env, the repository's ignores, the no-token message."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.discord import DiscordPlatformFactory
from bot.platforms import RunOptions
from bot.runtime import NothingToRun, run_platforms
from bot.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_a_tilde_in_a_path_setting_is_the_home_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("AIBOT_DATA_DIR", raising=False)
    monkeypatch.delenv("AIBOT_KNOWLEDGE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("AIBOT_DATA_DIR=~/.local/share/aibot\nAIBOT_KNOWLEDGE_DIR=~/facts\n",
                                   encoding="utf-8")
    settings = load_settings()
    assert settings.data_dir == tmp_path / "home" / ".local" / "share" / "aibot"
    assert settings.knowledge_dir == tmp_path / "home" / "facts"


def test_the_example_data_dir_creates_no_folder_named_tilde(tmp_path: Path) -> None:
    """.env.example's AIBOT_DATA_DIR line, uncommented, as a new admin would, then a command that writes there."""
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    line = next(x for x in example.splitlines() if x.startswith("# AIBOT_DATA_DIR="))
    assert line.startswith("# AIBOT_DATA_DIR=~/")
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    (work / ".env").write_text(line.removeprefix("# ") + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIBOT_", "XDG_"))} | {"HOME": str(home)}
    run = subprocess.run([sys.executable, "-m", "bot", "ask", "--record", "How much is Apple investing in AI?"], cwd=work,
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert not (work / "~").exists()
    assert (home / line.split("=~/", 1)[1] / "unanswered.jsonl").exists()


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout")
def test_no_virtualenv_link_is_tracked_and_any_is_ignored() -> None:
    tracked = subprocess.run(["git", "ls-files", "--", ".venv*"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout
    assert tracked == ""
    ignored = subprocess.run(["git", "check-ignore", "--no-index", ".venv", ".venv-main", ".venv-3.12"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.split()
    assert ignored == [".venv", ".venv-main", ".venv-3.12"]


async def test_with_no_token_run_names_the_variables_of_every_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NothingToRun) as caught:
        await run_platforms(load_settings(), [], RunOptions())
    message = str(caught.value)
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "aibot chat"):
        assert name in message, message


def test_discord_without_a_token_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError, match="DISCORD_TOKEN is missing"):
        DiscordPlatformFactory().check(load_settings())
