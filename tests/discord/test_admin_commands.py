"""Admin commands on Discord (/digest ..., /reload) from a DM, from a member who may not manage the
server, and from one who may: the real discord.py client against the fake Discord, the real digest
service and store (SQLite and PostgreSQL), and what each command was registered with."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.discord.client import DiscordPlatform
from bot import messages
from bot.answering import AnswerEngine
from bot.conversation import ConversationService
from bot.digest.compose import DigestComposer
from bot.digest.model import CommandContext
from bot.digest.service import DigestService
from bot.feedback import QuestionCount
from bot.language import Lang
from bot.platforms import Services
from bot.reload import Reloader
from bot.settings import load_settings
from bot.store import NewSubscription, Store, UnansweredRow
from knowledge.loader import DEFAULT_DATA_DIR, load_fact_base
from knowledge.models import FactBase
from tests.clocks import JumpClock
from tests.digest import conftest as digest_fixtures
from tests.discord.conftest import StartBot
from tests.discord.fake import CHANNEL_ID, DM_CHANNEL_ID, EVERYONE_PERMISSIONS, GUILD_ID, FakeDiscord
from tests.test_reload import add_acme

# the store on SQLite and on PostgreSQL (a private schema), as the digest tests have it
database = digest_fixtures.database
store = digest_fixtures.store

MANAGE_GUILD = str(1 << 5)
MANAGE_CHANNELS = str(1 << 4)
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
#: an unanswered question someone asked in a server channel: the admins' report quotes it
SECRET = "How much did Initech put into quantum AI?"

#: every admin subcommand, as Discord sends its options
DIGEST_COMMANDS: dict[str, list[dict[str, Any]]] = {
    "subscribe": [{"name": "schedule", "type": 3, "value": "daily 09:00"},
                  {"name": "zone", "type": 3, "value": "Europe/Paris"}],
    "show": [],
    "preview": [],
    "report": [{"name": "include", "type": 3, "value": "on"}],
    "off": [],
}


def digest(sub: str) -> list[dict[str, Any]]:
    return [{"name": sub, "type": 1, "options": DIGEST_COMMANDS[sub]}]


async def reply_to(fake: FakeDiscord, interaction: str) -> dict[str, Any]:
    """What the user saw: the interaction's response, or its follow-up when it was deferred."""
    def shown() -> dict[str, Any] | None:
        bodies = [r.body.get("data") or {} for r in fake.callbacks(interaction)]
        bodies += [r.body or {} for r in fake.requests
                   if r.method in ("POST", "PATCH") and r.path.startswith(f"/webhooks/1000/token-{interaction}")]
        return next((b for b in bodies if b.get("content") or b.get("embeds")), None)

    found: dict[str, Any] = await fake.wait_for(shown)
    return found


@pytest.fixture
async def digests(store: Store, fact_base: FactBase) -> DigestService:
    """A digest service whose store holds an admin channel's digest with the report on, and a
    question people asked that the report quotes."""
    service = DigestService(store, DigestComposer(fact_base), clock=JumpClock(NOW))
    admin = CommandContext(platform="discord", workspace_id=str(GUILD_ID), channel_id=str(CHANNEL_ID), user_id="7",
                           is_admin=True, lang="en")
    assert (await service.handle_command(admin, ["daily", "09:00", "UTC"])).ok
    assert (await service.handle_command(admin, ["report", "on"])).ok
    await store.add_unanswered([UnansweredRow(SECRET, "en", 10.0, NOW - timedelta(hours=5), tenant=str(GUILD_ID))])
    await store.add_question_counts([QuestionCount(NOW.date() - timedelta(days=1), "discord", "en", "unanswered", 1)])
    return service


async def started(fake: FakeDiscord, start_bot: StartBot, engine: AnswerEngine, service: DigestService) -> None:
    settings = load_settings(discord_token="t", discord_api_url=fake.api_url, discord_gateway_url=fake.gateway_url)
    await start_bot(services=Services(settings=settings, engine=engine, digests=service))


async def admin_channel_unchanged(store: Store) -> None:
    kept = await store.subscription_for("discord", str(GUILD_ID), str(CHANNEL_ID))
    assert kept is not None and kept.include_report and kept.schedule_time == "09:00" and kept.tz == "UTC"


@pytest.mark.parametrize("locale,lang", [("en-US", "en"), ("fr", "fr")])
async def test_every_digest_command_from_a_dm_is_refused_and_shows_no_admin_data(
    fake: FakeDiscord, start_bot: StartBot, engine: AnswerEngine, digests: DigestService, store: Store,
    locale: str, lang: Lang,
) -> None:
    await started(fake, start_bot, engine, digests)
    for sub in DIGEST_COMMANDS:
        # a DM carries no member permissions; Discord would send "all" for nobody, but the bot must not care
        interaction = await fake.slash("digest", digest(sub), dm=True, locale=locale, permissions=MANAGE_GUILD)
        shown = await reply_to(fake, interaction)
        assert shown["content"] == messages.text("discord_admin_dm", lang), sub
        assert shown["flags"] & 64 and not shown.get("embeds"), sub
        assert SECRET not in json.dumps(shown) and "For admins" not in json.dumps(shown), sub
    assert await store.subscription_for("discord", None, str(DM_CHANNEL_ID)) is None
    await admin_channel_unchanged(store)


async def test_every_digest_command_from_a_member_who_cannot_manage_the_server_is_refused(
    fake: FakeDiscord, start_bot: StartBot, engine: AnswerEngine, digests: DigestService, store: Store,
) -> None:
    await started(fake, start_bot, engine, digests)
    for sub in DIGEST_COMMANDS:
        interaction = await fake.slash("digest", digest(sub), permissions=EVERYONE_PERMISSIONS)
        shown = await reply_to(fake, interaction)
        assert shown["content"] == messages.text("discord_admin_only", "en"), sub
        assert shown["flags"] & 64 and not shown.get("embeds"), sub
        assert SECRET not in json.dumps(shown), sub
    await admin_channel_unchanged(store)  # neither re-subscribed nor turned off


async def test_a_server_manager_runs_every_digest_command_and_alone_sees_the_report(
    fake: FakeDiscord, start_bot: StartBot, engine: AnswerEngine, digests: DigestService, store: Store,
) -> None:
    await started(fake, start_bot, engine, digests)
    preview = await reply_to(fake, await fake.slash("digest", digest("preview"), permissions=MANAGE_GUILD))
    assert preview["flags"] & 64 and SECRET in json.dumps(preview["embeds"])  # the leak the others must not get
    assert "For admins: how the bot did" in preview["embeds"][0]["description"]
    shown = await reply_to(fake, await fake.slash("digest", digest("show"), permissions=MANAGE_CHANNELS))
    assert shown["content"].startswith("This channel gets the digest every day at 09:00 (UTC)")
    subscribed = await reply_to(fake, await fake.slash("digest", digest("subscribe"), permissions=MANAGE_GUILD))
    assert subscribed["content"].startswith("Done: this channel will get the digest every day at 09:00 (Europe/Paris)")
    report = await reply_to(fake, await fake.slash("digest", digest("report"), permissions=MANAGE_GUILD))
    assert report["content"].startswith("Done: this channel's digest now ends with the admins' report")
    off = await reply_to(fake, await fake.slash("digest", digest("off"), permissions=MANAGE_CHANNELS))
    assert off["content"].startswith("Done") and await store.subscription_for(
        "discord", str(GUILD_ID), str(CHANNEL_ID)) is None


async def test_reload_from_a_dm_or_a_member_is_refused_and_a_server_manager_reloads(
    fake: FakeDiscord, start_bot: StartBot, tmp_path: Path,
) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_DATA_DIR, knowledge)
    settings = load_settings(discord_token="t", discord_api_url=fake.api_url, discord_gateway_url=fake.gateway_url,
                             knowledge_dir=str(knowledge))
    engine = AnswerEngine(load_fact_base(knowledge))
    conversation = ConversationService.from_settings(engine, settings)
    services = Services(settings=settings, engine=engine, conversation=conversation)
    services.reloader = Reloader(knowledge, AnswerEngine, conversation.use_engine)
    await start_bot(services=services)
    add_acme(knowledge)

    in_dm = await reply_to(fake, await fake.slash("reload", dm=True, locale="fr", permissions=MANAGE_GUILD))
    assert in_dm["content"] == messages.text("discord_admin_dm", "fr") and in_dm["flags"] & 64
    member = await reply_to(fake, await fake.slash("reload", permissions=EVERYONE_PERMISSIONS))
    assert member["content"] == messages.text("discord_admin_only", "en") and member["flags"] & 64
    assert conversation.engine is engine

    done = await reply_to(fake, await fake.slash("reload", permissions=MANAGE_CHANNELS))
    assert done["content"].startswith("Reloaded") and done["flags"] & 64
    assert conversation.engine is not engine


async def test_admin_commands_are_registered_guild_only_for_server_managers(
    fake: FakeDiscord, engine: AnswerEngine,
) -> None:
    settings = load_settings(discord_token="t", discord_api_url=fake.api_url, discord_gateway_url=fake.gateway_url)
    platform = DiscordPlatform(Services(settings=settings, engine=engine))
    await platform.sync_commands()
    [put] = fake.calls("PUT", "/applications/1000/commands")
    registered = {c["name"]: c for c in put.body}
    for name in ("digest", "reload"):
        assert registered[name]["dm_permission"] is False, name
        assert registered[name]["contexts"] == [0], name  # guild only
        assert int(registered[name]["default_member_permissions"]) == 1 << 5, name  # Manage Server
    for name in ("ask", "facts", "about", "help", "chart"):
        assert registered[name]["dm_permission"] is True, name
        assert registered[name]["default_member_permissions"] is None, name


async def test_the_core_never_treats_a_dm_as_an_admin_and_strips_the_report_for_members(
    digests: DigestService, store: Store,
) -> None:
    """Behind the adapter's gate: a context without a server is refused whatever it claims, and a
    preview asked by someone who is not an admin leaves the admins' report out."""
    for verb in (["daily", "09:00"], ["report", "on"], ["preview"], ["show"], ["off"]):
        claimed = CommandContext(platform="discord", workspace_id=None, channel_id=str(DM_CHANNEL_ID), user_id="9",
                                 is_admin=True, lang="fr")
        refused = await digests.handle_command(claimed, verb)
        assert not refused.ok and refused.digest is None and refused.text == messages.text("digest_not_in_dm", "fr")
    assert await store.subscription_for("discord", None, str(DM_CHANNEL_ID)) is None
    member = CommandContext(platform="discord", workspace_id=str(GUILD_ID), channel_id=str(CHANNEL_ID), user_id="9",
                            is_admin=False, lang="en")
    preview = await digests.handle_command(member, ["preview"])
    assert preview.ok and preview.digest is not None and not preview.digest.report
    assert SECRET not in preview.text and "For admins" not in preview.text
    admin = CommandContext(platform="discord", workspace_id=str(GUILD_ID), channel_id=str(CHANNEL_ID), user_id="7",
                           is_admin=True, lang="en")
    assert SECRET in (await digests.handle_command(admin, ["preview"])).text
    assert (await digests.handle_command(claimed, ["help"])).ok  # help says how, anywhere


async def test_a_dm_subscribed_before_the_fix_gets_its_digest_without_the_report(
    fake: FakeDiscord, start_bot: StartBot, engine: AnswerEngine, digests: DigestService, store: Store,
) -> None:
    """A DM that subscribed with the report on while DMs counted as admins: the rows are still there,
    so posting to a DM leaves the report out (the admin channel still gets it)."""
    platform = await start_bot(services=Services(settings=load_settings(
        discord_token="t", discord_api_url=fake.api_url, discord_gateway_url=fake.gateway_url),
        engine=engine, digests=digests))
    await store.subscribe(NewSubscription(platform="discord", workspace_id=None, channel_id=str(DM_CHANNEL_ID),
                                          schedule_kind="daily", schedule_time="09:00", tz="UTC", lang="en",
                                          created_by="9", include_report=True), NOW)
    scheduler = digests.scheduler({"discord": platform}, clock=JumpClock(NOW + timedelta(hours=1, minutes=1)))
    assert await scheduler.run_once() == 2
    [admins] = fake.channel_posts(CHANNEL_ID)
    [dm] = fake.channel_posts(DM_CHANNEL_ID)
    assert SECRET in json.dumps(admins.body["embeds"])
    assert dm.body["embeds"][0]["title"] and SECRET not in json.dumps(dm.body) and "For admins" not in json.dumps(dm.body)
