"""Settings from a `.env` file, and the example file that documents every setting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import AliasChoices

from bot.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_a_dot_env_in_the_working_directory_is_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / ".env").write_text("AIBOT_RATE_LIMIT_COUNT=9\nAIBOT_LOG_FORMAT=json\nDISCORD_TOKEN=from-the-file\n",
                                   encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AIBOT_LOG_FORMAT", "text")
    settings = load_settings()
    assert settings.rate_limit_count == 9
    assert settings.log_format == "text"
    assert settings.discord_token is not None and settings.discord_token.get_secret_value() == "from-the-file"


def test_without_a_dot_env_the_defaults_hold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings().rate_limit_count == 5


def test_the_example_names_every_setting_and_only_real_ones() -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    named = set(re.findall(r"^# ([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    settings = set()
    for field in Settings.model_fields.values():
        assert isinstance(field.validation_alias, AliasChoices)
        settings.add(str(field.validation_alias.choices[0]))
    assert named == settings, (f"describe {sorted(settings - named)} in .env.example (as '# NAME=default' with a "
                               f"comment), and drop {sorted(named - settings)}")


def test_the_example_read_as_a_dot_env_sets_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every line is a comment, so copying it as is changes no default."""
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_settings() == load_settings(_env_file=None)
