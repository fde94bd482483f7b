"""Votes on answers: the button codec, the store (SQLite and PostgreSQL), the conversation
service's record_vote, and the ``gaps`` / ``report`` commands on a filled store."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.answering import AnswerEngine
from bot.conversation import ConversationService, Message
from bot.feedback import (
    DISCORD_ID_LIMIT,
    SLACK_VALUE_LIMIT,
    QuestionCount,
    Vote,
    VoteRow,
    disliked_by_fact,
    read_vote_token,
    vote_token,
)
from bot.store import Store
from tests.digest import conftest as digest_fixtures

# the store on SQLite and on PostgreSQL (a private schema), as the digest tests have it
database = digest_fixtures.database
store = digest_fixtures.store

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
fact_ids = st.lists(st.from_regex(r"[a-z0-9][a-z0-9-]{0,59}", fullmatch=True), min_size=1, max_size=6)


# -- the button codec ------------------------------------------------------------------


@given(fact_ids, st.sampled_from(["en", "fr"]), st.booleans(), st.one_of(st.none(), st.text(max_size=3000)))
def test_a_token_reads_back_within_each_platforms_limit(ids: list[str], lang: str, up: bool,
                                                       question: str | None) -> None:
    for limit in (DISCORD_ID_LIMIT, SLACK_VALUE_LIMIT):
        token = vote_token(ids, lang, up=up, question=question, limit=limit)  # type: ignore[arg-type]
        assert token is not None and len(token) <= limit
        button = read_vote_token(token)
        assert button is not None and button.up is up and button.lang == lang
        assert button.fact_ids == tuple(ids[: len(button.fact_ids)]) and button.fact_ids[0] == ids[0]
        if limit == SLACK_VALUE_LIMIT:
            assert button.fact_ids == tuple(ids)
            if question and question.split():
                assert button.question and " ".join(question.split()).startswith(button.question)


@given(st.text(max_size=200))
def test_anything_else_is_not_a_vote(text: str) -> None:
    button = read_vote_token(text)
    assert button is None or text.startswith("aibot:vote:")


def test_other_buttons_and_bad_tokens_are_refused() -> None:
    for token in ("aibot:dym:0", "aibot:vote:x:en:a", "aibot:vote:u:de:a", "aibot:vote:u:en:", "aibot_suggest_0"):
        assert read_vote_token(token) is None, token
    assert vote_token(["x" * 200], "en", up=True) is None  # the main fact must fit, or no button


def test_down_votes_group_by_fact_with_the_latest_question() -> None:
    def row(user: str, ids: tuple[str, ...], up: bool, minutes: int, question: str | None) -> VoteRow:
        return VoteRow("slack", user, "m1", ids, "en", up, question, NOW + timedelta(minutes=minutes))

    rows = [row("a", ("meta", "stargate"), False, 1, "old question"), row("b", ("meta",), False, 5, "new question"),
            row("c", ("meta",), True, 6, "liked"), row("d", ("stargate",), False, 9, None)]
    stargate, meta = disliked_by_fact(rows)  # two down votes each: the latest voted first
    assert (meta.fact_id, meta.down, meta.up, meta.last_question) == ("meta", 2, 1, "new question")
    assert (stargate.fact_id, stargate.down, stargate.last_question) == ("stargate", 2, "old question")


# -- the store, on both databases -----------------------------------------------------------


def ballot(user: str, *, up: bool, message: str = "1700000000.000100", question: str | None = "Q?") -> Vote:
    return Vote(platform="slack", user_id=user, message_id=message, fact_ids=("meta-2025-ai-investment",),
                lang="en", up=up, question=question, channel_id="C1")


async def test_one_vote_per_user_and_message_changeable(store: Store) -> None:
    await store.record_vote(ballot("U1", up=False), NOW)
    await store.record_vote(ballot("U1", up=True, question=None), NOW + timedelta(minutes=1))
    [vote] = await store.votes()
    assert vote.up is True and vote.question == "Q?"  # a press that does not know the question keeps it
    assert vote.voted_at == NOW + timedelta(minutes=1) and vote.voted_at.tzinfo is not None
    await store.record_vote(ballot("U2", up=False), NOW + timedelta(minutes=2))
    await store.record_vote(ballot("U1", up=False, message="1700000000.000200"), NOW + timedelta(minutes=3))
    assert [(v.user_id, v.message_id, v.up) for v in await store.votes()] == [
        ("U1", "1700000000.000200", False), ("U2", "1700000000.000100", False), ("U1", "1700000000.000100", True)]
    assert await store.vote_counts() == (1, 2)
    assert await store.vote_counts(since=NOW + timedelta(minutes=2)) == (0, 2)
    assert [v.user_id for v in await store.votes(up=True)] == ["U1"]


async def test_concurrent_presses_leave_one_row(store: Store) -> None:
    await asyncio.gather(*(store.record_vote(ballot("U1", up=n % 2 == 0), NOW + timedelta(seconds=n))
                           for n in range(8)))
    assert len(await store.votes()) == 1


async def test_the_service_records_a_vote_with_the_question_of_the_answer(
    store: Store, engine: AnswerEngine,
) -> None:
    service = ConversationService(engine, feedback=store, now=lambda: NOW)
    asked = Message(text="How much is Meta investing in AI?", conversation="discord:5:7", user_id="7",
                    platform="discord")
    reply = await service.handle(asked)
    assert ConversationService.votable(reply)
    service.link("discord:answer:99", asked.conversation)
    vote = Vote(platform="discord", user_id="8", message_id="99", fact_ids=reply.fact_ids, lang="en", up=False,
                conversation="discord:answer:99")
    assert "reviewed" in await service.record_vote(vote)
    [stored] = await store.votes()
    assert stored.question == asked.text and stored.user_id == "8" and stored.voted_at == NOW
    assert not ConversationService.votable(await service.handle(Message("hello", "c", "7")))


# -- the commands, on a store filled through the API and `aibot ask` --------------------------


def aibot(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin.decode() if stdin else None,
                          capture_output=True, timeout=60, env=os.environ.copy(), text=True)


async def fill(data_dir: Path) -> None:
    now = datetime.now(UTC)
    url = f"sqlite+aiosqlite:///{data_dir / 'aibot.sqlite3'}"
    async with Store.open(url) as opened:
        for user, up, days in (("U1", False, 1), ("U2", False, 2), ("U3", True, 1), ("U4", False, 20)):
            await opened.record_vote(Vote(platform="slack", user_id=user, message_id="1700000000.000100",
                                          fact_ids=("meta-2025-ai-investment",), lang="en", up=up,
                                          question="How much is Meta investing in AI?"), now - timedelta(days=days))
        await opened.record_vote(Vote(platform="discord", user_id="42", message_id="555", fact_ids=("stargate",),
                                      lang="fr", up=False, question="C'est quoi Stargate ?"), now - timedelta(hours=3))
        today = now.date()
        await opened.add_question_counts([
            QuestionCount(today, "slack", "en", "answered", 5), QuestionCount(today, "slack", "en", "unanswered", 1),
            QuestionCount(today, "discord", "fr", "answered", 2), QuestionCount(today, "discord", "fr", "unanswered", 2),
            QuestionCount(today, "slack", "en", "smalltalk", 3),
            QuestionCount(today - timedelta(days=6), "discord", "en", "answered", 1),  # the week's first day
            QuestionCount(today - timedelta(days=7), "slack", "en", "answered", 50),  # the day before the week
        ])


def test_gaps_show_the_answers_voted_down_by_fact(private_data_dir: Path) -> None:
    aibot("ask", "--record", "--batch", "-", stdin=b"What is Nvidia's revenue?\nWhat is Nvidia's revenue?\n")
    asyncio.run(fill(private_data_dir))
    run = aibot("knowledge", "gaps")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert "Nvidia" in lines[0] and "2x" in lines[0]
    at = lines.index("Answers voted down, by fact:")
    assert "3x 👎  meta-2025-ai-investment  (1 👍)" in lines[at + 1]
    assert "How much is Meta investing in AI?" in lines[at + 1]
    assert "stargate" in lines[at + 2] and "C'est quoi Stargate ?" in lines[at + 2]
    assert json.loads(aibot("knowledge", "gaps", "--json").stdout)[0]["count"] == 2  # the JSON is unchanged


def test_report_summarises_the_week_with_the_answered_share(private_data_dir: Path) -> None:
    aibot("ask", "--record", "--batch", "-", stdin=b"What is Nvidia's revenue?\nWhat is Nvidia's revenue?\n")
    asyncio.run(fill(private_data_dir))
    run = aibot("knowledge", "report", "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    # seven UTC days, today included: the counts of seven days ago are left out, small talk is apart
    today = datetime.now(UTC).date()
    assert report["counted_days"] == {"from": (today - timedelta(days=6)).isoformat(), "to": today.isoformat()}
    assert (report["questions_asked"], report["questions_answered"], report["answered_share"]) == (11, 8, 0.7273)
    assert report["by_lang"] == {"en": {"asked": 7, "answered": 6, "answered_share": 0.8571},
                                 "fr": {"asked": 4, "answered": 2, "answered_share": 0.5}}
    assert report["by_platform"]["discord"] == {"asked": 5, "answered": 3, "answered_share": 0.6}
    assert report["other_messages"] == {"smalltalk": 3}
    assert report["votes"] == {"up": 1, "down": 3, "answers": 2}  # the vote 20 days ago is outside the week
    assert report["unanswered_questions"] == 1 and report["top_unanswered"][0]["count"] == 2
    worst = report["most_disliked"][0]
    assert (worst["fact_id"], worst["down"], worst["up"]) == ("meta-2025-ai-investment", 2, 1)
    month = json.loads(aibot("knowledge", "report", "--days", "30", "--json").stdout)
    assert month["votes"]["down"] == 4 and month["most_disliked"][0]["down"] == 3
    assert (month["questions_asked"], month["questions_answered"]) == (61, 58)
    text = aibot("knowledge", "report").stdout
    assert f"to {today}): 11, answered: 8, answered share 73%." in text
    assert "  by language: en 7 asked, 6 answered (86%); fr 4 asked, 2 answered (50%)" in text
    assert "  by platform: discord 5 asked, 3 answered (60%); slack 6 asked, 5 answered (83%)" in text
    assert "Other messages (not in the share): 3 small talk." in text
    assert "Votes: 1 up, 3 down, on 2 answer(s)." in text
    assert "Most disliked answers:" in text and "meta-2025-ai-investment" in text


def test_a_report_with_nothing_counted_has_no_share(private_data_dir: Path) -> None:
    report = json.loads(aibot("knowledge", "report", "--json").stdout)
    assert (report["questions_asked"], report["answered_share"], report["by_lang"]) == (0, None, {})
    assert "none counted." in aibot("knowledge", "report").stdout


# -- the adapters' translators take any payload without raising --------------------------------

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=30),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner,
                                                                                        max_size=3), max_leaves=12)


@given(st.dictionaries(st.sampled_from(["actions", "user", "container", "message", "channel"]), json_values))
def test_slack_vote_translation_never_raises_on_odd_payloads(body: dict[str, object]) -> None:
    from adapters.slack.translate import vote_from_action

    vote = vote_from_action(body)  # never raises, whatever the shape
    actions = body.get("actions")
    first = actions[0] if isinstance(actions, list) and actions else None
    assert vote is None or (isinstance(first, dict) and str(first.get("value")).startswith("aibot:vote:"))


def test_slack_vote_translation_reads_a_press() -> None:
    from adapters.slack.translate import vote_from_action

    pressed = {"actions": [{"value": "aibot:vote:d:fr:stargate-project\nC'est quoi Stargate ?"}],
               "user": {"id": "U1", "team_id": "T1"}, "container": {"message_ts": "1.2"}, "channel": {"id": "C1"},
               "team": {"id": "T1"}}
    assert vote_from_action(pressed) == Vote(platform="slack", user_id="U1", message_id="1.2",
                                             fact_ids=("stargate-project",), lang="fr", up=False,
                                             question="C'est quoi Stargate ?", channel_id="C1", tenant="T1")


@given(st.text(max_size=120), st.integers(min_value=1), st.one_of(st.none(), st.integers(min_value=1)))
def test_discord_vote_translation_only_reads_vote_ids(custom_id: str, user_id: int, message_id: int | None) -> None:
    from adapters.discord.translate import vote_from_press

    vote = vote_from_press(custom_id, user_id, message_id, None, None)
    assert vote is None or (custom_id.startswith("aibot:vote:") and vote.message_id == str(message_id))
