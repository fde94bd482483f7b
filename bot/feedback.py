"""Votes on answers (👍 / 👎), once for every platform.

A button carries what identifies the answer it sits under, so a press is understood after a
restart too: ``aibot:vote:<u|d>:<lang>:<fact id>,<fact id>`` (Discord allows 100 characters
in a custom_id, Slack 2,000 in a button's value, where the question follows on a new line).
The conversation service records a press through :class:`FeedbackStore`; ``aibot knowledge
gaps`` and ``aibot knowledge report`` read the votes back grouped by fact.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, get_args

from bot.gaps import Gap, Unanswered, group_gaps
from bot.language import Lang

if TYPE_CHECKING:
    from bot.settings import Settings

VOTE_PREFIX = "aibot:vote:"
#: Discord's custom_id limit; Slack's button value allows 2,000.
DISCORD_ID_LIMIT = 100
SLACK_VALUE_LIMIT = 2000
_TOKEN = re.compile(r"aibot:vote:(?P<way>[ud]):(?P<lang>[a-z]{2}):(?P<ids>[^\n]+)(?:\n(?P<question>.*))?", re.DOTALL)


@dataclass(frozen=True)
class Vote:
    """One person's vote on one answer message; a second press by the same person on the same
    message replaces the first."""

    platform: str
    user_id: str
    message_id: str  # the platform's id of the bot's answer message
    fact_ids: tuple[str, ...]
    lang: Lang
    up: bool
    question: str | None = None
    channel_id: str | None = None
    conversation: str | None = None  # the key the answer was remembered under, to recover its question


@dataclass(frozen=True)
class VoteButton:
    """What a pressed button tells: the answer's facts and language, the way, maybe the question."""

    fact_ids: tuple[str, ...]
    lang: Lang
    up: bool
    question: str | None = None


@dataclass(frozen=True)
class VoteRow:
    """A stored vote, as read back."""

    platform: str
    user_id: str
    message_id: str
    fact_ids: tuple[str, ...]
    lang: Lang
    up: bool
    question: str | None
    voted_at: datetime


class FeedbackStore(Protocol):
    """Where votes go (:class:`bot.store.Store` is one)."""

    async def record_vote(self, vote: Vote, now: datetime) -> None:
        """Store the vote, replacing this user's earlier vote on the same message."""


def vote_token(fact_ids: Sequence[str], lang: Lang, *, up: bool, question: str | None = None,
               limit: int = DISCORD_ID_LIMIT) -> str | None:
    """The button's custom_id or value; fact ids that do not fit are left out (the first, the
    answer's main fact, always fits or there is no button: None), the question is cut to fit."""
    head = f"{VOTE_PREFIX}{'u' if up else 'd'}:{lang}:"
    kept: list[str] = []
    for fact_id in fact_ids:
        if "," in fact_id or "\n" in fact_id or len(head) + len(",".join([*kept, fact_id])) > limit:
            break
        kept.append(fact_id)
    if not kept:
        return None
    token = head + ",".join(kept)
    if question and len(token) + 1 < limit:
        token += "\n" + " ".join(question.split())[: limit - len(token) - 1]
    return token


def read_vote_token(token: str) -> VoteButton | None:
    """The button back from its custom_id or value; None for anything else."""
    match = _TOKEN.fullmatch(token)
    if match is None or match["lang"] not in get_args(Lang):
        return None
    ids = tuple(i for i in match["ids"].split(",") if i)
    if not ids:
        return None
    question = (match["question"] or "").strip() or None
    lang: Lang = "fr" if match["lang"] == "fr" else "en"
    return VoteButton(fact_ids=ids, lang=lang, up=match["way"] == "u", question=question)


@dataclass(frozen=True)
class Disliked:
    """Answers voted down, grouped by fact: how many down (and up) votes, the latest question."""

    fact_id: str
    down: int
    up: int
    last_question: str | None
    last_voted: datetime


def disliked_by_fact(rows: Sequence[VoteRow], limit: int = 20) -> list[Disliked]:
    """Facts whose answers were voted down, most down votes first; an answer built from two
    facts counts for each. The latest question is the latest one known for a down vote."""
    down: dict[str, list[VoteRow]] = {}
    up: dict[str, int] = {}
    for row in rows:
        for fact_id in dict.fromkeys(row.fact_ids):
            if row.up:
                up[fact_id] = up.get(fact_id, 0) + 1
            else:
                down.setdefault(fact_id, []).append(row)
    result = []
    for fact_id, votes in down.items():
        latest = max(votes, key=lambda r: r.voted_at)
        asked = [r for r in votes if r.question]
        question = max(asked, key=lambda r: r.voted_at).question if asked else None
        result.append(Disliked(fact_id=fact_id, down=len(votes), up=up.get(fact_id, 0), last_question=question,
                               last_voted=latest.voted_at))
    result.sort(key=lambda d: (-d.down, -d.last_voted.timestamp(), d.fact_id))
    return result[:limit]


@dataclass(frozen=True)
class Feedback:
    """What the store knows about how answers landed, read in one go for ``gaps`` and ``report``."""

    unanswered: list[Unanswered]
    votes: list[VoteRow]  # newest first, at most the store's read limit
    up: int  # counted in the database, so exact however many votes there are
    down: int


async def stored_feedback(settings: Settings, *, since: datetime | None = None) -> Feedback:
    """Unanswered questions (after importing ``aibot ask``'s file) and the votes since ``since``."""
    from bot.gaps import StoreUnansweredLog, jsonl_path
    from bot.store import open_store

    async with open_store(settings) as store:
        await store.import_unanswered_jsonl(jsonl_path(settings))
        unanswered = await StoreUnansweredLog(store).entries()
        votes = await store.votes(since=since)
        up, down = await store.vote_counts(since=since)
    return Feedback(unanswered=unanswered, votes=votes, up=up, down=down)


@dataclass(frozen=True)
class Report:
    """The weekly summary for admins (``aibot knowledge report``).

    The store keeps no count of every question asked (only unanswered ones, per normalised
    question, and votes), so the number of questions and the answered share are not known
    here: :attr:`questions_asked` is None and the report says so rather than guess.
    """

    since: datetime
    until: datetime
    unanswered_questions: int  # distinct unanswered questions asked again in the period
    unanswered_asks: int  # how often those were asked in all (the store counts since each was first asked)
    top_unanswered: list[Gap]
    votes_up: int
    votes_down: int
    answers_voted: int
    disliked: list[Disliked]
    questions_asked: int | None = None
    answered_share: float | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "since": self.since.isoformat(), "until": self.until.isoformat(),
            "questions_asked": self.questions_asked, "answered_share": self.answered_share,
            "questions_note": "the store does not count every question asked, only unanswered ones and votes",
            "unanswered_questions": self.unanswered_questions, "unanswered_asks": self.unanswered_asks,
            "top_unanswered": [{"text": g.text, "count": g.count, "lang": g.lang,
                                "last_asked": g.last_asked.isoformat()} for g in self.top_unanswered],
            "votes": {"up": self.votes_up, "down": self.votes_down, "answers": self.answers_voted},
            "most_disliked": [{"fact_id": d.fact_id, "down": d.down, "up": d.up, "last_question": d.last_question,
                               "last_voted": d.last_voted.isoformat()} for d in self.disliked],
        }

    def lines(self) -> list[str]:
        lines = [f"aibot report: {self.since:%Y-%m-%d} to {self.until:%Y-%m-%d} (UTC)",
                 "Questions asked: not counted by the store (it keeps unanswered questions and votes only), "
                 "so the answered share is unknown.",
                 f"Unanswered: {self.unanswered_questions} distinct question(s) asked in the period "
                 f"({self.unanswered_asks} asks in all since each was first seen).",
                 f"Votes: {self.votes_up} up, {self.votes_down} down, on {self.answers_voted} answer(s)."]
        lines.append("Top unanswered:" if self.top_unanswered else "Top unanswered: none.")
        lines += [f"  {g.count:4d}x  {g.text}  (lang {g.lang})" for g in self.top_unanswered]
        lines.append("Most disliked answers:" if self.disliked else "Most disliked answers: none.")
        lines += [disliked_line(d) for d in self.disliked]
        return lines


def disliked_line(item: Disliked) -> str:
    question = f"  latest question: {item.last_question}" if item.last_question else ""
    return f"  {item.down:4d}x 👎  {item.fact_id}  ({item.up} 👍){question}"


def weekly_report(feedback: Feedback, *, since: datetime, until: datetime, limit: int = 5) -> Report:
    """The summary of ``feedback`` (read with ``since``) between ``since`` and ``until``."""
    recent = [u for u in feedback.unanswered if u.when >= since]
    return Report(
        since=since, until=until, unanswered_questions=len(recent), unanswered_asks=sum(u.count for u in recent),
        top_unanswered=group_gaps(recent, limit=limit), votes_up=feedback.up, votes_down=feedback.down,
        answers_voted=len({(v.platform, v.message_id) for v in feedback.votes}),
        disliked=disliked_by_fact(feedback.votes, limit=limit))
