"""The answering package's shape: its public names, and what it does not pull in."""

from __future__ import annotations

import subprocess
import sys


def test_the_package_imports_no_platform_and_no_scale_module() -> None:
    code = ("import sys, bot.answering, bot.core; "
            "bad = sorted(m for m in sys.modules if m.startswith(('bot.answering.scale', 'discord', 'slack_bolt'))); "
            "print(bad)")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert found.strip() == "[]"


def test_the_old_addresses_still_work() -> None:
    from bot import answering, core

    assert core.AnswerEngine is answering.AnswerEngine and core.Question is answering.Question
    assert core.Answer is answering.Answer and core.SourceRef is answering.SourceRef
