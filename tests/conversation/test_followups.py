"""Follow-ups through the conversation service: read with the last topic, replaced by a
question that stands alone, expiring, bounded in memory, never shared between users; and the
rate limit's "told once" rule, now in one place."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answering import AnswerEngine
from bot.conversation import ConversationMemory, ConversationService, Message, ReplyKind, Topic
from bot.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def conversation(service: ConversationService, lines: list[str], *, key: str = "c",
                       user: str = "u") -> list[str]:
    """Each line's reply text, in one conversation."""
    return [(await service.handle(Message(text=line, conversation=key, user_id=user))).text for line in lines]


@pytest.mark.parametrize(("lines", "expected"), [
    (["How much is Meta investing in AI?", "and Microsoft?"], "Microsoft plans to spend 80 billion"),
    (["How much is Meta investing in AI?", "and Google?"], "I have no figure for Google"),
    (["How much is Meta investing in AI?", "and last year?"], "That puts 2024 at roughly 40 to 43 billion"),
    (["How much is Meta investing in AI in 2025?", "and in 2024?"], "That puts 2024 at roughly 40 to 43 billion"),
    (["Combien Meta investit-il dans l'IA ?", "et l'an dernier ?"], "Cela situe 2024 autour de 40 à 43 milliards"),
    (["Combien Meta investit-il dans l'IA ?", "et Microsoft ?"], "80 milliards"),
    (["How much is Microsoft spending on data centers?", "who runs it?"], "Satya Nadella"),
    (["Combien Microsoft va-t-il dépenser cette année ?", "qui le dirige ?"], "Satya Nadella"),
    (["How much is Meta investing in AI?", "where does the money go?"], "technology teams"),
    (["How much is Meta investing in AI?", "bigger than Microsoft's?"], "Microsoft plans more"),
    (["What is Stargate?", "who presented it?"], "Donald Trump presented"),
    (["How much is Meta investing in AI?", "where is that from?"], "That comes from AFP"),
    (["How much is Meta investing in AI?", "d'où ça vient ?"], "Cela vient de cette source : AFP"),
    (["How much is Meta investing in AI?", "why?"], "defend and strengthen its position"),
    (["Combien Meta investit-il dans l'IA ?", "pourquoi ?"], "défendre et renforcer sa position"),
    (["What is Stargate?", "why?"], "to invest up to 500 billion dollars over four years in AI infrastructure"),
    (["What is Stargate?", "tell me more"], "Stargate"),
])
async def test_a_follow_up_is_read_with_the_last_topic(engine: AnswerEngine, lines: list[str], expected: str) -> None:
    replies = await conversation(ConversationService(engine), lines)
    assert expected in replies[-1], replies


async def test_tell_me_more_gives_a_new_fact_each_time_then_says_that_is_all(engine: AnswerEngine) -> None:
    service = ConversationService(engine)
    first = await service.handle(Message(text="How much is Meta investing in AI?", conversation="c", user_id="u"))
    given_ids = list(first.fact_ids)
    about_meta = [f.id for f in engine.base.facts if "meta" in f.entities]
    for _ in range(len(about_meta) - 1):
        reply = await service.handle(Message(text="tell me more", conversation="c", user_id="u"))
        assert reply.kind is ReplyKind.ANSWER and reply.fact_ids[0] not in given_ids
        given_ids += reply.fact_ids
    assert sorted(given_ids) == sorted(about_meta)
    last = await service.handle(Message(text="tell me more", conversation="c", user_id="u"))
    assert last.kind is ReplyKind.ABSTAIN and "That's all I know about Meta" in last.body


async def test_a_question_that_stands_alone_replaces_the_topic(engine: AnswerEngine) -> None:
    replies = await conversation(ConversationService(engine), [
        "How much is Meta investing in AI?", "What is Stargate?", "bigger than Microsoft's?"])
    assert "Stargate" in replies[-1] and "Meta" not in replies[-1]


async def test_a_follow_up_with_no_topic_is_read_alone(engine: AnswerEngine) -> None:
    service = ConversationService(engine)
    replies = await conversation(service, ["bigger than Microsoft's?", "where is that from?"])
    assert "plans more" not in replies[0]
    assert "haven't answered anything" in replies[1]


async def test_the_topic_expires(engine: AnswerEngine) -> None:
    clock = Clock()
    service = ConversationService(engine, memory=ConversationMemory(ttl=600, capacity=10, clock=clock))
    await conversation(service, ["How much is Meta investing in AI?"])
    clock.now += 599
    assert "Microsoft plans more" in (await conversation(service, ["bigger than Microsoft's?"]))[0]
    clock.now += 601
    assert "plans more" not in (await conversation(service, ["bigger than Microsoft's?"]))[0]
    topic = service.memory.recall("c", "u")
    assert topic is None or "e:meta" not in topic.entities


async def test_a_topic_is_never_shared_between_users_or_conversations(engine: AnswerEngine) -> None:
    service = ConversationService(engine)
    await conversation(service, ["How much is Meta investing in AI?"], key="thread-1", user="alice")
    assert "plans more" not in (await conversation(service, ["bigger than Microsoft's?"], key="thread-1", user="bob"))[0]
    assert "plans more" not in (await conversation(service, ["bigger than Microsoft's?"], key="thread-2",
                                                   user="alice"))[0]
    assert "Microsoft plans more" in (await conversation(service, ["bigger than Microsoft's?"], key="thread-1",
                                                         user="alice"))[0]


def test_a_hundred_thousand_conversations_keep_at_most_the_cap() -> None:
    clock = Clock()
    memory = ConversationMemory(ttl=600, capacity=5_000, clock=clock)
    for number in range(100_000):
        memory.remember(f"conversation-{number}", Topic(user_id=f"user-{number}", question="q", lang="en",
                                                        entities=frozenset({"e:meta"}), year=2025, fact_ids=("f",),
                                                        at=clock()))
        assert len(memory) <= 5_000
    assert len(memory) == 5_000
    assert memory.recall("conversation-99999", "user-99999") is not None  # the most recent are kept
    assert memory.recall("conversation-94999", "user-94999") is None  # the least recent went first


def test_topics_share_equal_entity_sets_and_fact_ids_and_the_sharing_is_bounded() -> None:
    """Ten thousand topics naming the same company hold one entity set between them, not one each."""
    from bot.conversation.context import MAX_SHARED

    memory = ConversationMemory(ttl=600, capacity=MAX_SHARED * 2, clock=lambda: 0.0)
    for number in range(2):
        memory.remember(f"c{number}", Topic(user_id="u", question="q", lang="en",
                                            entities=frozenset(["e:meta", f"e:{'meta'}"]), year=None,
                                            fact_ids=tuple(["f1", "f2"]), at=0.0))
    first, second = memory.peek("c0"), memory.peek("c1")
    assert first is not None and second is not None
    assert first.entities is second.entities and first.fact_ids is second.fact_ids
    assert not hasattr(first, "__dict__")  # slots: no dictionary per topic
    for number in range(MAX_SHARED * 2):  # a base of very many entities cannot grow the shared copies
        memory.remember(f"d{number}", Topic(user_id="u", question="q", lang="en", entities=frozenset([f"e:{number}"]),
                                            year=None, fact_ids=(f"f{number}",), at=0.0))
        assert len(memory._shared) <= MAX_SHARED


async def test_many_conversations_through_the_service_keep_at_most_the_cap(engine: AnswerEngine) -> None:
    service = ConversationService(engine, memory=ConversationMemory(ttl=600, capacity=50))
    for number in range(300):
        await service.handle(Message(text="What is Stargate?", conversation=f"c{number}", user_id=f"u{number}"))
    assert len(service.memory) == 50


async def test_over_the_limit_slow_down_is_said_once_then_nothing(engine: AnswerEngine) -> None:
    clock = Clock()
    service = ConversationService(engine, limiter=RateLimiter(2, 30, clock=clock))
    kinds = [(await service.handle(Message(text="Combien Meta investit-il ?", conversation="c", user_id="u"))).kind
             for _ in range(4)]
    assert kinds == [ReplyKind.ANSWER, ReplyKind.ANSWER, ReplyKind.SLOW_DOWN, ReplyKind.IGNORE]
    other = await service.handle(Message(text="hi", conversation="d", user_id="someone else"))
    assert other.kind is ReplyKind.SMALLTALK
    clock.now += 31
    assert (await service.handle(Message(text="What is Stargate?", conversation="c", user_id="u"))).kind \
        is ReplyKind.ANSWER


async def test_slow_down_is_in_the_askers_language(engine: AnswerEngine) -> None:
    service = ConversationService(engine, limiter=RateLimiter(1, 30))
    await service.handle(Message(text="Combien Meta investit-il ?", conversation="c", user_id="u"))
    reply = await service.handle(Message(text="Combien Microsoft investit-il ?", conversation="c", user_id="u"))
    assert reply.kind is ReplyKind.SLOW_DOWN and "Merci d'attendre" in reply.body and reply.intent is None


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.text(max_size=80), second=st.text(alphabet=string.printable + "éèàçô«»’", max_size=80))
async def test_any_text_gets_a_reply_with_an_intent(engine: AnswerEngine, first: str, second: str) -> None:
    service = ConversationService(engine)
    for text in (first, second):
        reply = await service.handle(Message(text=text, conversation="c", user_id="u"))
        contract = reply.contract()
        assert contract["intent"] in {"answer", "abstain", "smalltalk", "help", "chart"}
        assert contract["lang"] in {"en", "fr"} and isinstance(contract["answer"], str)
