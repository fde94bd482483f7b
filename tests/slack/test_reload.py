"""Knowledge reload while the bot runs: a real ``aibot run slack --http`` process picks up a
fact file written into its knowledge folder, refuses a broken one (naming file and line) and
keeps answering from the base it had; ``/aibot reload`` is for admins only."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.platforms import Services
from bot.runtime import open_services
from knowledge.loader import DEFAULT_DATA_DIR, load_fact_base
from tests.localhost import free_port
from tests.slack.conftest import slack_settings
from tests.slack.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, event_callback, mention, slash_command
from tests.slack.helpers import send_event, send_form
from tests.slack.test_process import wait_for_health
from tests.test_reload import add_acme
from tests.waiting import until

ASKED = "How much will Acme Robotics invest in AI in 2026?"


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_DATA_DIR, target)
    return target


async def ask(fake: FakeSlack, http: aiohttp.ClientSession, port: int, text: str, ts: str) -> str:
    before = len(fake.posts())
    status, _ = await send_event(http, port, event_callback(mention(text, ts=ts, channel="C0RELOAD")))
    assert status == 200
    await fake.wait_until(lambda: len(fake.posts()) > before, within=10)
    reply: str = fake.posts()[before]["text"]
    return reply


class Output:
    """Collects a process's standard error as it runs, so a test can read the log so far."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self.chunks: list[bytes] = []
        self.reading = asyncio.create_task(self._read(stream))

    async def _read(self, stream: asyncio.StreamReader) -> None:
        while chunk := await stream.read(65536):
            self.chunks.append(chunk)

    def text(self) -> str:
        return b"".join(self.chunks).decode(errors="replace")

    async def line_with(self, needle: str, within: float = 20.0) -> str:
        return await until(lambda: next((line for line in self.text().splitlines() if needle in line), None),
                           within=within, what=lambda: f"a log line with {needle!r}:\n{self.text()}")


async def test_aibot_run_answers_from_a_fact_file_added_while_it_runs(
    fake: FakeSlack, http: aiohttp.ClientSession, knowledge: Path, tmp_path: Path,
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "AIBOT_"))}
    env |= {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.api_url,
            "AIBOT_KNOWLEDGE_DIR": str(knowledge), "AIBOT_DATA_DIR": str(tmp_path / "data"),
            "AIBOT_LOG_LEVEL": "INFO"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "slack", "--http", "--port", str(port),
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    output = Output(process.stderr)
    try:
        await wait_for_health(http, port, process)
        await output.line_with("watching")
        await watcher_armed(knowledge, output)
        assert "3 billion" not in await ask(fake, http, port, ASKED, "1700000100.000100")
        facts = len(load_fact_base(knowledge).facts)
        add_acme(knowledge)
        await output.line_with(f"knowledge reloaded: {facts + 1} facts")
        answered = await ask(fake, http, port, ASKED, "1700000101.000100")
        assert "3 billion" in answered and "Test Desk" in answered
        broken = knowledge / "facts" / "broken.yaml"
        broken.write_text("facts:\n  - id: half-written\n    statement: {en: [\n", encoding="utf-8")
        refused = await output.line_with("reload refused")
        assert f"{broken}:" in refused, refused
        assert "3 billion" in await ask(fake, http, port, ASKED, "1700000200.000100")
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 15)
        await output.reading
    assert process.returncode == 0, output.text()


@pytest.fixture
async def services(fake: FakeSlack, knowledge: Path) -> AsyncIterator[Services]:
    async with open_services(slack_settings(fake, knowledge_dir=str(knowledge))) as opened:
        yield opened


async def test_slash_reload_is_for_admins_and_swaps_the_base(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession, services: Services,
    knowledge: Path,
) -> None:
    fake.admins.update({"UADMIN001", "UADMINFR1"})
    fake.locales["UADMINFR1"] = "fr-FR"
    bot = await start_bot(services=services)

    async def command(text: str, user: str) -> dict[str, Any]:
        name = f"r{len(fake.responses)}"
        status, _ = await send_form(http, bot.bound_port, slash_command(text, fake.response_url(name), user=user))
        assert status == 200
        await fake.wait_until(lambda: any(n == name for n, _ in fake.responses), within=20)
        body: dict[str, Any] = next(body for n, body in fake.responses if n == name)
        return body

    add_acme(knowledge)
    refused = await command("reload", user="UASKER001")
    assert refused["text"] == "Only admins can reload the fact base." and refused["response_type"] == "ephemeral"
    assert "3 billion" not in (await command(ASKED, user="UASKER001"))["text"]
    done = await command("reload", user="UADMIN001")
    assert done["text"].startswith("Reloaded: I now answer from") and done["response_type"] == "ephemeral"
    assert "3 billion" in (await command(ASKED, user="UASKER002"))["text"]
    (knowledge / "facts" / "broken.yaml").write_text("facts: [", encoding="utf-8")
    kept = await command("recharger", user="UADMINFR1")
    assert kept["text"].startswith("La base de faits a 1 problème(s)") and "broken.yaml:" in kept["text"]
    assert "3 billion" in (await command(ASKED, user="UASKER003"))["text"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
async def watcher_armed(knowledge: Path, output: Output) -> None:
    """ "watching" is logged just before the watcher is armed, so a change made at once can go
    unseen: rewrite a fact file as it is until the bot reports a change (the sentinel)."""
    fact_file = sorted((knowledge / "facts").glob("*.yaml"))[0]

    def touched_and_seen() -> bool:
        fact_file.write_bytes(fact_file.read_bytes())
        return "knowledge changed" in output.text()

    await until(touched_and_seen, within=20, what=lambda: f"the watcher reporting a change:\n{output.text()}",
                every=0.5)


async def test_a_named_pipe_dropped_into_facts_neither_stops_reloads_nor_shutdown(
    fake: FakeSlack, http: aiohttp.ClientSession, knowledge: Path, tmp_path: Path,
) -> None:
    """A pipe named like a fact file once blocked the reload thread for good (no later change
    was read) and with it SIGTERM; it is now skipped with one line, the next change is
    reloaded (the sentinel), and SIGTERM ends the process."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "AIBOT_"))}
    env |= {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.api_url,
            "AIBOT_KNOWLEDGE_DIR": str(knowledge), "AIBOT_DATA_DIR": str(tmp_path / "data"),
            "AIBOT_LOG_LEVEL": "INFO"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "slack", "--http", "--port", str(port),
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    output = Output(process.stderr)
    try:
        await wait_for_health(http, port, process)
        assert str(knowledge) in await output.line_with("watching")
        await watcher_armed(knowledge, output)
        os.mkfifo(knowledge / "facts" / "pipe.yaml")
        skipped = await output.line_with("not a regular file")
        assert "pipe.yaml" in skipped
        facts = len(load_fact_base(knowledge).facts)
        add_acme(knowledge)
        await output.line_with(f"knowledge reloaded: {facts + 1} facts")
        assert "3 billion" in await ask(fake, http, port, ASKED, "1700000300.000100")
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 15)
        await output.reading
    assert process.returncode == 0, output.text()
    assert output.text().count("not a regular file") <= 3, output.text()  # a line per reload at most
