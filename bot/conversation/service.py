"""The conversation service: one platform-neutral message in, one reply of a kind out.

Every backend (Discord, Slack, the console, ``aibot ask``) hands its messages here, so the
rules of a conversation live once (errbot's idea): the rate limit and its "told once" rule,
small talk, help and about, facts about an entity, follow-ups read with the last topic,
chart requests, and the reply to bad input or to a failure of the engine. Adapters only
translate platform events into :class:`Message` and render :class:`Reply`.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from bot import messages
from bot.answering import Answer, AnswerEngine, Question, SourceRef
from bot.charts import make_chart, ranking_text
from bot.conversation.context import ConversationMemory, Topic
from bot.conversation.entities import EntityNames, resolve_entity
from bot.conversation.followup import Analysis, Reading, read_follow_up, years_of
from bot.conversation.phrasebook import Phrasebook, Said
from bot.conversation.reading import DEFAULT_LIMITS, Found, QuestionFinder, ReadingLimits
from bot.conversation.replies import (
    About,
    ChartMaker,
    FactLine,
    FactList,
    Reply,
    ReplyKind,
    SourceDocument,
)
from bot.feedback import ANSWERED, UNANSWERED, FeedbackStore, QuestionCounter, Vote, VoteDeferred
from bot.language import Lang, clean, clean_lines, detect_language, fold
from bot.logs import log_ids
from bot.ratelimit import RateLimiter, Verdict
from bot.tenants import tenant_or_console
from knowledge.freshness import reported_on, stale_since
from knowledge.models import Fact
from knowledge.smalltalk import SmallTalk, SmallTalkKind, load_smalltalk

if TYPE_CHECKING:
    from bot.metrics import Metrics
    from bot.settings import Settings
    from bot.shared_state import RedisLink, SharedState

_log = logging.getLogger(__name__)
#: "What's new?" lists at most this many of the facts added last.
WHATS_NEW_LIMIT = 5
#: A "question" this short beside others ("Meta? how much are they spending?") only names the
#: topic of the next one: it is not reported as unanswered.
MAX_TOPIC_WORDS = 2
#: Context naming more than this many companies leaves a question's "it" ambiguous.
MAX_CONTEXT_NAMES = 2

BOT_NAME = "aibot"


def package_version() -> str:
    """The installed aibot's version; "dev" in a checkout that was never installed."""
    try:
        return version("aibot")
    except PackageNotFoundError:
        return "dev"


@dataclass(frozen=True)
class Message:
    """What someone said, where: ``conversation`` is the adapter's key for the exchange (a
    Slack thread, a Discord channel and user, a console session), ``user_id`` who said it,
    ``tenant`` whose community it was said in (bot.tenants: what it stores is scoped to it)."""

    text: str
    conversation: str
    user_id: str
    lang: Lang | None = None
    platform: str | None = None
    channel_id: str | None = None
    tenant: str | None = None  # a Slack team or org, a Discord guild; None: the console


class ConversationService:
    """Answers messages for every adapter; build one per process and share it."""

    def __init__(
        self,
        engine: AnswerEngine,
        *,
        smalltalk: SmallTalk | None = None,
        limiter: RateLimiter | None = None,
        memory: ConversationMemory | None = None,
        chart_maker: ChartMaker | None = None,
        metrics: Metrics | None = None,
        stale_after_months: int | None = None,
        today: Callable[[], date] = date.today,
        feedback: FeedbackStore | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        questions: QuestionCounter | None = None,
        reading: ReadingLimits = DEFAULT_LIMITS,
        shared: SharedState | None = None,
    ) -> None:
        self.engine = engine
        self.base = engine.base
        self.phrasebook = Phrasebook(smalltalk) if smalltalk is not None else _shipped_phrasebook()
        self.limiter = limiter
        self.memory = memory if memory is not None else ConversationMemory(ttl=600.0, capacity=10_000)
        self.chart_maker = chart_maker
        self.metrics = metrics
        #: answers from facts reported longer ago say "As of <month year>"; None: never
        self.stale_after_months = stale_after_months
        self._today = today
        self.feedback = feedback  # where votes on answers go; None: the buttons say they cannot be counted
        self._now = now
        self.questions = questions  # where each question's outcome is counted per day; None: nowhere
        self._entity_names: EntityNames | None = None
        self._facts_of: dict[str, list[Fact]] | None = None
        self._about: About | None = None
        self.reading = reading
        self.finder = QuestionFinder(self.phrasebook.is_smalltalk, reading, names_something=self._names_something)
        self._newest_year: int | None = None
        from bot.shared_state import LocalState  # here: bot.shared_state imports this package

        #: where topics and rate limits live between messages (Redis, shared by replicas, or here)
        self.shared: SharedState = shared if shared is not None else LocalState(self.memory, self.limiter)

    @classmethod
    def from_settings(cls, engine: AnswerEngine, settings: Settings, *, limits: bool = True,
                      clock: Callable[[], float] = time.monotonic,
                      chart_maker: ChartMaker | None = make_chart,
                      metrics: Metrics | None = None,
                      feedback: FeedbackStore | None = None,
                      questions: QuestionCounter | None = None,
                      redis: RedisLink | None = None) -> ConversationService:
        """The service as the settings say; ``limits=False`` for batch use (``aibot ask``).
        Charts are drawn with matplotlib unless ``chart_maker`` is None (then the text ranking);
        topics and rate limits are shared through ``redis`` when given (``REDIS_URL``)."""
        from bot.shared_state import shared_state

        limiter = RateLimiter(settings.rate_limit_count, settings.rate_limit_seconds, clock) if limits else None
        memory = ConversationMemory(ttl=settings.conversation_ttl_seconds, capacity=settings.conversation_limit,
                                    clock=clock)
        return cls(engine, limiter=limiter, memory=memory, chart_maker=chart_maker, metrics=metrics,
                   stale_after_months=settings.stale_after_months, feedback=feedback, questions=questions,
                   shared=shared_state(memory, limiter, redis))

    # -- messages ------------------------------------------------------------------------

    def use_engine(self, engine: AnswerEngine) -> None:
        """Answer from a reloaded base from the next message on; what was read of the old one goes."""
        self.engine = engine
        self.base = engine.base
        self._entity_names = None
        self._facts_of = None
        self._about = None
        self._newest_year = None

    async def handle(self, message: Message, *, chart: bool = False) -> Reply:
        """A message from a person: the rate limit first, then :meth:`respond`; ``chart`` for a
        platform's chart command, whose words need no reading. Counted in the metrics; every
        line logged while it is handled carries its platform, channel and user ids."""
        started = time.perf_counter()
        log_ids(platform=message.platform, channel_id=message.channel_id, user_id=message.user_id)
        if self.limiter is not None:
            verdict = await self.shared.check_rate(message.user_id)
            if verdict is not Verdict.ALLOW:
                _log.info("user %s over the question limit (%s)", message.user_id, verdict.value)
                if self.metrics is not None:
                    self.metrics.rate_limit(message.platform or "cli", verdict.value)
                if verdict is Verdict.DROP:
                    return Reply(ReplyKind.IGNORE, self._lang(message, clean(message.text)))
                return self.slow_down(message)
        loaded = await self.shared.load_topic(message.conversation)
        if chart:
            reply = await self.chart(message.text, message.lang or self._lang(message, clean(message.text)))
        else:
            reply = await self.respond(message)
        await self.shared.save_topic(message.conversation, loaded)
        if self.metrics is not None:
            self.metrics.reply(message, reply, time.perf_counter() - started)
        self._count(message, reply)
        return reply

    def _count(self, message: Message, reply: Reply) -> None:
        """Count the question's outcome for the report's answered share (queued, never awaited)."""
        outcome = _OUTCOMES.get(reply.kind)
        if self.questions is None or outcome is None:
            return
        try:
            self.questions.count_question(self._now().astimezone(UTC).date(), message.platform or "cli",
                                          reply.lang, outcome, tenant_or_console(message.tenant))
        except Exception:  # the reply matters more than its count
            _log.exception("could not count a question")

    def slow_down(self, message: Message) -> Reply:
        lang = self._lang(message, clean(message.text))
        seconds = self.shared.retry_after(message.user_id) if self.limiter else 0
        return Reply(ReplyKind.SLOW_DOWN, lang, body=messages.text("slow_down", lang, seconds=seconds))

    async def respond(self, message: Message) -> Reply:
        """The reply to one message, without the rate limit; a failure is a polite reply."""
        text = clean_lines(message.text)
        lang = self._lang(message, clean(text))
        try:
            return await self._respond(message, text, lang)
        except Exception:
            _log.exception("answering failed for user %s", message.user_id)
            body = messages.text("error", lang)
            return Reply(ReplyKind.ABSTAIN, lang, body=body, answer=_contract(clean(text, limit=None), lang, body))

    async def _respond(self, message: Message, lines: str, lang: Lang) -> Reply:
        """Small talk, a reference to the last answer, or the questions the message asks
        (bot.conversation.reading), each answered up to the reading limits' cap."""
        text = " ".join(lines.split())
        if len(text) > self.reading.max_message_chars:  # in the language of its end, where a question would be
            return self._too_long(text, message.lang or self.engine.detect_language(clean(text[-1000:])))
        said = self.phrasebook.whole(text) or self.phrasebook.smalltalk(text)
        if said is not None and said.kind not in ("source", "why", "more"):
            return self._small_talk(message, text, said)
        topic = self.memory.recall(message.conversation, message.user_id)
        if said is not None:
            return self._about_last(message, text, said, topic)
        found = self.finder.find(self.phrasebook.spelled_out(lines))
        if not found.questions:
            return self._no_question(message, text, lang, found)
        if message.lang is None:
            lang = self.engine.detect_language(" ".join(found.questions))
        if len(found.questions) == 1:
            reply = await self._answer_one(message, text, found.questions[0], lang, topic, found)
            return self._with_note(reply, found, lang)
        replies = []
        for number, question in enumerate(found.questions):  # in order: each read with the one before
            asked_before = replace(found, before=(*found.before, *found.questions[:number]))
            replies.append(await self._answer_one(message, text, question, lang,
                                                  self.memory.recall(message.conversation, message.user_id),
                                                  asked_before))
        return self._combined(text, lang, list(zip(found.questions, replies, strict=True)))

    async def _answer_one(self, message: Message, text: str, question: str, lang: Lang, topic: Topic | None,
                          found: Found) -> Reply:
        """One question of a message: a chart request, a follow-up read with the topic, a
        reference with nothing to refer to, or a question for the engine."""
        if self.phrasebook.asks_for_chart(question):
            return await self.chart(text, lang)
        said = self.phrasebook.whole(question)
        if said is not None and said.kind in ("source", "why", "more"):  # "ok thanks, source?"
            return self._about_last(message, text, said, topic)
        asked = self.phrasebook.without_greeting(question)
        named = self.phrasebook.entity_request(asked)
        entity = resolve_entity(self.base, named) if named else None
        if entity is not None and named is not None:  # "what do you know about Meta?"
            reply = self.facts_about(named, lang)
            if reply.answer is not None and reply.fact_ids:
                self.memory.remember(message.conversation, Topic(
                    user_id=message.user_id, question=asked, lang=lang, entities=frozenset({f"e:{entity.id}"}),
                    year=None, fact_ids=reply.fact_ids, at=self.memory.now()))
                return replace(reply, answer=reply.answer.model_copy(update={"question": text}))
        reading = self._read_with_context(message, asked, lang, found)
        if reading is None and topic is not None:
            reading = self._reading(asked, lang, topic)
        if reading is None and (topic is None or not topic.question):
            unclear = self._unresolved(text, asked, lang)
            if unclear is not None:
                return unclear
        alone = self._years_made_absolute(asked)
        answer = await self._ask(message, alone, lang, reading)
        if answer.matched:
            self._remember(message, answer, lang)
            answer = self._dated(answer, lang)
        elif reading is None or not reading.certain:
            self._remember_abstention(message, alone, lang, topic, answer)
        return _answer_reply(answer.model_copy(update={"question": text}))

    def _names_something(self, clause: str) -> bool:
        """Whether a clause names a company, person, project or year (a lead that stays)."""
        analysis = self.analyse(clause, self.engine.detect_language(clause))
        return bool(analysis.entities or years_of(analysis))

    def _read_with_context(self, message: Message, asked: str, lang: Lang, found: Found) -> Reading | None:
        """A question naming nothing, after context that names one or two things ("I read
        about Stargate. who announced it?"), read as a follow-up of that context."""
        if not found.before or self.analyse(asked, lang).entities:
            return None
        for sentence in reversed(found.before):
            analysis = self.analyse(sentence, lang)
            if 0 < len(analysis.entities) <= MAX_CONTEXT_NAMES:
                years = years_of(analysis)
                topic = Topic(user_id=message.user_id, question=sentence, lang=lang, entities=analysis.entities,
                              year=years[0] if years else None, fact_ids=(), at=self.memory.now())
                return self._reading(asked, lang, topic)
        return None

    def _too_long(self, text: str, lang: Lang) -> Reply:
        length, limit = len(text), self.reading.max_message_chars
        sep = "," if lang == "en" else "\u202f"
        body = messages.text("too_long", lang, length=f"{length:,}".replace(",", sep),
                             limit=f"{limit:,}".replace(",", sep))
        return Reply(ReplyKind.ABSTAIN, lang, body=body, answer=_contract(text[:200], lang, body))

    def _no_question(self, message: Message, text: str, lang: Lang, found: Found) -> Reply:
        """A message with nothing asked: its small talk if that is all it is ("ok. thanks!"),
        else a reply that says no question was found."""
        if found.smalltalk and not found.context:
            said = self.phrasebook.smalltalk(" ".join(found.smalltalk))
            if said is not None:
                return self._small_talk(message, text, said)
        body = messages.text("no_question", lang, example=self._example(lang))
        return Reply(ReplyKind.ABSTAIN, lang, body=body, answer=_contract(text, lang, body))

    def _with_note(self, reply: Reply, found: Found, lang: Lang) -> Reply:
        """Say which question was answered when the message asked more than the cap."""
        if not found.more_than_answered or reply.answer is None:
            return reply
        note = messages.text("answered_last", lang, count=found.asked, question=_quoted(found.questions[-1]))
        body = f"{note}\n{reply.body}"
        answer = reply.answer.model_copy(update={"body": body, "answer": f"{note}\n{reply.answer.answer or ''}"})
        return replace(reply, body=body, answer=answer)

    def _combined(self, text: str, lang: Lang, replies: list[tuple[str, Reply]]) -> Reply:
        """The answers to a message's questions in one reply, each fact once; a question no
        fact answers is named as such. With no answer at all, the last question's reply."""
        answered = [reply for _, reply in replies if reply.kind is ReplyKind.ANSWER and reply.answer is not None]
        if not answered:
            last = replies[-1][1]
            return last
        parts: list[str] = []
        fact_ids: list[str] = []
        for question, reply in replies:
            if reply.kind is ReplyKind.ANSWER:
                new = [i for i in reply.fact_ids if i not in fact_ids]
                if new or not reply.fact_ids:
                    parts.append(reply.body)
                fact_ids += new
            elif reply.kind is ReplyKind.ABSTAIN and len(question.split()) > MAX_TOPIC_WORDS:
                parts.append(messages.text("not_answered_part", lang, question=_quoted(question)))
            elif reply.body:
                parts.append(reply.body)
        facts = [self.base.fact(i) for i in fact_ids]
        body = "\n\n".join(parts)
        line = source_line(facts, lang) if facts else None
        score = max(reply.answer.score for reply in answered if reply.answer is not None)
        answer = Answer(question=text, matched=True, answer=f"{body}\n{line}" if line else body, lang=lang,
                        score=score, fact_ids=fact_ids, sources=_sources(facts), body=body, source_line=line)
        return Reply(ReplyKind.ANSWER, lang, body=body, source_line=line, answer=answer, fact_ids=tuple(fact_ids))

    def _unresolved(self, text: str, asked: str, lang: Lang) -> Reply | None:
        """ "When did it start?" with no earlier question: ask what "it" is instead of guessing.
        Only a short message that names nothing (or compares one name with "that")."""
        if len(asked.split()) > self.reading.max_reference_words:
            return None
        word = self.phrasebook.unresolved(asked)
        if word is None:
            return None
        analysis = self.analyse(asked, lang)
        if analysis.entities and not ("compare" in analysis.roles and len(analysis.entities) == 1):
            return None
        body = messages.text("refers_to_what", lang, word=word, example=self._example(lang))
        return Reply(ReplyKind.ABSTAIN, lang, body=body, answer=_contract(text, lang, body))

    def _years_made_absolute(self, question: str) -> str:
        """ "last year" as the year before the newest facts' year, as "next year" is the year
        after it: no earlier turn says which year it counts from."""
        newest = self.newest_year()
        past = self.phrasebook.past_year_words(question)
        if newest is None or past is None:
            return question
        offset, start, end = past
        return f"{question[:start]}{newest + offset}{question[end:]}"

    def newest_year(self) -> int | None:
        """The year the newest facts were reported in (read once per base)."""
        if self._newest_year is None:
            years = [int(f.reported[:4]) for f in self.base.facts if f.reported[:4].isdigit()]
            self._newest_year = max(years) if years else None
        return self._newest_year

    def _dated(self, answer: Answer, lang: Lang) -> Answer:
        """An answer from a fact older than ``stale_after_months`` says when it was true."""
        if self.stale_after_months is None:
            return answer
        today = self._today()
        old = [fact for fact in (self.base.fact(i) for i in answer.fact_ids)
               if stale_since(fact, self.stale_after_months) <= today]
        if not old:
            return answer
        when = messages.month_year(min(old, key=lambda f: reported_on(f.reported)).reported, lang)
        body = messages.text("as_of", lang, when=when, body=answer.body or "")
        return answer.model_copy(update={"body": body, "answer": f"{body}\n{answer.source_line or ''}".rstrip()})

    def _lang(self, message: Message, text: str) -> Lang:
        return message.lang or self.engine.detect_language(text)

    # -- follow-ups -------------------------------------------------------------------------

    def _reading(self, text: str, lang: Lang, topic: Topic) -> Reading | None:
        return read_follow_up(text, topic, self.phrasebook, lambda t: self.analyse(t, lang), self._names_of)

    async def _ask(self, message: Message, text: str, lang: Lang, reading: Reading | None) -> Answer:
        """The engine's answer to the message, or to its reading with the topic: a sure
        follow-up is asked as read; a doubtful one is asked both ways, and the reading with the
        topic wins only when it answers with a higher score than the message alone."""
        def question(words: str) -> Question:
            return Question(text=words, lang=message.lang or lang, user_id=message.user_id,
                            channel_id=message.channel_id, platform=message.platform, tenant=message.tenant)

        if reading is None:
            return await self.engine.answer(question(text))
        if reading.certain:
            _log.debug("follow-up %r read as %r", text, reading.text)
            return await self.engine.answer(question(reading.text))
        alone = self.engine.answer_now(question(text))
        with_topic = self.engine.answer_now(question(reading.text))
        if with_topic.matched and (not alone.matched or with_topic.score > alone.score):
            return with_topic
        return await self.engine.answer(question(text))

    def analyse(self, text: str, lang: Lang) -> Analysis:
        return self.engine.analyse(text, lang)

    def facts_of(self, entity_id: str) -> list[Fact]:
        """The facts naming an entity, in base order; indexed once, on first use, so a large
        base is not walked for every "tell me more"."""
        if self._facts_of is None:
            index: dict[str, list[Fact]] = {}
            for fact in self.base.facts:
                for named in dict.fromkeys(fact.entities):
                    index.setdefault(named, []).append(fact)
            self._facts_of = index
        return self._facts_of.get(entity_id, [])

    def _names_of(self, term: str) -> list[str]:
        entity = self.base.entity(term.removeprefix("e:"))
        return list(entity.names)

    def _remember(self, message: Message, answer: Answer, lang: Lang, *, asked: str | None = None) -> None:
        """The answered topic: the entities and year asked about, else those of the fact given."""
        question = asked or answer.question
        analysis = self.analyse(question, lang)
        facts = [self.base.fact(i) for i in answer.fact_ids]
        entities = analysis.entities
        if not entities and len(facts) == 1 and facts[0].entities:
            entities = frozenset({f"e:{facts[0].entities[0]}"})
        years = years_of(analysis)
        year = years[0] if years else next(
            (f.amount.period.year for f in facts if f.amount and f.amount.period and f.amount.period.year), None)
        self.memory.remember(message.conversation, Topic(
            user_id=message.user_id, question=question, lang=lang, entities=entities, year=year,
            fact_ids=tuple(answer.fact_ids), at=self.memory.now()))

    def _remember_abstention(self, message: Message, asked: str, lang: Lang, topic: Topic | None,
                             answer: Answer) -> None:
        """Keep the last answered topic, noting the question it could not answer after it, so
        "and Meta?" after "how much is Acme investing?" is read as that question about Meta."""
        now = self.memory.now()
        held = self.memory.peek(message.conversation)
        if topic is None and held is not None and held.user_id != message.user_id:
            return  # someone else's topic in a shared thread stays theirs
        if topic is None:
            topic = Topic(user_id=message.user_id, question="", lang=lang, entities=frozenset(), year=None,
                          fact_ids=(), at=now)
        self.memory.remember(message.conversation, replace(topic, abstained=asked,
                                                           unknown=tuple(answer.unknown_names), at=now))

    def _about_last(self, message: Message, text: str, said: Said, topic: Topic | None) -> Reply:
        """ "Where is that from?", "why?", "tell me more": about the previous answer, in the
        language of the conversation when the words are the same in both ("source ?")."""
        lang = message.lang or said.lang or (topic.lang if topic is not None else None) or detect_language(text)
        if topic is None or not topic.fact_ids:
            body = messages.text("no_topic", lang, example=self._example(lang))
            return Reply(ReplyKind.ABSTAIN, lang, body=body, answer=_contract(text, lang, body))
        facts = [self.base.fact(i) for i in topic.fact_ids]
        if said.kind == "source":
            return self._sources_of(text, lang, facts)
        if said.kind == "why":
            return self._why(text, lang, topic, facts)
        return self._more(message, text, lang, topic)

    def _why(self, text: str, lang: Lang, topic: Topic, given: list[Fact]) -> Reply:
        """ "Why?": a fact about the topic that answers a why-question (one of its phrasings
        asks "why"/"pourquoi"), else the facts given, whose statements carry the reasons the
        source gives."""
        why = fold(self.phrasebook.data.followups.references.why.in_lang(lang)[0])
        ids = {e.removeprefix("e:") for e in topic.entities}
        about = [*given, *(f for e in sorted(ids) for f in self.facts_of(e) if f.entities[0] in ids)]
        reasons = [f for f in _unique(about) if any(fold(p).startswith(why) for p in f.phrasings.in_lang(lang))]
        return self._facts_reply(text, lang, reasons[:1] or given, ReplyKind.ANSWER)

    def _sources_of(self, text: str, lang: Lang, facts: list[Fact]) -> Reply:
        lines = []
        for fact in facts:
            source = fact.source
            lines.append(messages.text("source_detail", lang, publisher=source.publisher, title=source.title,
                                       date=messages.month_year(source.date, lang), quote=source.quotes[0]))
        body = "\n".join(dict.fromkeys(lines))
        answer = Answer(question=text, matched=True, answer=body, lang=lang, score=100.0,
                        fact_ids=[f.id for f in facts], sources=_sources(facts), body=body)
        return Reply(ReplyKind.ANSWER, lang, body=body, answer=answer, fact_ids=tuple(answer.fact_ids))

    def _more(self, message: Message, text: str, lang: Lang, topic: Topic) -> Reply:
        """The next fact about the topic's entities that was not given yet."""
        ids = {e.removeprefix("e:") for e in topic.entities}
        given = set(topic.fact_ids)
        about = [f for e in sorted(ids) for f in self.facts_of(e) if f.id not in given]
        about = sorted(_unique(about), key=lambda f: f.entities[0] not in ids)  # mainly about the topic first
        if not about:
            names = messages.join_names([self._names_of(e)[0] for e in sorted(topic.entities)], lang)
            body = messages.text("nothing_more", lang, names=names, example=self._example(lang))
            return Reply(ReplyKind.ABSTAIN, lang, body=body, answer=_contract(text, lang, body))
        reply = self._facts_reply(text, lang, about[:1], ReplyKind.ANSWER)
        self.memory.remember(message.conversation, Topic(
            user_id=topic.user_id, question=topic.question, lang=topic.lang, entities=topic.entities,
            year=topic.year, fact_ids=(*topic.fact_ids, about[0].id), at=self.memory.now()))
        return reply

    def _facts_reply(self, text: str, lang: Lang, facts: Sequence[Fact], kind: ReplyKind,
                     intro: str | None = None) -> Reply:
        body = "\n".join(f.statement.in_lang(lang) for f in facts)
        if intro:
            body = f"{intro}\n{body}"
        line = source_line(facts, lang)
        answer = Answer(question=text, matched=True, answer=f"{body}\n{line}", lang=lang, score=100.0,
                        fact_ids=[f.id for f in facts], sources=_sources(facts), body=body, source_line=line)
        return Reply(kind, lang, body=body, source_line=line, answer=answer, fact_ids=tuple(answer.fact_ids))

    # -- small talk, help, about ------------------------------------------------------------------

    def _small_talk(self, message: Message, text: str, said: Said) -> Reply:
        lang = message.lang or said.lang or detect_language(text)
        kind = SmallTalkKind(said.kind)
        if kind is SmallTalkKind.HELP:
            return self.help(lang, asked=text)
        if kind is SmallTalkKind.ABOUT:
            return self.about(lang, asked=text)
        if kind is SmallTalkKind.RANDOM_FACT:
            return self._fact_of_the_day(message, text, lang)
        if kind is SmallTalkKind.WHATS_NEW:
            return self._whats_new(text, lang)
        reply = self.phrasebook.data.kinds[kind].replies.in_lang(lang)
        body = reply.format(example=self._example(lang), name=BOT_NAME)
        return Reply(ReplyKind.SMALLTALK, lang, body=body, answer=_contract(text, lang, body))

    def _fact_of_the_day(self, message: Message, text: str, lang: Lang) -> Reply:
        """One fact a day, the same for everyone that day, with its source."""
        facts = self.base.facts
        fact = facts[self._today().toordinal() % len(facts)]
        intro = self.phrasebook.data.kinds[SmallTalkKind.RANDOM_FACT].replies.in_lang(lang)
        reply = self._facts_reply(text, lang, [fact], ReplyKind.SMALLTALK, intro=intro)
        if reply.answer is not None:
            self._remember(message, reply.answer, lang, asked=fact.phrasings.in_lang(lang)[0])
        return reply

    def _whats_new(self, text: str, lang: Lang) -> Reply:
        """The facts added last (their ``added`` date), newest first, with their sources."""
        newest = sorted(self.base.facts, key=lambda f: f.added, reverse=True)[:WHATS_NEW_LIMIT]
        intro = self.phrasebook.data.kinds[SmallTalkKind.WHATS_NEW].replies.in_lang(lang)
        added = messages.text("added_on", lang, date=messages.day_month_year(newest[0].added, lang))
        colon = ":" if lang == "en" else " :"
        return self._facts_reply(text, lang, newest, ReplyKind.SMALLTALK, intro=f"{intro} ({added}){colon}")

    def help(self, lang: Lang, *, asked: str = "") -> Reply:
        body = messages.text("help", lang)
        return Reply(ReplyKind.HELP, lang, body=body, answer=_contract(asked, lang, body))

    def about(self, lang: Lang, *, asked: str = "") -> Reply:
        """Version, how many facts about how many entities, and the documents they come from."""
        if self._about is None:  # read once per base (use_engine forgets it)
            documents = sorted({(f.source.publisher, f.source.date, f.source.title) for f in self.base.facts})
            sources = tuple(SourceDocument(publisher=p, title=t, date=d) for p, d, t in documents)
            self._about = About(version=package_version(), facts=len(self.base.facts),
                                entities=len(self.base.entities), sources=sources)
        about = self._about
        publishers = messages.join_names(sorted({s.publisher for s in about.sources}), lang)
        body = messages.text("about", lang, version=about.version, facts=about.facts, entities=about.entities,
                             sources=publishers)
        return Reply(ReplyKind.HELP, lang, body=body, about=about, answer=_contract(asked, lang, body))

    def facts_about(self, typed: str, lang: Lang) -> Reply:
        """Every statement about one entity (chosen from autocomplete or typed by hand)."""
        entity = resolve_entity(self.base, typed)
        found = self.facts_of(entity.id) if entity is not None else []
        if entity is None or not found:
            body = messages.text("facts_unknown", lang, name=" ".join(typed.split())[:100])
            return Reply(ReplyKind.ABSTAIN, lang, body=body, answer=_contract(typed, lang, body))
        lines = tuple(FactLine(f.statement.in_lang(lang), source_line([f], lang)) for f in found)
        listing = FactList(title=messages.text("facts_title", lang, name=entity.name),
                           footer=messages.text("facts_count", lang, count=len(found)), lines=lines)
        body = "\n".join(f"{line.text} ({line.source_line})" for line in lines)
        answer = Answer(question=typed, matched=True, answer=body, lang=lang, score=100.0,
                        fact_ids=[f.id for f in found], sources=_sources(found), body=body)
        return Reply(ReplyKind.ANSWER, lang, body=body, facts=listing, answer=answer, fact_ids=tuple(answer.fact_ids))

    async def chart(self, text: str, lang: Lang) -> Reply:
        """A chart of the announced amounts; the text ranking when no chart can be drawn."""
        ranking = self.engine.answer_now(Question(text=messages.text("chart_question", lang), lang=lang))
        image = await self.chart_maker(self.base, lang) if self.chart_maker is not None else None
        if image is not None:
            answer = ranking.model_copy(update={"question": text, "answer": image.alt_text})
            return Reply(ReplyKind.CHART, lang, body=image.alt_text, chart=image, answer=answer,
                         fact_ids=tuple(ranking.fact_ids))
        answer = ranking.model_copy(update={"question": text})
        return Reply(ReplyKind.CHART, lang, body=ranking.body or ranking.answer or "",
                     source_line=ranking.source_line, suggestions=tuple(ranking.suggestions), answer=answer,
                     fact_ids=tuple(ranking.fact_ids))

    def chart_fallback(self, lang: Lang) -> str:
        """The ranking a chart stands for, for a platform that cannot show the image."""
        return ranking_text(self.base, lang)

    # -- votes on answers -------------------------------------------------------------------

    @staticmethod
    def votable(reply: Reply) -> bool:
        """Only answers a fact gives get 👍 / 👎: not small talk, help, abstentions or charts."""
        return reply.kind is ReplyKind.ANSWER and bool(reply.fact_ids)

    async def record_vote(self, vote: Vote) -> str:
        """Store a 👍 / 👎 press and say so, briefly, in the answer's language. The question comes
        from the button when it carries one, else from the memory of the answer's conversation."""
        if vote.question is None and vote.conversation is not None:
            await self.shared.load_topic(vote.conversation)
            topic = self.memory.peek(vote.conversation)
            if topic is not None and set(topic.fact_ids) & set(vote.fact_ids):
                vote = replace(vote, question=topic.question)
        if self.feedback is None:
            _log.info("vote from %s not recorded: no store", vote.user_id)
            return messages.text("feedback_unavailable", vote.lang)
        try:
            await self.feedback.record_vote(vote, self._now())
        except VoteDeferred as exc:  # kept for the store writer: not thanked as if it were stored
            _log.warning("vote on message %s not stored yet (%s); it waits for the database", vote.message_id, exc)
            return messages.text("feedback_pending", vote.lang)
        except Exception as exc:  # the person is told; the bot goes on answering
            _log.warning("could not record a vote on message %s: %s", vote.message_id, exc)
            return messages.text("feedback_unavailable", vote.lang)
        _log.info("vote %s by %s on %s (%s)", "up" if vote.up else "down", vote.user_id, vote.message_id,
                  ",".join(vote.fact_ids))
        return messages.text("feedback_up" if vote.up else "feedback_down", vote.lang)

    # -- what adapters offer as people type ------------------------------------------------

    def suggestions_for(self, text: str, limit: int = 25) -> list[str]:
        return self.engine.suggestions_for(text, limit=limit)

    def starter_questions(self, lang: Lang, limit: int = 25) -> list[str]:
        """What autocomplete offers before anything is typed: one question per fact."""
        return [fact.phrasings.in_lang(lang)[0] for fact in self.base.facts[:limit]]

    def entity_choices(self, typed: str, limit: int = 25) -> list[tuple[str, str]]:
        """(name, entity id) pairs for an entity picker, built once on first use."""
        if self._entity_names is None:
            self._entity_names = EntityNames(self.base)
        return self._entity_names.choices(typed, limit)

    def link(self, new_key: str, key: str) -> None:
        """A platform message (the bot's answer) continues conversation ``key``: a reply to it
        is read with that conversation's topic."""
        self.shared.link(new_key, key)

    def _example(self, lang: Lang) -> str:
        facts = [f for f in self.base.facts if f.amount is not None] or self.base.facts
        return facts[0].phrasings.in_lang(lang)[0] if facts else ""


#: A reply's kind as the counted outcome (bot.feedback.OUTCOMES); rate-limited replies are not counted.
_OUTCOMES = {ReplyKind.ANSWER: ANSWERED, ReplyKind.ABSTAIN: UNANSWERED, ReplyKind.SMALLTALK: "smalltalk",
             ReplyKind.HELP: "help", ReplyKind.CHART: "chart"}


@functools.cache
def _shipped_phrasebook() -> Phrasebook:
    """The shipped small talk, read and indexed once per process (it is immutable)."""
    return Phrasebook(load_smalltalk())


def source_line(facts: Sequence[Fact], lang: Lang) -> str:
    sources = _sources(facts)
    return messages.text("source" if len(sources) == 1 else "sources", lang,
                         sources="; ".join(f"{s.publisher}, {messages.month_year(s.date, lang)}" for s in sources))


def _sources(facts: Sequence[Fact]) -> list[SourceRef]:
    refs: dict[tuple[str, str, str], SourceRef] = {}
    for fact in facts:
        s = fact.source
        refs.setdefault((s.publisher, s.title, s.date), SourceRef(
            publisher=s.publisher, title=s.title, date=s.date, document=s.document, url=s.url))
    return list(refs.values())


def _unique(facts: Iterable[Fact]) -> list[Fact]:
    """Each fact once, in order (facts hold lists, so they are told apart by id)."""
    first: dict[str, Fact] = {}
    for fact in facts:
        first.setdefault(fact.id, fact)
    return list(first.values())


def _contract(text: str, lang: Lang, body: str) -> Answer:
    """The JSON object of a reply that no fact answers (small talk, help, bad input)."""
    return Answer(question=text, matched=False, answer=body, lang=lang, score=0.0, body=body)


def _quoted(question: str, limit: int = 120) -> str:
    """A question as quoted back to its asker: one line, at most ``limit`` characters."""
    text = " ".join(question.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _answer_reply(answer: Answer) -> Reply:
    kind = ReplyKind.ANSWER if answer.matched else ReplyKind.ABSTAIN
    return Reply(kind, answer.lang, body=answer.body or answer.answer or "",
                 source_line=answer.source_line if answer.matched else None,
                 suggestions=tuple(answer.suggestions), answer=answer, fact_ids=tuple(answer.fact_ids))
