"""Everyday chat through the conversation service, in both languages: at least twenty
wordings of each kind people type (written here, with their capitals, typos and chat
spellings, not read from the data file), small talk around a question, French chat
spelling, numbered lines, "last year", follow-ups after an abstention, and a reference
with no earlier question."""

from __future__ import annotations

import pytest

from bot.answering import AnswerEngine
from bot.conversation import ConversationService, Message, Reply, ReplyKind
from bot.language import Lang

DONT_KNOW = ("I don't know", "Je ne sais pas", "not sure", "pas sûr")

CHAT: dict[tuple[str, Lang], list[str]] = {
    ("acknowledgement", "en"): ["ok", "OK.", "okay!", "ok cool", "Cool.", "got it", "Gotcha", "i see", "makes sense",
                                "ok that makes sense", "Understood.", "noted", "fair enough", "alright", "sure",
                                "ok ok", "okk", "kk", "sounds good", "good to know", "oh ok", "yep"],
    ("acknowledgement", "fr"): ["d'accord", "D'accord !", "ok d'accord", "dac", "ça marche", "entendu", "compris",
                                "je vois", "ah d'accord", "ok je vois", "noté", "pigé", "c'est noté", "parfait",
                                "très bien", "super", "bon à savoir", "effectivement", "ouais", "ok ça marche",
                                "carrément"],
    ("laughter", "en"): ["lol", "LOL", "lmao", "haha", "hahaha", "hahahaha!", "hehe", "rofl", "lmfao", "loool",
                         "lol ok", "haha nice", "haha true", "that's funny", "so funny", "xD", "ha ha", "lolz",
                         "haha ok", "lol nice", "ahahah"],
    ("laughter", "fr"): ["mdr", "MDR", "mdrrr", "ptdr", "mdr ok", "ok mdr", "jpp", "c'est drôle", "trop drôle",
                         "marrant", "c'est marrant", "mort de rire", "ptdrr", "mdrr", "je suis mort", "mdr !!",
                         "héhé", "mdrrrrr", "trop marrant", "ptdr ok"],
    ("thanks", "en"): ["thanks bot", "thanks mate", "thank you aibot", "thx man", "thanks dude", "thanks again",
                       "ty bot", "thanks a lot bro", "cheers mate", "thanks buddy", "many thanks folks",
                       "thanks so much bot", "thank you so much mate", "thx a lot", "thanks for that",
                       "thanks for the help", "appreciate it man", "thanks everyone", "great thanks bot",
                       "Thanks, bot!", "thanks !!"],
    ("thanks", "fr"): ["merci beaucoup", "merci le bot", "merci bien", "merci mon pote", "merci chef", "merci encore",
                       "merci beaucoup le bot", "merci à toi", "merci pour l'info", "merci pour la réponse",
                       "mille mercis", "merci infiniment", "super merci", "ok merci", "top merci", "merci bcp",
                       "merciii", "merci aibot", "grand merci", "nickel merci", "merci hein"],
    ("identity", "en"): ["wat can u do", "what can u do?", "wut can u do", "what do u do", "what r u", "who r u",
                         "what r u for", "wat r u for", "what can i ask u", "what do u know", "what r u able to do",
                         "wat are u good for", "what are u good for", "what's this bot for", "whats this bot for",
                         "what is this thing", "how do u work", "what r ur capabilities", "what can you do??",
                         "wat do u do", "who r u bot"],
    ("identity", "fr"): ["tu sers a quoi", "tu sers à quoi ?", "a quoi tu sers", "tu fais koi", "tu fais quoi ?",
                         "t'es qui", "t ki", "c koi ce bot", "c quoi ce bot", "ça sert à quoi", "tu sais faire quoi",
                         "tu connais quoi", "qu'est-ce que tu sais faire", "keske tu sais faire",
                         "je peux te demander quoi", "tu réponds à quoi", "tu es quoi", "que sais-tu faire",
                         "kesk tu sais faire", "tu sais faire koi", "c koi ce truc"],
    ("wellbeing", "en"): ["how are you?", "How r u", "how r u doing", "hru", "how you doing?", "how's it going",
                          "hows it going", "how ya doing", "how are things", "you ok?", "you good?", "you alright?",
                          "how's life", "all good?", "how is your day", "how have you been", "hi, how are you?",
                          "hey how r u", "how are u", "how is it going bot", "how've you been"],
    ("wellbeing", "fr"): ["ça va ?", "ca va", "ça va bien ?", "comment ça va", "comment ca va ?", "comment vas-tu ?",
                          "tu vas bien ?", "vous allez bien ?", "cv ?", "sa va", "cava", "la forme ?",
                          "t'es en forme ?", "bien ou quoi", "ça va toi ?", "comment tu vas", "salut, ça va ?",
                          "bonjour ça va", "ça va le bot ?", "comment allez-vous ?", "quoi de beau ?"],
    ("insult", "en"): ["you're useless", "ur useless", "u suck", "you suck", "this bot sucks", "stupid bot",
                       "dumb bot", "you're dumb", "you are so stupid", "useless", "bad bot", "you're an idiot",
                       "what a useless bot", "garbage", "you're trash", "you're wrong", "that's wrong", "not helpful",
                       "you're no help", "lame", "you're kinda useless tbh", "so bad"],
    ("insult", "fr"): ["t'es nul", "tu es nul", "t nul", "t'es trop nul", "nul", "bot nul", "ce bot est nul",
                       "t'es inutile", "tu sers à rien", "ça sert à rien", "t'es con", "t'es bête", "débile", "crétin",
                       "n'importe quoi", "tu dis n'importe quoi", "c'est faux", "pas terrible", "t'es naze", "pourri",
                       "t'es à la ramasse", "nul à chier"],
}


async def ask(service: ConversationService, text: str, key: str = "c", user: str = "u") -> Reply:
    return await service.handle(Message(text=text, conversation=key, user_id=user))


def test_twenty_wordings_of_each_kind_and_language() -> None:
    assert all(len(set(wordings)) >= 20 for wordings in CHAT.values())


@pytest.mark.parametrize(("kind", "lang"), sorted(CHAT))
async def test_everyday_chat_gets_a_reply_of_its_kind_in_the_askers_language(engine: AnswerEngine, kind: str,
                                                                            lang: Lang) -> None:
    service = ConversationService(engine)
    kind_reply = service.phrasebook.data.kinds
    wrong = []
    for number, text in enumerate(CHAT[kind, lang]):
        reply = await ask(service, text, key=f"{kind}-{number}")
        said = service.phrasebook.smalltalk(text)
        if (reply.kind is not ReplyKind.SMALLTALK or reply.lang != lang or said is None or said.kind != kind
                or any(phrase in reply.text for phrase in DONT_KNOW)):
            wrong.append((text, reply.kind.value, reply.lang, said, reply.text[:60]))
        elif kind != "identity":  # identity has its own reply; the others say theirs
            from knowledge.smalltalk import SmallTalkKind

            assert reply.body.split(" ")[0] == kind_reply[SmallTalkKind(kind)].replies.in_lang(lang).split(" ")[0]
        assert reply.contract()["intent"] == "smalltalk" and reply.contract()["matched"] is False
    assert not wrong, wrong


@pytest.mark.parametrize(("question", "around", "expected"), [
    ("How much is Microsoft spending on data centers?", ["ok cool. {q}", "{q} thanks!", "lol ok, {q}", "thx! {q}",
                                                         "ok that makes sense, thanks. {q}", "{q} ok thanks in advance",
                                                         "hey bot {q} appreciate it",
                                                         "alright, that makes sense, thanks a lot. other question "
                                                         "though: {q}", "{q} ok thanks in advance, really appreciate it",
                                                         "lol ok, different topic: {q}"], "80 billion"),
    ("C'est quoi Stargate ?", ["mdr ok, {q}", "merci ! {q}", "{q} merci d'avance", "d'accord. {q}",
                               "ok je vois, {q}", "salut ! {q} merci",
                               "ah d'accord, merci beaucoup. autre chose du coup : {q}",
                               "{q} merci d'avance, bonne journée à toi"], "500 milliards"),
])
async def test_small_talk_around_a_question_does_not_change_the_answer(engine: AnswerEngine, question: str,
                                                                        around: list[str], expected: str) -> None:
    service = ConversationService(engine)
    plain = await ask(service, question, key="plain")
    assert plain.kind is ReplyKind.ANSWER and expected in plain.body
    for number, template in enumerate(around):
        reply = await ask(service, template.format(q=question), key=f"around-{number}")
        assert reply.kind is ReplyKind.ANSWER and reply.fact_ids == plain.fact_ids, template
        assert reply.lang == plain.lang, template


@pytest.mark.parametrize(("text", "expected"), [
    ("cb microsoft depense ds les datacenters", "80 milliards"),
    ("c koi stargate", "500 milliards"),
    ("c ki le patron de microsoft", "Nadella"),
    ("slt, cb meta investi ds l ia cette annee", "60 à 65 milliards"),
    ("et microsoft il depense cb ?", "80 milliards"),
])
async def test_french_chat_spelling_is_answered_in_french(engine: AnswerEngine, text: str, expected: str) -> None:
    reply = await ask(ConversationService(engine), text)
    assert reply.kind is ReplyKind.ANSWER and reply.lang == "fr" and expected in reply.body, reply.text


@pytest.mark.parametrize("marker", ["1) ", "2. ", "- ", "• ", "* ", "a) ", "(3) ", "> "])
@pytest.mark.parametrize("question", ["What is Stargate?", "combien Microsoft va-t-il dépenser ?"])
async def test_numbered_and_bulleted_lines_read_like_plain_ones(engine: AnswerEngine, marker: str,
                                                                question: str) -> None:
    service = ConversationService(engine)
    plain = await ask(service, question, key="plain")
    listed = await ask(service, marker + question, key="listed")
    assert plain.kind is ReplyKind.ANSWER and listed.fact_ids == plain.fact_ids and listed.lang == plain.lang


@pytest.mark.parametrize(("text", "expected"), [
    ("How much did Meta spend on AI last year?", "That puts 2024 at roughly 40 to 43 billion"),
    ("what did meta spend the previous year", "That puts 2024 at roughly 40 to 43 billion"),
    ("Combien Meta a-t-il investi l'an dernier ?", "Cela situe 2024 autour de 40 à 43 milliards"),
    ("meta budget ia l'année dernière", "Cela situe 2024 autour de 40 à 43 milliards"),
])
async def test_last_year_is_the_year_before_the_newest_facts(engine: AnswerEngine, text: str, expected: str) -> None:
    service = ConversationService(engine)
    assert service.newest_year() == 2025
    reply = await ask(service, text)
    assert reply.kind is ReplyKind.ANSWER and expected in reply.body, reply.text


@pytest.mark.parametrize(("lines", "expected"), [
    (["how much is Acme investing in AI?", "and Meta?"], "60 to 65 billion"),
    (["What is Zorblax's AI budget?", "and Microsoft's?"], "80 billion"),
    (["combien Acme investit dans l'IA ?", "et Meta ?"], "60 à 65 milliards"),
    (["How much is Microsoft spending on data centers?", "what about Acme?", "who runs it?"], "Nadella"),
    (["Combien Microsoft va-t-il dépenser cette année ?", "et Acme ?", "qui le dirige ?"], "Nadella"),
])
async def test_a_follow_up_after_an_abstention(engine: AnswerEngine, lines: list[str], expected: str) -> None:
    service = ConversationService(engine)
    replies = [await ask(service, line) for line in lines]
    assert replies[-2].kind is ReplyKind.ABSTAIN
    assert replies[-1].kind is ReplyKind.ANSWER and expected in replies[-1].body, replies[-1].text


@pytest.mark.parametrize(("text", "lang", "word"), [
    ("when did it start?", "en", "it"),
    ("is that more than Google's?", "en", "that"),
    ("how big is it?", "en", "it"),
    ("who runs it", "en", "it"),
    ("et ça a commencé quand ?", "fr", "ça"),
    ("ça a coûté combien ?", "fr", "ça"),
    ("qui le dirige son patron ?", "fr", "son"),
])
async def test_a_reference_with_no_earlier_question_is_asked_about(engine: AnswerEngine, text: str, lang: Lang,
                                                                   word: str) -> None:
    reply = await ask(ConversationService(engine), text)
    assert reply.kind is ReplyKind.ABSTAIN and reply.lang == lang and not reply.fact_ids
    assert f"“{word}”" in reply.body or f"« {word} »" in reply.body, reply.body


@pytest.mark.parametrize(("first", "then", "expected"), [
    ("What is Stargate?", "who presented it?", "Trump"),
    ("Combien Microsoft va-t-il dépenser cette année ?", "qui le dirige ?", "Nadella"),
])
async def test_the_same_reference_after_a_question_is_a_follow_up(engine: AnswerEngine, first: str, then: str,
                                                                   expected: str) -> None:
    service = ConversationService(engine)
    await ask(service, first)
    reply = await ask(service, then)
    assert reply.kind is ReplyKind.ANSWER and expected in reply.body


@pytest.mark.parametrize("text", [
    "Les serveurs IA consomment-ils beaucoup d'énergie ?",  # an inversion is no reference
    "les puces ia ça consomme beaucoup ?",  # "ça" repeats the noun before it
    "Why are AI servers so expensive?",
    "why do they keep spending so much?",  # "they": the big companies in general
])
async def test_questions_that_stand_alone_are_not_asked_about(engine: AnswerEngine, text: str) -> None:
    reply = await ask(ConversationService(engine), text)
    assert "refer" not in reply.body and "référence" not in reply.body


@pytest.mark.parametrize(("question", "asks"), [
    ("Combien Meta investit-il ?", ["c'est quoi ta source ?", "t'as une source ?", "source ?", "ça vient d'où ?",
                                     "ok merci, la source ?"]),
    ("How much is Meta investing?", ["source?", "got a source?", "where did you read that?", "ok thanks, source?"]),
])
async def test_asking_for_the_source_in_either_language(engine: AnswerEngine, question: str, asks: list[str]) -> None:
    service = ConversationService(engine)
    for number, text in enumerate(asks):
        first = await ask(service, question, key=f"s{number}")
        reply = await ask(service, text, key=f"s{number}")
        assert reply.kind is ReplyKind.ANSWER and reply.fact_ids == first.fact_ids and reply.lang == first.lang, text
        assert "AFP" in reply.body


@pytest.mark.parametrize(("text", "lang", "expected"), [
    ("what do you know about Meta?", "en", "60 to 65 billion"),
    ("tell me about Stargate", "en", "500 billion"),
    ("que sais-tu de Meta ?", "fr", "60 à 65 milliards"),
    ("tu sais quoi sur Microsoft ?", "fr", "80 milliards"),
    ("parle-moi de Stargate", "fr", "500 milliards"),
])
async def test_what_do_you_know_about_a_name_lists_its_facts(engine: AnswerEngine, text: str, lang: Lang,
                                                              expected: str) -> None:
    service = ConversationService(engine)
    reply = await ask(service, text)
    assert reply.kind is ReplyKind.ANSWER and reply.lang == lang and expected in reply.body and reply.facts
    more = await ask(service, "source ?")
    assert more.fact_ids == reply.fact_ids


async def test_what_do_you_know_about_an_unknown_name_is_no_listing(engine: AnswerEngine) -> None:
    reply = await ask(ConversationService(engine), "what do you know about Acme?")
    assert reply.kind is ReplyKind.ABSTAIN and not reply.fact_ids
