"""The pure halves of the Discord adapter, without a client: who is answered, what is offered, how it looks."""

from __future__ import annotations

import pytest

from adapters.discord import platform, render, translate
from adapters.discord.translate import IncomingMessage
from bot.answering import AnswerEngine, Question
from bot.conversation import ConversationService, Message, package_version
from bot.conversation.entities import EntityNames, resolve_entity
from bot.digest.model import Digest, DigestItem
from bot.settings import SettingsError, load_settings
from knowledge.models import FactBase

BOT = 1000


def message(content: str, *, author: int = 4000, bot: bool = False, guild: int | None = 2000,
            mentions: frozenset[int] = frozenset(), reply_to: int | None = None,
            reply_to_bot: bool = False) -> IncomingMessage:
    return IncomingMessage(content=content, author_id=author, author_is_bot=bot, channel_id=3000,
                           guild_id=guild, mentioned_ids=mentions, reply_to_id=reply_to, reply_to_bot=reply_to_bot)


# -- translate -------------------------------------------------------------------------------


def test_a_mention_becomes_the_question_without_the_mention() -> None:
    question = translate.message_from(message(f"<@{BOT}> how much is Meta investing?"), BOT)
    assert question == Message(text="how much is Meta investing?", conversation="discord:3000:4000", user_id="4000",
                               channel_id="3000", platform="discord", tenant="2000")


def test_conversation_keys_are_the_channel_and_user_or_the_answer_replied_to() -> None:
    """A reply to the bot's answer continues that answer's conversation; a reply to someone
    else's message is not addressed to the bot unless it mentions it."""
    replying = translate.message_from(message("and Microsoft?", reply_to=777, reply_to_bot=True), BOT)
    assert replying is not None and replying.conversation == translate.answer_key(777)
    assert translate.message_from(message("and Microsoft?", reply_to=778), BOT) is None
    other = translate.message_from(message(f"<@{BOT}> and Microsoft?", author=4001, reply_to=778), BOT)
    assert other is not None and other.conversation == "discord:3000:4001"
    dm = translate.message_from(message("hi", guild=None), BOT)
    assert dm is not None and dm.conversation == "discord:3000:4000"


def test_nickname_mention_and_mentions_of_others_are_handled() -> None:
    question = translate.message_from(message(f"hey <@!{BOT}> what about <@42>?"), BOT)
    assert question is not None and question.text == "hey what about <@42>?"


@pytest.mark.parametrize("incoming", [
    message(f"<@{BOT}> question", bot=True),  # another bot
    message(f"<@{BOT}> question", author=BOT),  # ourselves
    message("how much is Meta investing?"),  # a server message not addressed to us
    message("<@42> how much is Meta investing?"),  # addressed to someone else
])
def test_who_is_not_answered(incoming: IncomingMessage) -> None:
    assert translate.message_from(incoming, BOT) is None


def test_dms_and_mentions_from_the_mentions_list_are_answered() -> None:
    assert translate.message_from(message("hello", guild=None), BOT) is not None
    assert translate.message_from(message("hello", mentions=frozenset({BOT})), BOT) is not None


def test_question_choices_stay_within_discord_limits() -> None:
    long = "How much " + "very " * 40 + "much is Meta investing?"
    choices = translate.question_choices([long, "short", "short", *[f"q{i}" for i in range(40)]])
    assert len(choices) == 25
    assert all(len(name) <= 100 and len(value) <= 100 for name, value in choices)
    assert choices[0][0].endswith("…") and not choices[0][1].endswith("…")
    assert [value for _, value in choices].count("short") == 1


def test_autocomplete_from_the_engine_is_capped(engine: AnswerEngine, fact_base: FactBase) -> None:
    for typed in ("meta", "combien", "a", "investment in data centres"):
        choices = translate.question_choices(engine.suggestions_for(typed, limit=50))
        assert len(choices) <= 25
    assert translate.question_choices(ConversationService(engine).starter_questions("fr"))


def test_entity_choices_prefer_names_starting_with_what_was_typed(fact_base: FactBase) -> None:
    names = EntityNames(fact_base)
    choices = names.choices("me")
    assert choices and choices[0][0] == "Meta"
    assert len(names.choices("")) <= 25
    assert names.choices("zzzz") == []
    assert ("Meta", "meta") in names.choices("face")  # an alias, inside
    assert [entity for _, entity in names.choices("ai")][:1] != []


def test_resolve_entity_by_id_name_or_alias(fact_base: FactBase) -> None:
    meta = resolve_entity(fact_base, "meta")
    assert meta is not None and meta.name == "Meta"
    assert resolve_entity(fact_base, meta.id) == meta
    assert resolve_entity(fact_base, "Huawei") is None
    assert resolve_entity(fact_base, "  ") is None


def test_admins_manage_the_server_or_its_channels() -> None:
    assert translate.is_admin(1 << 5) and translate.is_admin(1 << 4)
    assert not translate.is_admin((1 << 11) | (1 << 10))  # send messages, view channel


def test_digest_args_are_the_words_the_service_parses() -> None:
    assert translate.digest_args("subscribe", "weekly mon 08:30", "Europe/Paris", "fr") == \
        ["weekly", "mon", "08:30", "Europe/Paris", "fr"]
    assert translate.digest_args("subscribe", "daily 09:00") == ["daily", "09:00"]
    assert translate.digest_args("off") == ["off"]


@pytest.mark.parametrize(("status", "code", "permanent"), [
    (404, 10003, True), (403, 50001, True), (403, 50013, True), (400, 50035, True),
    (429, 0, False), (500, 0, False), (503, 0, False),
])
def test_post_errors_are_sorted(status: int, code: int, permanent: bool) -> None:
    error = translate.post_error(status, code, "boom")
    assert error.permanent is permanent
    assert str(code) in error.reason


def test_french_locales() -> None:
    assert translate.lang_for_locale("fr") == "fr"
    assert translate.lang_for_locale("en-GB") == "en"
    assert translate.lang_for_locale(None) == "en"


# -- render ---------------------------------------------------------------------------------


async def test_a_found_answer_has_the_figure_in_the_body_and_the_source_in_the_footer(engine: AnswerEngine) -> None:
    answer = await engine.answer(Question(text="how much is Meta investing in AI?"))
    rendered = render.render_answer(answer)
    data = rendered.embed.to_dict()
    assert "60 to 65 billion" in data["description"]
    assert data["footer"]["text"] == answer.source_line
    assert rendered.suggestions == []


async def test_an_unsure_answer_lists_its_suggestions_and_offers_them_as_buttons(engine: AnswerEngine) -> None:
    answer = await engine.answer(Question(text="quel investissement ?"))
    rendered = render.render_answer(answer)
    assert rendered.suggestions == answer.suggestions[:5] and rendered.suggestions
    description = rendered.embed.to_dict()["description"]
    assert "Vouliez-vous dire" in description
    assert all(s in description for s in rendered.suggestions)


def test_long_texts_are_cut_to_discord_limits() -> None:
    assert len(render.button_label("word " * 50)) == render.MAX_LABEL
    assert render.clip("x" * 5000, render.MAX_DESCRIPTION).endswith("…")
    assert len(render.clip("x" * 5000, render.MAX_DESCRIPTION)) == render.MAX_DESCRIPTION


def test_a_digest_is_one_embed_with_a_heading_per_section() -> None:
    digest = Digest(lang="fr", title="Résumé", headline=[DigestItem("a", "Meta : 60 à 65 milliards", "AFP, janvier 2025")],
                    fact_of_the_day=DigestItem("b", "Stargate : 500 milliards", "AFP, janvier 2025"))
    data = render.render_digest(digest).to_dict()
    assert data["title"] == "Résumé"
    assert data["description"].index("**Chiffres clés**") < data["description"].index("**Le fait du jour**")
    assert "Nouveau" not in data["description"]  # empty sections are left out
    assert "_(AFP, janvier 2025)_" in data["description"]


def test_facts_about_and_help(engine: AnswerEngine, fact_base: FactBase) -> None:
    service = ConversationService(engine)
    facts = [f for f in fact_base.facts if "meta" in f.entities]
    reply = service.facts_about("Meta", "en")
    assert reply.facts is not None
    embed = render.render_facts(reply.facts).to_dict()
    assert embed["title"] == "What I know about Meta" and embed["description"].count("• ") == len(facts)
    about = render.render_reply(service.about("fr")).embed.to_dict()
    assert about["description"].startswith(f"aibot {package_version()} : {len(fact_base.facts)} faits")
    assert "/facts" in render.render_reply(service.help("en")).embed.to_dict()["description"]
    assert service.facts_about("Huawei", "en").facts is None


# -- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("values", "named"), [
    ({}, "DISCORD_TOKEN"),
    ({"discord_token": "two words"}, "DISCORD_TOKEN"),
    ({"discord_token": "t", "discord_shard_ids": "0,1"}, "DISCORD_SHARD_COUNT"),
    ({"discord_token": "t", "discord_shard_ids": "0,2", "discord_shard_count": 2}, "DISCORD_SHARD_IDS"),
    ({"discord_token": "t", "discord_shard_ids": "1,1", "discord_shard_count": 2}, "DISCORD_SHARD_IDS"),
    ({"discord_token": "t", "discord_api_url": "127.0.0.1:5000/api/v10"}, "DISCORD_API_URL"),
    ({"discord_token": "t", "discord_gateway_url": "http://127.0.0.1:5000"}, "DISCORD_GATEWAY_URL"),
])
def test_a_missing_or_malformed_setting_is_named(values: dict[str, object], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        platform.check(load_settings(**values))


def test_good_settings_pass_and_the_factory_is_named_discord() -> None:
    settings = load_settings(discord_token="t", discord_shard_ids="1", discord_shard_count=2,
                             discord_api_url="http://127.0.0.1:1/api/v10", discord_gateway_url="ws://127.0.0.1:1/")
    platform.check(settings)
    assert platform.is_configured(settings) and platform.name == "discord"
    assert not platform.is_configured(load_settings())
