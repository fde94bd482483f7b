"""Small talk through the conversation service, in both languages, at least 15 wordings per
kind and language, none of them met with "I don't know"; and the data file's checks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.answering import AnswerEngine
from bot.conversation import ConversationService, Message, ReplyKind
from bot.language import Lang
from knowledge.errors import FactBaseError
from knowledge.models import FactBase
from knowledge.smalltalk import DEFAULT_SMALLTALK, SmallTalkKind, load_smalltalk
from tests.conversation.test_everyday_chat import CHAT

# Written here, not read from the data file, with the capitals and punctuation people type.
WORDINGS: dict[tuple[str, Lang], list[str]] = {
    ("greeting", "en"): ["Hi", "hello!", "Hey", "hiya", "Good evening", "good morning :)", "Howdy", "Hey there!",
                         "hi aibot", "Hello there", "Greetings", "yo", "good afternoon", "gm", "heya"],
    ("greeting", "fr"): ["Bonjour", "bonsoir !", "Salut", "coucou", "Bonjour à tous", "salut le bot", "Rebonjour",
                         "bjr", "slt", "Bonsoir à tous", "bonjour le bot", "hey salut", "Bien le bonjour",
                         "Coucou toi", "Enchanté"],
    ("thanks", "en"): ["Thanks", "thank you!", "Cheers", "many thanks", "Thanks a lot", "thx", "ty", "Thank you very much",
                       "much appreciated", "Appreciate it", "ok thanks", "thanks so much", "great, thanks",
                       "Perfect, thanks!", "thanks aibot"],
    ("thanks", "fr"): ["Merci", "merci bien", "Merci beaucoup !", "mille mercis", "Grand merci", "merci infiniment",
                       "Super, merci", "parfait merci", "ok merci", "Je te remercie", "je vous remercie", "merci à toi",
                       "C'est gentil", "merci le bot", "top merci"],
    ("goodbye", "en"): ["Bye", "goodbye", "See you", "see you later!", "Bye bye", "cya", "Good night", "take care",
                        "Talk to you later", "ttyl", "have a nice day", "farewell", "catch you later", "see ya",
                        "so long"],
    ("goodbye", "fr"): ["Au revoir", "à plus", "À plus tard", "à bientôt !", "A la prochaine", "à demain",
                        "bonne soirée", "Bonne nuit", "ciao", "tchao", "adieu", "à+", "je file", "à tout à l'heure",
                        "au revoir le bot"],
    ("identity", "en"): ["Who are you?", "what are you", "What can you do?", "what do you do", "Are you a bot?",
                         "are you human?", "What's your name?", "introduce yourself", "tell me about yourself",
                         "what can I ask you?", "What do you know?", "who made you", "how do you work?",
                         "what is this bot?", "what are you for?"],
    ("identity", "fr"): ["Qui es-tu ?", "qui êtes-vous", "T'es qui ?", "tu fais quoi ?", "Que sais-tu faire ?",
                         "que peux-tu faire", "Que pouvez-vous faire ?", "Es-tu un robot ?", "es-tu humain ?",
                         "Présente-toi", "comment tu t'appelles ?", "quel est ton nom ?", "à quoi sers-tu ?",
                         "c'est quoi ce bot ?", "que puis-je te demander ?"],
    ("help", "en"): ["help", "/help", "Help!", "help me", "please help", "I need help", "how do I use this?",
                     "how does this work?", "commands", "usage", "instructions", "can you help me?", "menu",
                     "how do I ask?", "show help"],
    ("help", "fr"): ["aide", "/aide", "Aide !", "à l'aide", "au secours", "aide-moi", "aidez-moi", "j'ai besoin d'aide",
                     "mode d'emploi", "commandes", "liste des commandes", "peux-tu m'aider ?", "pouvez-vous m'aider ?",
                     "besoin d'aide", "comment poser une question ?"],
    ("about", "en"): ["about", "/about", "About you", "your sources", "what are your sources?", "version",
                      "which version?", "how many facts do you know?", "info", "/info", "list your sources",
                      "about this bot", "what version are you?", "how many facts", "About!"],
    ("about", "fr"): ["à propos", "/apropos", "A propos", "tes sources", "vos sources", "quelles sont tes sources ?",
                      "quelles sont vos sources ?", "quelle version ?", "combien de faits ?", "combien de faits connais-tu ?",
                      "infos", "/infos", "liste tes sources", "apropos", "/a-propos"],
    ("random_fact", "en"): ["surprise me", "Surprise me!", "random fact", "a random fact", "give me a random fact",
                            "fact of the day", "today's fact", "give me a fact", "tell me a fact", "fun fact",
                            "tell me something interesting", "teach me something", "did you know?", "random",
                            "share a fact"],
    ("random_fact", "fr"): ["un fait au hasard", "Surprends-moi !", "surprenez-moi", "fait au hasard",
                            "un fait aléatoire", "le fait du jour", "fait du jour", "donne-moi un fait",
                            "dis-moi quelque chose", "raconte-moi quelque chose", "une anecdote",
                            "apprends-moi quelque chose", "un fait intéressant", "le savais-tu ?", "au hasard"],
    ("whats_new", "en"): ["What's new?", "whats new", "Anything new?", "any news?", "latest news", "What's the latest?",
                          "new facts", "recent facts", "newest facts", "any updates?", "what changed?",
                          "What's been added?", "recently added", "What's new today?", "what have you learned recently?"],
    ("whats_new", "fr"): ["Quoi de neuf ?", "du nouveau ?", "Quelles nouvelles ?", "les dernières nouvelles",
                          "les nouveautés", "quoi de nouveau", "les derniers faits", "nouveaux faits", "faits récents",
                          "qu'as-tu appris récemment ?", "du neuf ?", "des nouvelles ?", "mises à jour",
                          "qu'est-ce qui a changé ?", "derniers ajouts"],
}
WORDINGS.update({key: wordings for key, wordings in CHAT.items() if key[0] not in {"thanks", "identity"}})
EXPECTED_KIND = {"acknowledgement": ReplyKind.SMALLTALK, "laughter": ReplyKind.SMALLTALK,
                 "wellbeing": ReplyKind.SMALLTALK, "insult": ReplyKind.SMALLTALK, "greeting": ReplyKind.SMALLTALK, "thanks": ReplyKind.SMALLTALK, "goodbye": ReplyKind.SMALLTALK,
                 "identity": ReplyKind.SMALLTALK, "help": ReplyKind.HELP, "about": ReplyKind.HELP,
                 "random_fact": ReplyKind.SMALLTALK, "whats_new": ReplyKind.SMALLTALK}
DONT_KNOW = ("I don't know", "Je ne sais pas", "not sure", "pas sûr")


def test_every_kind_and_language_has_fifteen_wordings_here() -> None:
    assert {kind for kind, _ in WORDINGS} == {k.value for k in SmallTalkKind}
    assert all(len(set(wordings)) >= 15 for wordings in WORDINGS.values())


@pytest.mark.parametrize(("kind", "lang"), sorted(WORDINGS))
async def test_small_talk_gets_its_reply_in_the_askers_language(engine: AnswerEngine, kind: str, lang: Lang) -> None:
    service = ConversationService(engine)
    for number, text in enumerate(WORDINGS[kind, lang]):
        reply = await service.handle(Message(text=text, conversation=f"{kind}-{lang}-{number}", user_id="u"))
        assert reply.kind is EXPECTED_KIND[kind], (text, reply.kind, reply.body)
        assert reply.lang == lang, text
        assert reply.body and not any(phrase in reply.text for phrase in DONT_KNOW), (text, reply.text)
        assert reply.intent in ("smalltalk", "help") and reply.contract()["intent"] == reply.intent


async def test_replies_point_to_what_the_bot_can_answer(engine: AnswerEngine) -> None:
    service = ConversationService(engine)
    example = engine.base.facts[0].phrasings.en[0]
    for text in ("hi", "thanks", "who are you?"):
        reply = await service.handle(Message(text=text, conversation=text, user_id="u"))
        assert example in reply.body, text
    about = await service.handle(Message(text="/about", conversation="a", user_id="u"))
    assert about.about is not None and about.about.facts == len(engine.base.facts)
    assert [s.publisher for s in about.about.sources] == ["AFP"]


async def test_the_fact_of_the_day_has_its_source_and_changes_with_the_day(engine: AnswerEngine) -> None:
    from datetime import date

    day = [date(2026, 1, 1)]
    service = ConversationService(engine, today=lambda: day[0])
    first = await service.handle(Message(text="surprise me", conversation="c", user_id="u"))
    assert first.source_line == "Source: AFP, January 2025" and first.fact_ids
    assert first.answer is not None and first.answer.sources[0].publisher == "AFP"
    day[0] = date(2026, 1, 2)
    second = await service.handle(Message(text="surprise me", conversation="c", user_id="u"))
    assert second.fact_ids != first.fact_ids
    source = await service.handle(Message(text="where is that from?", conversation="c", user_id="u"))
    assert source.fact_ids == second.fact_ids and "AFP" in source.body


@pytest.mark.parametrize(("text", "expected"), [
    ("hi, how much is Meta spending?", "60 to 65 billion"),
    ("Hello! What is Stargate?", "500 billion"),
    ("bonjour, combien Meta investit-il dans l'IA ?", "60 à 65 milliards"),
    ("Salut ! C'est quoi Stargate ?", "500 milliards"),
])
async def test_a_question_that_starts_with_a_greeting_is_answered(engine: AnswerEngine, text: str,
                                                                   expected: str) -> None:
    reply = await ConversationService(engine).handle(Message(text=text, conversation="c", user_id="u"))
    assert reply.kind is ReplyKind.ANSWER and expected in reply.body


@pytest.mark.parametrize("text", ["show me a chart", "graph of AI spending", "graphique des investissements",
                                  "Can you plot the investments?", "un diagramme des dépenses", "bar chart please"])
async def test_chart_requests_fall_back_to_the_text_ranking(engine: AnswerEngine, text: str) -> None:
    reply = await ConversationService(engine).handle(Message(text=text, conversation="c", user_id="u"))
    assert reply.kind is ReplyKind.CHART and reply.chart is None
    assert "Stargate" in reply.body and reply.contract()["intent"] == "chart"


async def test_a_chart_maker_draws_the_chart(engine: AnswerEngine) -> None:
    class Drawn:
        png = b"\x89PNG fake"
        alt_text = "Bar chart: Stargate 500, Microsoft 80, Meta 60-65 (billion dollars)"

    asked: list[str] = []

    async def draw(base: FactBase, lang: Lang) -> Drawn:
        asked.append(lang)
        return Drawn()

    service = ConversationService(engine, chart_maker=draw)
    reply = await service.handle(Message(text="graphique des investissements", conversation="c", user_id="u"))
    assert reply.kind is ReplyKind.CHART and reply.chart is not None and reply.chart.png.startswith(b"\x89PNG")
    assert asked == ["fr"] and reply.body == Drawn.alt_text


def test_the_shipped_file_loads() -> None:
    data = load_smalltalk()
    assert all(data.kinds[kind].wordings.en and data.kinds[kind].wordings.fr for kind in SmallTalkKind)


@pytest.mark.parametrize(("change", "named"), [
    (lambda d: d["kinds"]["thanks"]["wordings"].pop("fr"), "kinds.thanks.wordings.fr"),
    (lambda d: d["kinds"].pop("goodbye"), "missing kind goodbye"),
    (lambda d: d["kinds"]["greeting"]["replies"].update(en="Hello {nmae}"), "unknown blank {nmae}"),
    (lambda d: d["kinds"]["greeting"].update(wordz=["hi"]), "wordz"),
    (lambda d: d["charts"].update(en=[]), "charts.en"),
])
def test_a_broken_file_is_refused_naming_the_problem(tmp_path: Path, change: object, named: str) -> None:
    data = yaml.safe_load(DEFAULT_SMALLTALK.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    broken = tmp_path / "smalltalk.yaml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FactBaseError, match=named.replace("{", r"\{").replace("}", r"\}")):
        load_smalltalk(broken)


async def test_whats_new_lists_the_facts_added_last_with_the_date(engine: AnswerEngine) -> None:
    newest = max(f.added for f in engine.base.facts)
    reply = await ConversationService(engine).handle(Message(text="what's new?", conversation="c", user_id="u"))
    added = [engine.base.fact(i).added for i in reply.fact_ids]
    assert added and added[0] == newest and added == sorted(added, reverse=True) and len(added) <= 5
    assert f"(added {newest.day} " in reply.body and reply.source_line == "Source: AFP, January 2025"
    french = await ConversationService(engine).handle(Message(text="quoi de neuf ?", conversation="c", user_id="u"))
    assert "(ajoutés le " in french.body and french.fact_ids == reply.fact_ids


async def test_an_answer_from_an_old_fact_says_when_it_was_true(engine: AnswerEngine) -> None:
    from datetime import date

    day = [date(2025, 6, 1)]
    service = ConversationService(engine, stale_after_months=12, today=lambda: day[0])
    ask = Message(text="How much is Meta investing in AI?", conversation="c", user_id="u")
    fresh = await service.handle(ask)
    assert fresh.kind is ReplyKind.ANSWER and not fresh.body.startswith("As of")
    day[0] = date(2026, 2, 1)  # January 2025 + 12 months has passed
    old = await service.handle(ask)
    assert old.body.startswith("As of January 2025: Meta") and old.answer is not None
    assert old.answer.answer is not None and old.answer.answer.startswith("As of January 2025: ")
    french = await service.handle(Message(text="Combien Meta investit-il dans l'IA ?", conversation="f", user_id="u"))
    assert french.body.startswith("En date de janvier 2025 : Meta")
