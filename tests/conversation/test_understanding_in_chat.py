"""The engine's shapes (arithmetic, premises, typed slots, details it does not hold) as a
person meets them: through the conversation service, in English and French, and with a
preamble of chat in front, which must not change the answer."""

from __future__ import annotations

import pytest

from bot.answering import AnswerEngine
from bot.conversation import ConversationService, Message, ReplyKind

CASES = [
    # (question, language, answered, words the reply must hold)
    ("What is the ratio of Stargate to Microsoft?", "en", True, ["6.25", "derived"]),
    ("Quel est le rapport entre Stargate et Microsoft ?", "fr", True, ["6,25", "dérivé"]),
    ("How much is Stargate per year?", "en", True, ["125"]),
    ("Combien par an pour Stargate ?", "fr", True, ["125"]),
    ("Meta and Microsoft together, how much?", "en", True, ["140", "145", "derived"]),
    ("Meta et Microsoft ensemble, combien ?", "fr", True, ["140", "145", "dérivé"]),
    ("Why did Meta cut its AI budget?", "en", True, ["premise differs", "65"]),
    ("Pourquoi Meta a-t-il réduit son budget IA ?", "fr", True, ["prémisse diffère", "65"]),
    ("Where did Nadella speak?", "en", True, ["Davos"]),
    ("Où Nadella a-t-il parlé ?", "fr", True, ["Davos"]),
    ("How much is SoftBank putting into Stargate?", "en", False, ["SoftBank", "500"]),
    ("Combien SoftBank met-il dans Stargate ?", "fr", False, ["SoftBank", "500"]),
]


def _service(engine: AnswerEngine) -> ConversationService:
    return ConversationService(engine)


@pytest.mark.parametrize(("question", "lang", "answered", "words"), CASES)
async def test_each_shape_through_the_conversation(engine: AnswerEngine, question: str, lang: str,
                                                   answered: bool, words: list[str]) -> None:
    reply = await _service(engine).handle(Message(text=question, conversation="c", user_id="u"))
    assert reply.lang == lang
    assert (reply.kind is ReplyKind.ANSWER) is answered, reply.body
    for word in words:
        assert word.lower() in reply.body.lower(), (word, reply.body)


@pytest.mark.parametrize(("question", "lang", "answered", "words"), CASES)
async def test_a_chatty_preamble_changes_nothing(engine: AnswerEngine, question: str, lang: str,
                                                 answered: bool, words: list[str]) -> None:
    preamble = "ok thanks, that helps a lot. " if lang == "en" else "ok merci, ça m'aide beaucoup. "
    alone = await _service(engine).handle(Message(text=question, conversation="a", user_id="u"))
    chatty = await _service(engine).handle(Message(text=preamble + question, conversation="b", user_id="u"))
    assert (chatty.kind, chatty.lang, chatty.body) == (alone.kind, alone.lang, alone.body)
