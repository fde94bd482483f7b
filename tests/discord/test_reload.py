"""``/reload`` on Discord: server managers reload the fact base; others are told it is not theirs."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.answering import AnswerEngine
from bot.conversation import ConversationService
from bot.platforms import Services
from bot.reload import Reloader
from bot.settings import load_settings
from knowledge.loader import DEFAULT_DATA_DIR, load_fact_base
from tests.discord.conftest import StartBot
from tests.discord.fake import FakeDiscord
from tests.test_reload import add_acme

MANAGE_GUILD = str(1 << 5)


async def test_slash_reload_by_a_server_manager_swaps_the_base(
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

    refused = await fake.slash("reload", permissions="0")
    [callback] = await fake.wait_for(lambda: fake.callbacks(refused))
    assert callback.body["data"]["content"].startswith("Only people who can manage this server or its channels")
    assert callback.body["data"]["flags"] & 64  # ephemeral
    assert conversation.engine is engine

    done = await fake.slash("reload", permissions=MANAGE_GUILD, locale="fr")
    [callback] = await fake.wait_for(lambda: fake.callbacks(done))
    assert callback.body["data"]["content"].startswith("Rechargé : je réponds maintenant à partir de")
    assert conversation.engine is not engine and "acme" in {e.id for e in conversation.base.entities}
