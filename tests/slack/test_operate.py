"""The operator's view of ``aibot run slack``: a refused token, health, readiness, metrics, JSON logs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.answering import AnswerEngine
from bot.health import Health
from bot.metrics import Metrics
from bot.platforms import RunOptions, Services
from bot.runtime import run_platforms
from bot.settings import load_settings
from knowledge.models import FactBase
from tests.digest.conftest import PG_DSN
from tests.localhost import free_port, scratch_database
from tests.slack.conftest import slack_settings
from tests.slack.fake_slack import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, FakeSlack, event_callback, mention
from tests.slack.helpers import send_event
from tests.waiting import until

ANSWERED = "What is Microsoft's data center budget?"
METRICS_TOKEN = "metrics-token-for-tests"
UNKNOWN = "How much is Intel spending on AI?"



def _env(fake: FakeSlack, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "AIBOT_LOG"))}
    env |= {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.api_url}
    return env | extra


async def _run(*args: str, env: dict[str, str], within: float) -> tuple[int | None, str, float]:
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), within)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"aibot run {' '.join(args)} still running after {within} s") from None
    return process.returncode, stderr.decode(), time.monotonic() - started


# --- a refused token ends the run, in both modes -----------------------------------------


@pytest.mark.parametrize(("mode", "env", "named"), [
    (["--http"], {"SLACK_BOT_TOKEN": "xoxb-9999-revoked-token"}, "SLACK_BOT_TOKEN"),
    ([], {"SLACK_BOT_TOKEN": "xoxb-9999-revoked-token", "SLACK_APP_TOKEN": APP_TOKEN}, "SLACK_BOT_TOKEN"),
    ([], {"SLACK_APP_TOKEN": "xapp-1-A999-revoked-app-token"}, "SLACK_APP_TOKEN"),
], ids=["http-bot-token", "socket-mode-bot-token", "socket-mode-app-token"])
async def test_a_refused_token_ends_aibot_run_with_one_line_naming_it(
    fake: FakeSlack, mode: list[str], env: dict[str, str], named: str,
) -> None:
    code, log, took = await _run("slack", *mode, "--port", str(free_port()), env=_env(fake, **env), within=10)
    lines = log.strip().splitlines()
    assert code == 2, log
    assert len(lines) == 1, log
    assert lines[0].startswith(f"aibot: setting {named} was refused by Slack (invalid_auth)")
    assert took < 10
    assert not any(secret in log for secret in (*env.values(), BOT_TOKEN, APP_TOKEN, SIGNING_SECRET))
    assert not fake.posts()


@pytest.mark.parametrize("error", ["not_authed", "account_inactive", "token_revoked"])
async def test_every_refusal_code_is_a_refused_token(fake: FakeSlack, error: str) -> None:
    fake.fail_next("auth.test", error)
    code, log, _ = await _run("slack", "--http", "--port", str(free_port()), env=_env(fake), within=10)
    assert code == 2 and log.strip().splitlines() == [
        f"aibot: setting SLACK_BOT_TOKEN was refused by Slack ({error}): copy the Bot User OAuth Token (xoxb-...) "
        "from the app's OAuth & Permissions page"]


async def test_an_unreachable_slack_is_retried_then_one_line() -> None:
    closed = free_port()  # nothing listens there
    env = _env(FakeSlack(), SLACK_API_URL=f"http://127.0.0.1:{closed}/api/", AIBOT_START_TIMEOUT="3")
    code, log, took = await _run("slack", "--http", "--port", str(free_port()), env=env, within=20)
    lines = log.strip().splitlines()
    assert code == 75, log  # unreachable: the supervisor restarts it (2 is for a setting to fix)
    assert "Traceback" not in log and "ExceptionGroup" not in log
    assert lines[-1].startswith(f"aibot: could not reach Slack at http://127.0.0.1:{closed}/api/ within 3 s ")
    assert "SLACK_API_URL" in lines[-1]
    assert len(lines) == 2 and lines[0].endswith("retrying for up to 3 s")  # the window, stated once
    # The last try is made at the end of the window it stated, not before.
    assert 3 <= took < 15


# --- readiness -------------------------------------------------------------------------


class StallingProxy:
    """A TCP relay to PostgreSQL that can stop passing bytes: a database that stalls."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> StallingProxy:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._server is not None:
            self._server.close()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self.flowing.wait()
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pump(source, sink))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while chunk := await source.read(65536):
                await self.flowing.wait()
                sink.write(chunk)
                await sink.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            sink.close()



async def _ready(session: aiohttp.ClientSession, port: int) -> tuple[int, str]:
    async with session.get(f"http://127.0.0.1:{port}/readyz") as response:
        return response.status, await response.text()


async def _until(session: aiohttp.ClientSession, port: int, status: int, within: float = 15.0) -> str:
    """Poll /readyz until it answers ``status``; its body then."""
    last: list[Any] = [None]

    async def answered() -> str | None:
        try:
            last[0] = await _ready(session, port)
        except aiohttp.ClientConnectionError as exc:
            last[0] = exc
            return None
        return str(last[0][1]) if last[0][0] == status else None

    return await until(answered, within=within, what=lambda: f"/readyz answering {status}; last: {last[0]}")


async def test_readyz_is_503_until_slack_connects_and_while_the_store_stalls(
    fake: FakeSlack, http: aiohttp.ClientSession,
) -> None:
    """Socket Mode with AIBOT_HEALTH_PORT, the store on a real PostgreSQL behind a relay."""
    host, port = PG_DSN.split("@", 1)[1].split("/", 1)[0].split(":")
    async with scratch_database() as database:
        proxy = await StallingProxy(host, int(port)).start()
        health_port = free_port()
        settings = load_settings(
            slack_bot_token=BOT_TOKEN, slack_app_token=APP_TOKEN, slack_api_url=fake.api_url,
            database_url=f"postgresql://postgres@127.0.0.1:{proxy.port}/{database}",
            health_port=health_port, health_host="127.0.0.1", ready_timeout=0.5,
        )
        fake.link_open.clear()  # Slack keeps the websocket handshake waiting
        running = asyncio.create_task(run_platforms(settings, ["slack"], RunOptions()))
        try:
            body = await _until(http, health_port, 503)  # served from the start, the store not open yet
            assert body in ("slack: not connected\nstore: not open yet\n", "slack: not connected\n"), body
            while body != "slack: not connected\n":  # the store opens; Slack still waits
                body = await _until(http, health_port, 503)
            async with http.get(f"http://127.0.0.1:{health_port}/healthz") as live:
                assert live.status == 200  # alive all along: only readiness waits
            fake.link_open.set()
            assert await _until(http, health_port, 200) == "ready\n"

            proxy.flowing.clear()  # the database stops answering
            body = await _until(http, health_port, 503)
            assert body == "store: no answer within 0.5 s\n"
            proxy.flowing.set()
            await _until(http, health_port, 200)
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
            await proxy.stop()


async def test_readyz_in_http_mode_is_on_the_events_port_and_sees_a_revoked_token(
    fake: FakeSlack, fact_base: FactBase, start_bot: Any, http: aiohttp.ClientSession,
) -> None:
    metrics = Metrics()
    health = Health(timeout=1.0, metrics=metrics)
    health.expect("slack")
    services = Services(settings=slack_settings(fake), engine=AnswerEngine(fact_base),
                        metrics=metrics, health=health)
    bot = await start_bot(http=True, services=services)
    assert await _until(http, bot.bound_port, 200) == "ready\n"
    fake.fail_next("chat.postMessage", "token_revoked")  # revoked while running: the next post says so
    await send_event(http, bot.bound_port, event_callback(mention(ANSWERED)))
    await fake.wait_until(lambda: len(fake.posts()) == 1)
    body = await _until(http, bot.bound_port, 503)
    assert body == "slack: not connected\n"


# --- metrics ---------------------------------------------------------------------------


def _samples(exposition: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(exposition) for sample in family.samples}


async def test_metrics_count_one_answered_and_one_abstained_question(
    fake: FakeSlack, fact_base: FactBase, start_bot: Any, http: aiohttp.ClientSession,
) -> None:
    metrics = Metrics()
    health = Health(timeout=1.0, metrics=metrics, metrics_token=METRICS_TOKEN)
    services = Services(settings=slack_settings(fake), engine=AnswerEngine(fact_base),
                        metrics=metrics, health=health)
    bot = await start_bot(http=True, services=services)
    for question in (ANSWERED, UNKNOWN):
        await send_event(http, bot.bound_port, event_callback(mention(question)))
    await fake.wait_until(lambda: len(fake.posts()) == 2)
    async with http.get(f"http://127.0.0.1:{bot.bound_port}/metrics",
                        headers={"Authorization": f"Bearer {METRICS_TOKEN}"}) as response:
        assert response.status == 200 and response.headers["Content-Type"].startswith("text/plain")
        exposition = await response.text()
        samples = _samples(exposition)

    def value(name: str, **labels: str) -> float:
        return samples.get((name, frozenset(labels.items())), 0.0)

    assert value("aibot_questions_total", platform="slack", lang="en", outcome="answered") == 1
    assert value("aibot_questions_total", platform="slack", lang="en", outcome="abstained") == 1
    assert value("aibot_answer_seconds_count", platform="slack") == 2
    assert value("aibot_unknown_entities_total") == 1  # counted, not named
    assert "intel" not in exposition.lower()


async def test_no_label_carries_what_people_typed_however_many_names_they_invent(
    fake: FakeSlack, fact_base: FactBase, start_bot: Any, http: aiohttp.ClientSession,
) -> None:
    """The entity label took the typed name (up to 200 of them): now a count, one series."""
    metrics = Metrics()
    health = Health(timeout=1.0, metrics=metrics, metrics_token=METRICS_TOKEN)
    services = Services(settings=slack_settings(fake, rate_limit_count=1000), engine=AnswerEngine(fact_base),
                        metrics=metrics, health=health)
    bot = await start_bot(http=True, services=services)
    invented = [f"Zorblax{n}corp" for n in range(30)]
    for n, name in enumerate(invented):
        await send_event(http, bot.bound_port, event_callback(mention(f"How much is {name} spending on AI?",
                                                                      user=f"UINVENT{n:03d}")))
    await fake.wait_until(lambda: len(fake.posts()) == len(invented), within=10)
    async with http.get(f"http://127.0.0.1:{bot.bound_port}/metrics",
                        headers={"Authorization": f"Bearer {METRICS_TOKEN}"}) as response:
        exposition = await response.text()
    assert "zorblax" not in exposition.lower()
    unknown = [s for s in _samples(exposition) if s[0] == "aibot_unknown_entities_total"]
    assert unknown == [("aibot_unknown_entities_total", frozenset())]
    assert _samples(exposition)[unknown[0]] == len(invented)


async def test_metrics_on_the_public_port_need_the_token_and_are_not_served_without_one(
    fake: FakeSlack, fact_base: FactBase, start_bot: Any, http: aiohttp.ClientSession,
) -> None:
    url = "/metrics"
    for token, headers, status in ((None, {}, 404), (None, {"Authorization": "Bearer anything"}, 404),
                                   (METRICS_TOKEN, {}, 401), (METRICS_TOKEN, {"Authorization": "Bearer wrong"}, 401),
                                   (METRICS_TOKEN, {"Authorization": METRICS_TOKEN}, 401),
                                   (METRICS_TOKEN, {"Authorization": f"Bearer {METRICS_TOKEN}"}, 200)):
        health = Health(timeout=1.0, metrics=Metrics(), metrics_token=token)
        services = Services(settings=slack_settings(fake), engine=AnswerEngine(fact_base), metrics=health.metrics,
                            health=health)
        bot = await start_bot(http=True, services=services)
        async with http.get(f"http://127.0.0.1:{bot.bound_port}{url}", headers=headers) as response:
            body = await response.text()
            assert response.status == status, (token, headers)
            if status == 401:
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert ("aibot_questions_total" in body) == (status == 200)
        async with http.get(f"http://127.0.0.1:{bot.bound_port}/healthz") as response:
            assert response.status == 200  # the health checks stay open to the platform's checker


async def test_rate_limited_replies_are_counted(
    fake: FakeSlack, fact_base: FactBase, start_bot: Any, http: aiohttp.ClientSession,
) -> None:
    metrics = Metrics()
    services = Services(settings=slack_settings(fake, rate_limit_count=1), engine=AnswerEngine(fact_base),
                        metrics=metrics)
    bot = await start_bot(http=True, services=services)
    for _ in range(3):
        await send_event(http, bot.bound_port, event_callback(mention(ANSWERED)))
    await fake.wait_until(lambda: len(fake.posts()) == 2)  # the answer, then "slow down"; the third: nothing
    sentinel = mention(ANSWERED, user="UOTHER001")  # another user's answer arrives after the dropped one
    await send_event(http, bot.bound_port, event_callback(sentinel))
    await fake.wait_until(lambda: len(fake.posts()) == 3)
    assert metrics.value("aibot_rate_limited_total", platform="slack", verdict="warn") == 1
    assert metrics.value("aibot_rate_limited_total", platform="slack", verdict="drop") == 1


# --- JSON logs --------------------------------------------------------------------------


async def test_json_logs_parse_line_by_line_and_hold_no_token_nor_question(
    fake: FakeSlack, http: aiohttp.ClientSession,
) -> None:
    port = free_port()
    env = _env(fake, AIBOT_LOG_FORMAT="json", AIBOT_LOG_LEVEL="INFO")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "slack", "--http", "--port", str(port), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        await _until(http, port, 200, within=30)
        await send_event(http, port, event_callback(mention(ANSWERED, channel="C0JSONLOG", user="UJSON0001")))
        await fake.wait_until(lambda: len(fake.posts()) == 1)
        fake.fail_next("chat.postMessage", "invalid_auth")  # an error line too
        await send_event(http, port, event_callback(mention(UNKNOWN, channel="C0JSONLOG", user="UJSON0001")))
        await fake.wait_until(lambda: len(fake.posts()) == 2)
        await _until(http, port, 503)
    finally:
        process.terminate()
        _, stderr = await asyncio.wait_for(process.communicate(), 20)
    log = stderr.decode()
    assert process.returncode == 0, log
    records = [json.loads(line) for line in log.splitlines()]  # every line is one JSON object
    assert all({"timestamp", "level", "logger", "message"} <= set(r) for r in records)
    asked = [r for r in records if r["logger"] == "bot.metrics"]
    assert [(r["outcome"], r["platform"], r["channel_id"], r["user_id"]) for r in asked] == [
        ("answered", "slack", "C0JSONLOG", "UJSON0001"), ("abstained", "slack", "C0JSONLOG", "UJSON0001")]
    [refused] = [r for r in records if r["level"] == "ERROR" and "invalid_auth" in r["message"]]
    assert (refused["platform"], refused["channel_id"], refused["user_id"]) == ("slack", "C0JSONLOG", "UJSON0001")
    for secret in (BOT_TOKEN, SIGNING_SECRET):
        assert secret not in log
    assert ANSWERED not in log and "Intel" not in log  # no question text at INFO


async def test_aibot_metrics_port_serves_metrics_alone_on_loopback_and_the_public_port_does_not(
    fake: FakeSlack, http: aiohttp.ClientSession,
) -> None:
    """The whole `aibot run slack --http` path: AIBOT_METRICS_PORT is a second server, /metrics only."""
    public, private = free_port(), free_port()
    settings = load_settings(slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                             slack_api_url=fake.api_url, metrics_port=private)
    assert settings.metrics_host == "127.0.0.1"  # the default: not reachable from outside the host
    running = asyncio.create_task(run_platforms(settings, ["slack"], RunOptions(http=True, host="127.0.0.1",
                                                                                port=public)))
    try:
        await _until(http, public, 200)
        await send_event(http, public, event_callback(mention(ANSWERED)))
        await fake.wait_until(lambda: len(fake.posts()) == 1)
        async with http.get(f"http://127.0.0.1:{private}/metrics") as response:
            text = await response.text()
            assert response.status == 200 and 'aibot_questions_total{lang="en",outcome="answered"' in text
        async with http.get(f"http://127.0.0.1:{private}/readyz") as response:
            assert response.status == 404  # the metrics port serves nothing else
        async with http.get(f"http://127.0.0.1:{public}/metrics") as response:
            assert response.status == 404  # no AIBOT_METRICS_TOKEN: not on the public port at all
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
