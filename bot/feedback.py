"""Votes on answers (👍 / 👎), once for every platform.

A button carries what identifies the answer it sits under, so a press is understood after a
restart too: ``aibot:vote:<u|d>:<lang>:<fact id>,<fact id>`` (Discord allows 100 characters
in a custom_id, Slack 2,000 in a button's value, where the question follows on a new line).
The conversation service records a press through :class:`FeedbackStore`; ``aibot knowledge
gaps`` and ``aibot knowledge report`` read the votes back grouped by fact. The report also
reads how many questions were asked and answered (:class:`QuestionCount`, counted per day,
without their text), for the answered share; a digest subscription may append it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol, get_args

from bot import messages
from bot.gaps import Gap, StoreUnansweredLog, Unanswered, gap_key, group_gaps, jsonl_path
from bot.language import Lang
from bot.tenants import CONSOLE
from knowledge.errors import AibotError

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.store import Store

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
    tenant: str | None = None  # the Slack team or org, the Discord guild (bot.tenants); None: the console


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
    tenant: str = CONSOLE


class VoteDeferred(AibotError):
    """The vote could not be stored now and waits in the store writer's queue: the person is
    told it will be saved, not thanked as if it were (:class:`bot.gaps.StoreUnansweredLog`)."""


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
class QuestionCount:
    """How many questions one UTC day brought on one platform, in one language, with one outcome
    (:data:`OUTCOMES`); the store adds these up per day and keeps no text."""

    day: date
    platform: str
    lang: Lang
    outcome: str
    count: int = 1
    tenant: str = CONSOLE  # whose community asked (bot.tenants)


#: A reply's outcome as counted: a fact answered, or not; small talk, help and charts apart.
ANSWERED, UNANSWERED = "answered", "unanswered"
OUTCOMES = (ANSWERED, UNANSWERED, "smalltalk", "help", "chart")
#: The outcomes of a question that asked for a fact: the answered share is over these.
FACT_QUESTIONS = frozenset({ANSWERED, UNANSWERED})


class QuestionCounter(Protocol):
    """Where every question's outcome is counted (:class:`bot.gaps.StoreUnansweredLog` is one):
    ``count_question`` only queues it, so a reply never waits for the database."""

    def count_question(self, day: date, platform: str, lang: Lang, outcome: str, tenant: str = CONSOLE) -> None:
        """Count one question of ``day`` (UTC) in ``tenant``; never raises, never blocks."""


@dataclass(frozen=True)
class Feedback:
    """What the store knows about how answers landed, read in one go for ``gaps`` and ``report``."""

    unanswered: list[Unanswered]
    votes: list[VoteRow]  # newest first, at most the store's read limit
    up: int  # counted in the database, so exact however many votes there are
    down: int
    questions: list[QuestionCount] = field(default_factory=list)  # the report's days only
    tenant: str | None = None  # the one tenant read, None: every tenant


def counted_days(since: datetime, until: datetime) -> tuple[date, date]:
    """The UTC days a report from ``since`` to ``until`` counts questions on: the day after
    ``since``'s to ``until``'s, so ``--days 7`` counts seven UTC days, today included."""
    return (since.astimezone(UTC).date() + timedelta(days=1), until.astimezone(UTC).date())


async def read_feedback(store: Store, *, since: datetime | None = None, until: datetime | None = None,
                        tenant: str | None = None) -> Feedback:
    """Unanswered questions, the votes since ``since`` and, with both ends, the questions counted
    on the report's days, from an open store: ``tenant``'s only (bot.tenants), or every
    tenant's without it (the command line's view, never a platform's)."""
    unanswered = await StoreUnansweredLog(store).entries(tenant=tenant)
    votes = await store.votes(since=since, tenant=tenant)
    up, down = await store.vote_counts(since=since, tenant=tenant)
    questions: list[QuestionCount] = []
    if since is not None and until is not None:
        first, last = counted_days(since, until)
        questions = await store.question_counts(since=first, until=last, tenant=tenant)
    return Feedback(unanswered=unanswered, votes=votes, up=up, down=down, questions=questions, tenant=tenant)


async def stored_feedback(settings: Settings, *, since: datetime | None = None,
                          until: datetime | None = None, tenant: str | None = None) -> Feedback:
    """:func:`read_feedback` from the settings' store, after importing ``aibot ask``'s file."""
    from bot.store import open_store

    async with open_store(settings) as store:
        await store.import_unanswered_jsonl(jsonl_path(settings))
        return await read_feedback(store, since=since, until=until, tenant=tenant)


@dataclass(frozen=True)
class Tally:
    """Fact questions asked and answered (one language, one platform, or all)."""

    asked: int = 0
    answered: int = 0

    @property
    def share(self) -> float | None:
        """answered / asked, None when nothing was asked (a share of nothing is not 0 %)."""
        return round(self.answered / self.asked, 4) if self.asked else None

    def add(self, outcome: str, count: int) -> Tally:
        if outcome not in FACT_QUESTIONS:
            return self
        return Tally(self.asked + count, self.answered + (count if outcome == ANSWERED else 0))

    def as_json(self) -> dict[str, object]:
        return {"asked": self.asked, "answered": self.answered, "answered_share": self.share}


@dataclass(frozen=True)
class Report:
    """The weekly summary for admins (``aibot knowledge report``, and a digest that asks for it).

    **Questions asked** are the messages people sent the bot on the chat platforms (``aibot
    run``: Slack, Discord) that asked for a fact, whether a fact answered them (``answered``)
    or not (``unanswered``: "I don't know", an unknown name, a follow-up with nothing before
    it). Small talk (greetings, thanks, help, about, the fact of the day, what's new) and chart
    requests are counted apart in :attr:`other_messages` and left out of the share, since the
    bot always has a reply for them; messages over the rate limit are not counted at all, nor
    are ``aibot ask`` and ``aibot chat`` (an operator's tools). The **answered share** is
    answered / asked. Counts are per UTC day (:func:`counted_days`); the unanswered and vote
    sections use the exact times.
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
    questions: Tally = field(default_factory=Tally)
    by_lang: dict[str, Tally] = field(default_factory=dict)
    by_platform: dict[str, Tally] = field(default_factory=dict)
    other_messages: dict[str, int] = field(default_factory=dict)  # smalltalk, help, chart
    tenant: str | None = None  # the one tenant reported on; None: every tenant (the command line)
    by_tenant: dict[str, Tally] = field(default_factory=dict)  # with every tenant: each one's questions

    @property
    def questions_asked(self) -> int:
        return self.questions.asked

    @property
    def answered_share(self) -> float | None:
        return self.questions.share

    def as_json(self) -> dict[str, object]:
        first, last = counted_days(self.since, self.until)
        return {
            "tenant": self.tenant,
            "since": self.since.isoformat(), "until": self.until.isoformat(),
            "counted_days": {"from": first.isoformat(), "to": last.isoformat()},
            "questions_asked": self.questions.asked, "questions_answered": self.questions.answered,
            "answered_share": self.questions.share,
            "by_lang": {lang: tally.as_json() for lang, tally in self.by_lang.items()},
            "by_platform": {platform: tally.as_json() for platform, tally in self.by_platform.items()},
            **({"by_tenant": {name: tally.as_json() for name, tally in self.by_tenant.items()}}
               if self.tenant is None else {}),
            "other_messages": self.other_messages,
            "unanswered_questions": self.unanswered_questions, "unanswered_asks": self.unanswered_asks,
            "top_unanswered": [{"text": g.text, "count": g.count, "lang": g.lang,
                                "last_asked": g.last_asked.isoformat()} for g in self.top_unanswered],
            "votes": {"up": self.votes_up, "down": self.votes_down, "answers": self.answers_voted},
            "most_disliked": [{"fact_id": d.fact_id, "down": d.down, "up": d.up, "last_question": d.last_question,
                               "last_voted": d.last_voted.isoformat()} for d in self.disliked],
        }

    def lines(self) -> list[str]:
        first, last = counted_days(self.since, self.until)
        whose = f", tenant {self.tenant}" if self.tenant is not None else ""
        lines = [f"aibot report: {self.since:%Y-%m-%d} to {self.until:%Y-%m-%d} (UTC){whose}"]
        if self.questions.asked:
            lines.append(f"Questions asked ({first} to {last}): {self.questions.asked}, answered: "
                         f"{self.questions.answered}, answered share {_percent(self.questions.share)}.")
            tables = [("by language", self.by_lang), ("by platform", self.by_platform)]
            if len(self.by_tenant) > 1:  # every tenant's report, with more than one: where each stands
                tables.append(("by tenant", self.by_tenant))
            for heading, tallies in tables:
                lines.append(f"  {heading}: " + "; ".join(
                    f"{name} {tally.asked} asked, {tally.answered} answered ({_percent(tally.share)})"
                    for name, tally in tallies.items()))
        else:
            lines.append(f"Questions asked ({first} to {last}): none counted.")
        if self.other_messages:
            lines.append("Other messages (not in the share): "
                         + ", ".join(f"{n} {_KINDS.get(kind, kind)}" for kind, n in self.other_messages.items()) + ".")
        lines += [f"Unanswered: {self.unanswered_questions} distinct question(s) asked in the period "
                  f"({self.unanswered_asks} asks in all since each was first seen).",
                  f"Votes: {self.votes_up} up, {self.votes_down} down, on {self.answers_voted} answer(s)."]
        lines.append("Top unanswered:" if self.top_unanswered else "Top unanswered: none.")
        lines += [f"  {g.count:4d}x  {g.text}  (lang {g.lang})" for g in self.top_unanswered]
        lines.append("Most disliked answers:" if self.disliked else "Most disliked answers: none.")
        lines += [disliked_line(d) for d in self.disliked]
        return lines


_KINDS = {"smalltalk": "small talk", "chart": "chart request(s)"}


def _percent(share: float | None, lang: Lang = "en") -> str:
    if share is None:
        return "-"
    return f"{share:.0%}" if lang == "en" else f"{share * 100:.0f} %"


def disliked_line(item: Disliked) -> str:
    question = f"  latest question: {item.last_question}" if item.last_question else ""
    return f"  {item.down:4d}x 👎  {item.fact_id}  ({item.up} 👍){question}"


def weekly_report(feedback: Feedback, *, since: datetime, until: datetime, limit: int = 5) -> Report:
    """The summary of ``feedback`` (read with ``since`` and ``until``) between ``since`` and ``until``."""
    recent = [u for u in feedback.unanswered if u.when >= since]
    questions = Tally()
    by_lang: dict[str, Tally] = {}
    by_platform: dict[str, Tally] = {}
    by_tenant: dict[str, Tally] = {}
    other: dict[str, int] = {}
    for row in feedback.questions:
        if row.outcome in FACT_QUESTIONS:
            questions = questions.add(row.outcome, row.count)
            by_lang[row.lang] = by_lang.get(row.lang, Tally()).add(row.outcome, row.count)
            by_platform[row.platform] = by_platform.get(row.platform, Tally()).add(row.outcome, row.count)
            by_tenant[row.tenant] = by_tenant.get(row.tenant, Tally()).add(row.outcome, row.count)
        else:
            other[row.outcome] = other.get(row.outcome, 0) + row.count
    return Report(
        since=since, until=until, unanswered_questions=len({gap_key(u.text) for u in recent}),  # one per question,
        unanswered_asks=sum(u.count for u in recent),  # however many tenants asked it
        top_unanswered=group_gaps(recent, limit=limit), votes_up=feedback.up, votes_down=feedback.down,
        answers_voted=len({(v.platform, v.message_id) for v in feedback.votes}),
        disliked=disliked_by_fact(feedback.votes, limit=limit), questions=questions,
        by_lang=dict(sorted(by_lang.items())), by_platform=dict(sorted(by_platform.items())),
        other_messages={kind: other[kind] for kind in OUTCOMES if kind in other}, tenant=feedback.tenant,
        by_tenant=dict(sorted(by_tenant.items())) if feedback.tenant is None else {})


def report_lines(report: Report, lang: Lang) -> list[str]:
    """The report in a few sentences in ``lang``, for a digest in an admin channel: questions and
    the answered share (per language), votes, the most asked unanswered question and the most
    disliked answer. Quoted questions are cut short; the platforms defuse mentions when rendering."""
    days = max(1, round((report.until - report.since) / timedelta(days=1)))
    if report.questions.asked:
        lines = [messages.text("report_asked", lang, days=days, asked=report.questions.asked,
                               answered=report.questions.answered, share=_percent(report.questions.share, lang))]
        lines += [messages.text("report_by_lang", lang, language=messages.text(f"digest_lang_{name}", lang),
                                asked=tally.asked, share=_percent(tally.share, lang))
                  for name, tally in report.by_lang.items() if name in get_args(Lang)]
    else:
        lines = [messages.text("report_asked_none", lang, days=days)]
    lines.append(messages.text("report_votes", lang, up=report.votes_up, down=report.votes_down,
                               answers=report.answers_voted))
    if report.top_unanswered:
        top = report.top_unanswered[0]
        lines.append(messages.text("report_top_unanswered", lang, question=_short(top.text), count=top.count))
    if report.disliked:
        worst = report.disliked[0]
        lines.append(messages.text("report_most_disliked", lang, fact=worst.fact_id, down=worst.down))
    return lines


def _short(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


#: The days a digest's report covers, ending when the digest runs.
DIGEST_REPORT_DAYS = 7


async def digest_report(store: Store, until: datetime, *, tenant: str, days: int = DIGEST_REPORT_DAYS) -> Report:
    """The report of the ``days`` before ``until`` on ``tenant``'s data only (the subscription's
    Slack team or Discord guild), read from an open store, for a digest."""
    since = until - timedelta(days=days)
    feedback = await read_feedback(store, since=since, until=until, tenant=tenant)
    return weekly_report(feedback, since=since, until=until, limit=1)
