"""The real discord.py client against the fake Discord: chat, slash commands, buttons, digests."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.answering import AnswerEngine
from bot.digest.model import CommandContext, CommandReply, Digest, DigestItem, PostError
from bot.language import Lang
from bot.platforms import Services
from bot.runtime import open_services
from bot.settings import SettingsError, load_settings
from knowledge.models import FactBase
from tests.clocks import JumpClock
from tests.discord.conftest import StartBot
from tests.discord.fake import (
    CHANNEL_ID,
    DM_CHANNEL_ID,
    MESSAGE_CONTENT,
    OTHER_CHANNEL_ID,
    OTHER_GUILD_ID,
    FakeDiscord,
    user,
)

META_EN = "how much is Meta investing in AI?"
META_FR = "Combien Meta investit-il dans l'IA ?"
UNCLEAR = "investment"


def mentions_off(body: dict[str, Any]) -> bool:
    """Nothing may ping: no parsed kinds, no listed users or roles, no reply ping."""
    allowed = body.get("allowed_mentions")
    return allowed is not None and allowed.get("parse") == [] and not allowed.get("users") \
        and not allowed.get("roles") and not allowed.get("replied_user")


def description(body: dict[str, Any]) -> str:
    return "\n".join(e.get("description", "") for e in body.get("embeds") or [])


def buttons(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for row in body.get("components") or [] for c in row.get("components", [])]


async def answered(fake: FakeDiscord, count: int, channel_id: int = CHANNEL_ID) -> Any:
    return await fake.wait_for(lambda: len(fake.channel_posts(channel_id)) >= count and fake.channel_posts(channel_id))


# -- chat --------------------------------------------------------------------------------


async def test_mention_about_meta_gets_exactly_one_reply_naming_60_to_65_billion(
    fake: FakeDiscord, start_bot: StartBot,
) -> None:
    await start_bot()
    asked = await fake.say(META_EN, mention_bot=True)
    [reply] = await answered(fake, 1)
    # a second human question is answered too: by then a duplicate of the first would have been sent
    await fake.say("What is Stargate?", mention_bot=True, author=user(4001, name="bob"))
    posts = await answered(fake, 2)
    replies_to_first = [p for p in posts if p.body["message_reference"]["message_id"] == int(asked["id"])]
    assert len(replies_to_first) == 1
    assert "60 to 65 billion" in description(reply.body)
    assert reply.body["embeds"][0]["footer"]["text"] == "Source: AFP, January 2025"
    assert mentions_off(reply.body)


async def test_everyone_in_a_question_is_answered_with_every_mention_disabled(
    fake: FakeDiscord, start_bot: StartBot,
) -> None:
    await start_bot()
    await fake.say("@everyone @here " + META_EN, mention_bot=True)
    [reply] = await answered(fake, 1)
    assert reply.body["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert "@everyone" not in (reply.body.get("content") or "")
    assert "60 to 65 billion" in description(reply.body)


async def test_messages_from_bots_and_unaddressed_messages_are_ignored(fake: FakeDiscord, start_bot: StartBot) -> None:
    await start_bot()
    await fake.say(META_EN, mention_bot=True, author=user(4100, name="otherbot", bot=True))
    await fake.say(META_EN)  # no mention, in a server: not for us
    human = await fake.say("What is Stargate?", mention_bot=True)
    [reply] = await answered(fake, 1)
    assert reply.body["message_reference"]["message_id"] == int(human["id"])
    # a later question, answered: by then a reply to the bot's or the unaddressed message would have come
    sentinel = await fake.say(META_EN, mention_bot=True, author=user(4001, name="bob"))
    posts = await answered(fake, 2)
    assert [p.body["message_reference"]["message_id"] for p in posts] == [int(human["id"]), int(sentinel["id"])]


async def test_a_dm_is_answered_without_a_mention(fake: FakeDiscord, start_bot: StartBot) -> None:
    await start_bot()
    await fake.say(META_FR, dm=True)
    [reply] = await answered(fake, 1, DM_CHANNEL_ID)
    assert "60 à 65 milliards" in description(reply.body)


async def test_cooldown_says_slow_down_once_then_stays_silent(fake: FakeDiscord, start_bot: StartBot) -> None:
    await start_bot(rate_limit_count=2, rate_limit_seconds=60)
    for _ in range(4):
        await fake.say(META_EN, mention_bot=True)
    await fake.say(META_EN, mention_bot=True, author=user(4001, name="bob"))
    await answered(fake, 4)
    # a later question, answered: by then anything alice's dropped 4th could have caused would have come
    await fake.say("What is Stargate?", mention_bot=True, author=user(4002, name="carol"))
    await fake.wait_for(lambda: any("Stargate" in description(p.body) for p in fake.channel_posts()))
    posts = fake.channel_posts()
    # alice: 2 answers + 1 "slow down"; her 4th is dropped; bob: 1 answer; carol: 1 answer
    assert len(posts) == 5
    slow = [p for p in posts if "asking faster" in (p.body.get("content") or "")]
    assert len(slow) == 1
    assert mentions_off(slow[0].body)


async def test_unclear_question_offers_buttons_that_are_disabled_on_timeout(
    fake: FakeDiscord, start_bot: StartBot,
) -> None:
    await start_bot(platform_options={"view_timeout": 0.3})
    await fake.say(UNCLEAR, mention_bot=True)
    [reply] = await answered(fake, 1)
    offered = buttons(reply.body)
    assert 1 <= len(offered) <= 5
    assert all(not b.get("disabled") for b in offered)
    assert "Did you mean" in description(reply.body)
    edits = await fake.wait_for(lambda: fake.calls("PATCH", r"/channels/3000/messages/\d+"))
    assert all(b["disabled"] for b in buttons(edits[0].body))
    assert mentions_off(edits[0].body)


# -- slash commands -------------------------------------------------------------------------


async def test_slash_ask_in_french_gets_a_french_answer_through_the_callback(
    fake: FakeDiscord, start_bot: StartBot,
) -> None:
    await start_bot()
    interaction = await fake.slash("ask", [{"name": "question", "type": 3, "value": META_FR}])
    [callback] = await fake.wait_for(lambda: fake.callbacks(interaction))
    assert callback.query["with_response"] == "1"
    assert callback.body["type"] == 4  # answered at once, no defer needed
    data = callback.body["data"]
    assert "60 à 65 milliards de dollars" in description(data)
    assert data["embeds"][0]["footer"]["text"] == "Source : AFP, janvier 2025"
    assert mentions_off(data)


class SlowUnansweredLog:
    """An unanswered-questions store that takes its time, like a busy database: it writes only
    once the test lets it (``release``), so the answer is late for as long as the test needs."""

    def __init__(self) -> None:
        self.recorded: list[str] = []
        self.release = asyncio.Event()

    async def record(self, text: str, lang: Lang, score: float, when: datetime, *, tenant: str = "console") -> None:
        await self.release.wait()
        self.recorded.append(text)


async def test_slash_ask_is_deferred_when_the_answer_may_be_late(
    fake: FakeDiscord, start_bot: StartBot, fact_base: FactBase,
) -> None:
    log = SlowUnansweredLog()
    settings = load_settings(discord_token="t", discord_api_url=fake.api_url, discord_gateway_url=fake.gateway_url)
    services = Services(settings=settings, engine=AnswerEngine(fact_base, unanswered=log))
    await start_bot(services=services, platform_options={"defer_after": 0.05})
    interaction = await fake.slash("ask", [{"name": "question", "type": 3, "value": UNCLEAR}])
    [callback] = await fake.wait_for(lambda: fake.callbacks(interaction))
    assert callback.body["type"] == 5  # "thinking..." first
    log.release.set()
    [followup] = await fake.wait_for(lambda: fake.calls("POST", f"/webhooks/1000/token-{interaction}"))
    assert "Did you mean" in description(followup.body) and buttons(followup.body)
    assert log.recorded == [UNCLEAR]
    assert mentions_off(followup.body)


@pytest.mark.parametrize("typed", ["", "meta", "a", "combien", "zzzz"])
async def test_ask_autocomplete_returns_at_most_25_choices_within_limits(
    fake: FakeDiscord, start_bot: StartBot, typed: str,
) -> None:
    await start_bot()
    interaction = await fake.autocomplete("ask", [{"name": "question", "type": 3, "value": typed, "focused": True}])
    [callback] = await fake.wait_for(lambda: fake.callbacks(interaction))
    assert callback.body["type"] == 8
    choices = callback.body["data"]["choices"]
    assert len(choices) <= 25
    assert all(0 < len(c["name"]) <= 100 and 0 < len(c["value"]) <= 100 for c in choices)
    if typed in ("", "meta"):
        assert choices, "something to pick before typing, and for a known company"
    if typed == "meta":
        assert any("Meta" in c["name"] for c in choices)


async def test_did_you_mean_press_answers_that_question(fake: FakeDiscord, start_bot: StartBot) -> None:
    await start_bot()
    interaction = await fake.slash("ask", [{"name": "question", "type": 3, "value": UNCLEAR}])
    [callback] = await fake.wait_for(lambda: fake.callbacks(interaction))
    offered = buttons(callback.body["data"])
    assert offered, "an unclear question gets Did you mean buttons"
    message = fake.messages[fake.originals[f"token-{interaction}"]]
    press = await fake.press(message, offered[0]["custom_id"], author=user(4001, name="bob"))
    [answer] = await fake.wait_for(lambda: fake.callbacks(press))
    assert answer.body["type"] == 4
    embed = answer.body["data"]["embeds"][0]
    assert embed["footer"]["text"].startswith("Source")  # a real answer, with its source
    # no "Did you mean" left: only the answer's 👍 / 👎
    assert [b["custom_id"].split(":")[:3] for b in buttons(answer.body["data"])] == [["aibot", "vote", "u"],
                                                                                     ["aibot", "vote", "d"]]


async def test_press_on_a_chat_reply_answers_too(fake: FakeDiscord, start_bot: StartBot) -> None:
    await start_bot()
    await fake.say(UNCLEAR, mention_bot=True)
    [reply] = await answered(fake, 1)
    message = next(m for m in fake.messages.values() if m["author"]["id"] == "1000")
    press = await fake.press(message, buttons(reply.body)[0]["custom_id"])
    [answer] = await fake.wait_for(lambda: fake.callbacks(press))
    assert answer.body["data"]["embeds"][0]["footer"]["text"].startswith("Source")


async def test_facts_lists_what_the_bot_knows_about_one_entity(fake: FakeDiscord, start_bot: StartBot) -> None:
    await start_bot()
    complete = await fake.autocomplete("facts", [{"name": "about", "type": 3, "value": "me", "focused": True}])
    [choices] = await fake.wait_for(lambda: fake.callbacks(complete))
    picked = next(c for c in choices.body["data"]["choices"] if c["name"] == "Meta")
    interaction = await fake.slash("facts", [{"name": "about", "type": 3, "value": picked["value"]}], locale="fr")
    [callback] = await fake.wait_for(lambda: fake.callbacks(interaction))
    embed = callback.body["data"]["embeds"][0]
    assert embed["title"] == "Ce que je sais de Meta"
    assert "60 à 65 milliards" in embed["description"]


async def test_facts_about_an_unknown_name_is_an_ephemeral_message(fake: FakeDiscord, start_bot: StartBot) -> None:
    await start_bot()
    interaction = await fake.slash("facts", [{"name": "about", "type": 3, "value": "@everyone Huawei"}])
    [callback] = await fake.wait_for(lambda: fake.callbacks(interaction))
    data = callback.body["data"]
    assert data["flags"] & 64
    assert "@everyone" not in data["content"]  # escaped, not echoed
    assert "I have no facts about" in data["content"]


async def test_about_and_help(fake: FakeDiscord, start_bot: StartBot) -> None:
    await start_bot()
    about = await fake.slash("about")
    help_ = await fake.slash("help", locale="fr")
    [about_cb] = await fake.wait_for(lambda: fake.callbacks(about))
    [help_cb] = await fake.wait_for(lambda: fake.callbacks(help_))
    text = description(about_cb.body["data"])
    assert text.startswith("aibot ") and " facts about " in text and "AFP" in text
    assert "/ask" in description(help_cb.body["data"]) and "Je réponds" in description(help_cb.body["data"])


# -- settings, intents, shards -------------------------------------------------------------


async def test_identify_asks_only_for_the_needed_intents(fake: FakeDiscord, start_bot: StartBot) -> None:
    await start_bot()
    intents = int(fake.identifies[0]["intents"])
    guilds, guild_messages, dm_messages = 1 << 0, 1 << 9, 1 << 12
    assert intents == guilds | guild_messages | dm_messages | MESSAGE_CONTENT


async def test_without_message_content_slash_commands_still_work(fake: FakeDiscord, start_bot: StartBot) -> None:
    await start_bot(discord_message_content=False)
    assert not int(fake.identifies[0]["intents"]) & MESSAGE_CONTENT
    interaction = await fake.slash("ask", [{"name": "question", "type": 3, "value": META_EN}])
    [callback] = await fake.wait_for(lambda: fake.callbacks(interaction))
    assert "60 to 65 billion" in description(callback.body["data"])


async def test_refused_message_content_intent_ends_with_one_line_saying_what_to_do(
    fake: FakeDiscord, start_bot: StartBot,
) -> None:
    fake.refuse_message_content = True
    platform = await start_bot(wait_ready=False)
    with pytest.raises(SettingsError) as refused:
        await asyncio.wait_for(platform.task, 10)  # type: ignore[attr-defined]
    message = str(refused.value)
    assert "\n" not in message
    assert "Message Content Intent" in message and "DISCORD_MESSAGE_CONTENT=false" in message


async def test_explicit_shards_identify_with_their_ids(fake: FakeDiscord, start_bot: StartBot) -> None:
    platform = await start_bot(discord_shard_count=2, discord_shard_ids="1")
    assert [i["shard"] for i in fake.identifies] == [[1, 2]]
    assert not fake.calls("GET", "/gateway/bot")  # the count was given, nothing to ask
    assert [g.id for g in platform.client.guilds] == [OTHER_GUILD_ID]


async def test_automatic_sharding_asks_discord_for_the_count(fake: FakeDiscord, start_bot: StartBot) -> None:
    # More than one shard would be identified 5 s apart (discord.py honours Discord's identify
    # rate limit), too slow for a unit test; the explicit-shard test covers shard ids.
    platform = await start_bot()
    assert fake.calls("GET", "/gateway/bot")
    assert [i["shard"] for i in fake.identifies] == [[0, 1]]
    assert platform.client.shard_count == 1


# -- digests -------------------------------------------------------------------------------


class RecordingDigests:
    """Stands in for bot.digest.service.DigestService (another module's job) at its interface."""

    def __init__(self, reply: CommandReply | None = None, fail: bool = False) -> None:
        self.calls: list[tuple[CommandContext, list[str]]] = []
        self.reply = reply or CommandReply(text="Digest scheduled: daily 09:00 Europe/Paris.")
        self.fail = fail

    async def handle_command(self, ctx: CommandContext, args: list[str]) -> CommandReply:
        self.calls.append((ctx, args))
        if self.fail:
            raise RuntimeError("store is down")
        return self.reply


def _services(fake: FakeDiscord, engine: Any, digests: Any) -> Services:
    settings = load_settings(discord_token="t", discord_api_url=fake.api_url, discord_gateway_url=fake.gateway_url)
    return Services(settings=settings, engine=engine, digests=digests)


async def test_digest_subscribe_carries_the_words_and_admin_rights(
    fake: FakeDiscord, start_bot: StartBot, engine: Any,
) -> None:
    digests = RecordingDigests()
    await start_bot(services=_services(fake, engine, digests))
    manage_channels = str(1 << 4)
    interaction = await fake.slash("digest", [{"name": "subscribe", "type": 1, "options": [
        {"name": "schedule", "type": 3, "value": "daily 09:00"},
        {"name": "zone", "type": 3, "value": "Europe/Paris"},
        {"name": "language", "type": 3, "value": "fr"}]}], permissions=manage_channels)
    [callback] = await fake.wait_for(lambda: fake.callbacks(interaction))
    ctx, args = digests.calls[0]
    assert args == ["daily", "09:00", "Europe/Paris", "fr"]
    assert ctx.is_admin and ctx.platform == "discord" and ctx.channel_id == str(CHANNEL_ID)
    assert callback.body["data"]["content"] == "Digest scheduled: daily 09:00 Europe/Paris."
    plain = await fake.slash("digest", [{"name": "off", "type": 1, "options": []}], permissions="0")
    [refused] = await fake.wait_for(lambda: fake.callbacks(plain))
    assert refused.body["data"]["content"].startswith("Only people who can manage this server")
    assert len(digests.calls) == 1  # a member who may not manage the server never reaches the service


async def test_digest_report_carries_on_or_off_and_admin_rights(
    fake: FakeDiscord, start_bot: StartBot, engine: Any,
) -> None:
    digests = RecordingDigests(CommandReply(text="Done: this channel's digest now ends with the admins' report."))
    await start_bot(services=_services(fake, engine, digests))
    manage_guild = str(1 << 5)
    on = await fake.slash("digest", [{"name": "report", "type": 1, "options": [
        {"name": "include", "type": 3, "value": "on"}]}], permissions=manage_guild)
    [callback] = await fake.wait_for(lambda: fake.callbacks(on))
    assert digests.calls[0][1] == ["report", "on"] and digests.calls[0][0].is_admin
    assert callback.body["data"]["content"].startswith("Done: this channel's digest now ends")
    off = await fake.slash("digest", [{"name": "report", "type": 1, "options": [
        {"name": "include", "type": 3, "value": "off"}]}], permissions=str(1 << 4))
    await fake.wait_for(lambda: fake.callbacks(off))
    assert digests.calls[1][1] == ["report", "off"] and digests.calls[1][0].is_admin  # Manage Channels will do


async def test_digest_zone_autocomplete(fake: FakeDiscord, start_bot: StartBot, engine: Any) -> None:
    await start_bot(services=_services(fake, engine, RecordingDigests()))
    interaction = await fake.autocomplete("digest", [{"name": "subscribe", "type": 1, "options": [
        {"name": "schedule", "type": 3, "value": "daily 09:00"},
        {"name": "zone", "type": 3, "value": "europe/pa", "focused": True}]}])
    [callback] = await fake.wait_for(lambda: fake.callbacks(interaction))
    assert [c["value"] for c in callback.body["data"]["choices"]] == ["Europe/Paris"]
    by_city = await fake.autocomplete("digest", [{"name": "subscribe", "type": 1, "options": [
        {"name": "schedule", "type": 3, "value": "daily 09:00"},
        {"name": "zone", "type": 3, "value": "", "focused": True}]}])
    [everything] = await fake.wait_for(lambda: fake.callbacks(by_city))
    assert len(everything.body["data"]["choices"]) == 25


async def test_digest_preview_renders_the_digest_privately(fake: FakeDiscord, start_bot: StartBot, engine: Any) -> None:
    digest = Digest(lang="en", title="AI investment digest",
                    headline=[DigestItem("f1", "Meta: 60 to 65 billion dollars in 2025", "AFP, January 2025")])
    await start_bot(services=_services(fake, engine, RecordingDigests(CommandReply(text="Preview:", digest=digest))))
    interaction = await fake.slash("digest", [{"name": "preview", "type": 1, "options": []}],
                                   permissions=str(1 << 5))
    [callback] = await fake.wait_for(lambda: fake.callbacks(interaction))
    data = callback.body["data"]
    assert data["flags"] & 64
    assert data["embeds"][0]["title"] == "AI investment digest"
    assert "**Headline figures**" in data["embeds"][0]["description"]


async def test_a_failing_command_reaches_the_user_as_an_ephemeral_error(
    fake: FakeDiscord, start_bot: StartBot, engine: Any,
) -> None:
    await start_bot(services=_services(fake, engine, RecordingDigests(fail=True)))
    interaction = await fake.slash("digest", [{"name": "show", "type": 1, "options": []}], locale="fr",
                                   permissions=str(1 << 5))
    [callback] = await fake.wait_for(lambda: fake.callbacks(interaction))
    data = callback.body["data"]
    assert data["flags"] & 64
    assert data["content"].startswith("Un problème est survenu")
    # and the bot keeps running
    again = await fake.slash("ask", [{"name": "question", "type": 3, "value": META_EN}])
    await fake.wait_for(lambda: fake.callbacks(again))


async def test_post_digest_posts_an_embed_and_sorts_failures(fake: FakeDiscord, start_bot: StartBot) -> None:
    platform = await start_bot()
    digest = Digest(lang="fr", title="Résumé IA",
                    new_facts=[DigestItem("f1", "Meta prévoit 60 à 65 milliards", "AFP, janvier 2025")])
    await platform.post_digest(None, str(CHANNEL_ID), digest)
    [post] = fake.channel_posts()
    assert post.body["embeds"][0]["title"] == "Résumé IA"
    assert "**Nouveau depuis le dernier résumé**" in post.body["embeds"][0]["description"]
    assert mentions_off(post.body)
    for (status, code), permanent in [((404, 10003), True), ((403, 50013), True), ((403, 50001), True),
                                      ((503, 0), False)]:
        fake.channel_errors[OTHER_CHANNEL_ID] = (status, code)
        with pytest.raises(PostError) as failed:
            await platform.post_digest(None, str(OTHER_CHANNEL_ID), digest)
        assert failed.value.permanent is permanent, (status, code)
    with pytest.raises(PostError) as bad_id:
        await platform.post_digest(None, "C123", digest)
    assert bad_id.value.permanent


async def test_digest_end_to_end_with_the_real_service_and_store(fake: FakeDiscord, start_bot: StartBot) -> None:
    """/digest subscribe through Discord, stored in SQLite, then posted by the real scheduler."""
    settings = load_settings(discord_token="t", discord_api_url=fake.api_url, discord_gateway_url=fake.gateway_url)
    async with open_services(settings) as services:
        assert services.digests is not None
        platform = await start_bot(services=services)
        subscribe = await fake.slash("digest", [{"name": "subscribe", "type": 1, "options": [
            {"name": "schedule", "type": 3, "value": "daily 09:00"},
            {"name": "zone", "type": 3, "value": "Europe/Paris"}]}], permissions=str(1 << 5))
        [callback] = await fake.wait_for(lambda: fake.callbacks(subscribe))
        assert not callback.body["data"].get("flags", 0) & 64, callback.body["data"]["content"]
        refused = await fake.slash("digest", [{"name": "off", "type": 1, "options": []}], permissions="0")
        [refusal] = await fake.wait_for(lambda: fake.callbacks(refused))
        assert refusal.body["data"]["flags"] & 64  # not an admin: told privately
        preview = await fake.slash("digest", [{"name": "preview", "type": 1, "options": []}], permissions=str(1 << 5))
        [shown] = await fake.wait_for(lambda: fake.callbacks(preview))
        assert shown.body["data"]["flags"] & 64 and shown.body["data"]["embeds"][0]["title"]
        assert "\n" not in shown.body["data"]["content"]  # a heading; the digest itself is in the embed

        tomorrow_nine_paris = (datetime.now(UTC) + timedelta(days=1)).astimezone(ZoneInfo("Europe/Paris")).replace(
            hour=9, minute=1, second=0, microsecond=0)
        scheduler = services.digests.scheduler({"discord": platform}, clock=JumpClock(tomorrow_nine_paris))
        assert await scheduler.run_once() == 1
        [posted] = fake.channel_posts(CHANNEL_ID)
        assert posted.body["embeds"][0]["title"] and "**" in posted.body["embeds"][0]["description"]
        assert mentions_off(posted.body)


async def test_slash_cooldown_warns_once_then_acknowledges_silently(fake: FakeDiscord, start_bot: StartBot) -> None:
    await start_bot(rate_limit_count=1, rate_limit_seconds=60)
    first, second, third = [
        await fake.slash("ask", [{"name": "question", "type": 3, "value": META_EN}]) for _ in range(3)]
    [answer] = await fake.wait_for(lambda: fake.callbacks(first))
    [warning] = await fake.wait_for(lambda: fake.callbacks(second))
    [silent] = await fake.wait_for(lambda: fake.callbacks(third))
    assert "60 to 65 billion" in description(answer.body["data"])
    assert warning.body["data"]["flags"] & 64 and "asking faster" in warning.body["data"]["content"]
    assert silent.body["type"] == 5  # acknowledged (Discord requires it), then the placeholder is removed
    await fake.wait_for(lambda: fake.calls("DELETE", f"/webhooks/1000/token-{third}/messages/@original"))
