"""``aibot digest`` and the store-backed ``aibot knowledge gaps``, as a person runs them."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from bot.answering import Question
from bot.cli import main
from bot.digest.compose import DigestComposer
from bot.digest.model import CommandContext
from bot.digest.service import DigestService
from bot.runtime import open_services
from bot.settings import load_settings
from bot.store import open_store
from knowledge.models import FactBase


def aibot(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, timeout=60)


def test_preview_in_french_has_the_three_figures_and_their_sources() -> None:
    run = aibot("digest", "preview", "--lang", "fr")
    assert run.returncode == 0, run.stderr
    out = run.stdout.decode()
    lines = out.splitlines()
    assert lines[0].startswith("Le point sur les investissements dans l'IA")
    assert "Chiffres clés" in out and "Le fait du jour" in out
    stargate, microsoft, meta = (next(i for i, line in enumerate(lines) if line.startswith(f"{n}. "))
                                 for n in (1, 2, 3))
    assert "Stargate : jusqu'à 500 milliards de dollars sur 4 ans" in lines[stargate]
    assert "Microsoft : 80 milliards de dollars en 2025" in lines[microsoft]
    assert "Meta : 60 à 65 milliards de dollars en 2025" in lines[meta]
    for index in (stargate, microsoft, meta):
        assert lines[index + 1].strip() == "Source : AFP, janvier 2025"


def cli(*args: str) -> str:
    """In-process, for speed; the subprocess runs above show the real entry point."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_preview_in_english() -> None:
    out = cli("digest", "preview")
    assert "Headline figures" in out and "1. Stargate: up to 500 billion dollars over 4 years" in out


def test_list_shows_subscriptions_from_the_store(private_data_dir: Path, fact_base: FactBase) -> None:
    assert cli("digest", "list").strip() == "No channel is subscribed to the digest."

    async def subscribe() -> None:
        async with open_store(load_settings()) as store:
            service = DigestService(store, DigestComposer(fact_base))
            context = CommandContext("discord", "G1", "42", "U7", True, "en")
            assert (await service.handle_command(context, ["weekly", "fri", "17:00", "America/New_York"])).ok

    asyncio.run(subscribe())
    out = cli("digest", "list")
    assert "#1 [on] discord G1/42 (by U7, failures 0)" in out and "every Friday at 17:00 (America/New_York)" in out


def test_ask_stays_off_the_database_and_gaps_reads_the_store(private_data_dir: Path) -> None:
    aibot("ask", "--record", "--batch", "-", stdin=b"How much is Intel investing in AI?\nWhat is Stargate?\n")
    assert (private_data_dir / "unanswered.jsonl").exists()
    assert not (private_data_dir / "aibot.sqlite3").exists()  # `aibot ask` never opened the store
    probe = subprocess.run([sys.executable, "-c", "import sys, bot.cli.ask, bot.cli.common, bot.gaps, bot.answering; "
                            "print(sorted(m for m in ('sqlalchemy', 'alembic', 'croniter') if m in sys.modules))"],
                           capture_output=True, text=True, timeout=60)
    assert probe.stdout.strip() == "[]", probe.stderr  # nor paid for importing its libraries
    assert "How much is Intel investing in AI?" in cli("knowledge", "gaps")
    assert (private_data_dir / "aibot.sqlite3").exists() and not (private_data_dir / "unanswered.jsonl").exists()
    assert "How much is Intel investing in AI?" in cli("knowledge", "gaps")  # kept in the store


async def test_open_services_gives_the_platforms_digests_and_a_store_backed_log(private_data_dir: Path) -> None:
    async with open_services(load_settings()) as services:
        assert services.digests is not None
        answer = await services.engine.answer(Question(text="How much is Huawei investing in AI?"))
        assert not answer.matched
        context = CommandContext("slack", "T1", "C1", "U1", True, "en")
        assert (await services.digests.handle_command(context, ["daily", "09:00"])).ok
    async with open_store(load_settings()) as store:
        assert [q.text for q in await store.unanswered()] == ["How much is Huawei investing in AI?"]
        assert len(await store.subscriptions()) == 1
