"""``aibot run discord`` for an operator: one line for a refused token or an unreachable Discord,
readiness that follows the gateway, reconnects counted."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time

from bot.answering import AnswerEngine
from bot.health import Health
from bot.metrics import Metrics
from bot.platforms import Services
from bot.settings import load_settings
from tests.discord.conftest import StartBot
from tests.discord.fake import FakeDiscord
from tests.localhost import free_port
from tests.waiting import until

TOKEN = "fail-fast-test-token-which-must-never-be-logged"



def _env(fake: FakeDiscord, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "AIBOT_LOG"))}
    env.update(DISCORD_TOKEN=TOKEN, DISCORD_API_URL=fake.api_url, DISCORD_GATEWAY_URL=fake.gateway_url)
    return env | extra


async def _run(env: dict[str, str], within: float) -> tuple[int | None, list[str], float]:
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "discord", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), within)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"aibot run discord still running after {within} s") from None
    log = stderr.decode()
    assert TOKEN not in log
    assert "Traceback" not in log and "ExceptionGroup" not in log, log
    return process.returncode, log.strip().splitlines(), time.monotonic() - started


async def test_gateway_close_4004_ends_the_run_with_one_line_naming_the_token() -> None:
    refusing = FakeDiscord(refuse_token=True)
    await refusing.start()
    try:
        code, lines, _ = await _run(_env(refusing), within=30)
    finally:
        await refusing.stop()
    assert code == 2
    assert lines[-1].startswith("aibot: setting DISCORD_TOKEN was refused by the Discord gateway (4004")
    assert refusing.identifies, "the refusal came from the gateway, after a successful REST login"


async def test_an_unreachable_gateway_is_given_up_after_the_start_timeout(fake: FakeDiscord) -> None:
    closed = free_port()
    env = _env(fake, DISCORD_GATEWAY_URL=f"ws://127.0.0.1:{closed}/gateway", AIBOT_START_TIMEOUT="3")
    code, lines, took = await _run(env, within=30)
    assert code == 75  # unreachable: the supervisor restarts it
    assert lines[-1] == (f"aibot: could not connect to the Discord gateway at ws://127.0.0.1:{closed}/gateway "
                         "within 3 s; check the network, or DISCORD_GATEWAY_URL")
    assert 3 <= took < 20


async def test_an_unreachable_rest_api_is_retried_then_one_line(fake: FakeDiscord) -> None:
    closed = free_port()
    env = _env(fake, DISCORD_API_URL=f"http://127.0.0.1:{closed}/api/v10", AIBOT_START_TIMEOUT="3")
    code, lines, took = await _run(env, within=30)
    assert code == 75
    assert lines[-1].startswith(f"aibot: could not reach Discord at http://127.0.0.1:{closed}/api/v10 within 3 s ")
    assert len(lines) == 2 and lines[0].endswith("retrying for up to 3 s"), lines  # the window, stated once
    assert 3 <= took < 20  # the last try at the end of that window


async def _problems_become(health: Health, expected: dict[str, str], within: float = 5.0) -> None:
    seen: list[dict[str, str]] = []

    async def become() -> bool:
        seen.append(await health.problems())
        return seen[-1] == expected

    await until(become, within=within, what=lambda: f"readiness problems stayed {seen[-1:]}, expected {expected}")


async def test_readiness_follows_the_gateway_and_a_resume_counts_as_a_reconnect(
    fake: FakeDiscord, start_bot: StartBot, engine: AnswerEngine,
) -> None:
    metrics = Metrics()
    health = Health(timeout=1.0, metrics=metrics)
    health.expect("discord")
    assert await health.problems() == {"discord": "not connected"}
    settings = load_settings(discord_token="fake-token", discord_api_url=fake.api_url,
                             discord_gateway_url=fake.gateway_url)
    await start_bot(services=Services(settings=settings, engine=engine, metrics=metrics, health=health))
    await _problems_become(health, {})
    [session] = fake.sessions
    await session.ws.send_str(json.dumps({"op": 7, "d": None, "s": None, "t": None}))  # "reconnect and resume"
    await fake.wait_for(lambda: metrics.value("aibot_platform_reconnects_total", platform="discord") == 1, within=10)
    await _problems_become(health, {})


async def test_the_procfile_web_line_serves_health_and_metrics_for_discord_alone(fake: FakeDiscord) -> None:
    """`aibot run --http --port $PORT` with only Discord configured still answers the PaaS's check."""
    import aiohttp

    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--http", "--port", str(port),
        env=_env(fake, AIBOT_METRICS_TOKEN="procfile-metrics-token"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with aiohttp.ClientSession() as session:
            statuses: list[int] = []

            async def ready() -> bool:
                assert process.returncode is None, f"exited; /readyz was {statuses[-1:]}"
                try:
                    async with session.get(f"http://127.0.0.1:{port}/readyz") as response:
                        statuses.append(response.status)
                except aiohttp.ClientConnectionError:
                    return False
                return statuses[-1] == 200

            await until(ready, within=30, what=lambda: f"/readyz 200; it stayed {statuses[-1:]}", every=0.1)
            async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
                assert response.status == 401  # the public port asks for AIBOT_METRICS_TOKEN
            async with session.get(f"http://127.0.0.1:{port}/metrics",
                                   headers={"Authorization": "Bearer procfile-metrics-token"}) as response:
                assert response.status == 200 and "aibot_questions_total" in await response.text()
    finally:
        process.terminate()
        _, stderr = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 0, stderr.decode()[-2000:]
