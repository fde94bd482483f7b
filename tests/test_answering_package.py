"""The answering package's shape: its public names, and what it does not pull in."""

from __future__ import annotations

import subprocess
import sys


def test_the_package_imports_no_platform_and_no_scale_module() -> None:
    code = ("import sys, bot.answering; "
            "bad = sorted(m for m in sys.modules if m.startswith(('bot.answering.scale', 'discord', 'slack_bolt'))); "
            "print(bad)")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert found.strip() == "[]"


def test_analyse_names_the_entities_and_years_asked() -> None:
    from bot.answering import AnswerEngine
    from knowledge.loader import load_fact_base

    engine = AnswerEngine(load_fact_base())
    analysis = engine.analyse("How much did Zuckerberg's Meta spend in 2025?")
    assert analysis.entities == frozenset({"e:mark-zuckerberg", "e:meta"}) and analysis.years == frozenset({2025})
    assert engine.analyse("et en 2024 ?").entities == frozenset()  # a follow-up naming no entity
    assert engine.analyse("Combien Microsoft dépense-t-il ?").entities == frozenset({"e:microsoft"})
    assert engine.entities_of("microsoft-2025-data-centers") == frozenset({"e:microsoft", "e:satya-nadella"})
    assert engine.entities_of("no-such-fact") == frozenset()
