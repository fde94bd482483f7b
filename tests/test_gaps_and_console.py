"""Unanswered-question grouping, the rate limiter, and the console adapter's contract."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from adapters.console import converse, render, translate
from bot.answering import AnswerEngine
from bot.conversation import ConversationService, Message
from bot.gaps import Unanswered, group_gaps
from bot.ratelimit import RateLimiter, Verdict


def test_near_identical_questions_are_one_gap() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    entries = [
        Unanswered("How much is Intel investing in AI?", "en", 40, now),
        Unanswered("how much is intel investing in ai", "en", 42, now + timedelta(minutes=1)),
        Unanswered("How much is Intel investng in AI ?", "en", 38, now + timedelta(minutes=2)),
        Unanswered("What is Nvidia's revenue?", "en", 30, now),
    ]
    gaps = group_gaps(entries)
    assert [g.count for g in gaps] == [3, 1]
    assert gaps[0].best_score == 42 and len(gaps[0].variants) == 2


def test_rate_limiter_warns_once_then_drops_then_recovers() -> None:
    clock = [0.0]
    limiter = RateLimiter(2, 30, clock=lambda: clock[0])
    assert [limiter.check("u") for _ in range(4)] == [Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN, Verdict.DROP]
    assert limiter.check("someone else") is Verdict.ALLOW
    assert limiter.retry_after("u") == 30
    clock[0] = 31
    assert limiter.check("u") is Verdict.ALLOW


async def test_console_translate_render_and_session(engine: AnswerEngine) -> None:
    service = ConversationService(engine)
    message = translate("What is Stargate?", "s1")
    assert message == Message(text="What is Stargate?", conversation="console:s1", user_id="console",
                              platform="console")
    shown = render(await service.handle(message))
    assert "500 billion" in shown and "(Source: AFP, January 2025)" in shown
    out = io.StringIO()
    lines = io.StringIO("Meta\n/help\n/about\nWhat is Stargate?\nwho presented it?\nquit\nnever read\n")
    await converse(service, lines.readline, out)
    text = out.getvalue()
    assert "Did you mean:" in text and "Examples:" in text and "never read" not in text
    assert f"{len(engine.base.facts)} facts" in text and "AFP, \"Dépêche AFP" in text  # /about lists the sources
    assert text.count("Donald Trump presented") == 2  # the follow-up was read with Stargate


async def test_console_exit_words_without_a_slash_end_the_session(engine: AnswerEngine) -> None:
    for word in ("exit", "quit", "/quit", "EXIT"):
        out = io.StringIO()
        await converse(ConversationService(engine), io.StringIO(f"{word}\nWhat is Stargate?\n").readline, out)
        assert "500 billion" not in out.getvalue(), word


def test_heroku_database_url_becomes_the_async_driver_url() -> None:
    from bot.settings import load_settings

    url = load_settings(database_url="postgres://u:secret@db.example:5432/app?sslmode=require").database_url
    assert url == "postgresql+asyncpg://u:secret@db.example:5432/app?sslmode=require"
    assert load_settings(database_url="sqlite+aiosqlite:///x.db").database_url == "sqlite+aiosqlite:///x.db"
