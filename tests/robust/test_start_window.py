"""Issue 22, items 2 and 8: start-up waits for what is late, in one stated window, with the health
server up from the first second, and exits with a status a supervisor restarts (75), not 2.

Real processes (``python -m bot``), real PostgreSQL behind a relay that starts late, the fake
Slack server for the platform, real HTTP to the health routes; nothing but 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import time
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest

from bot.settings import SettingsError
from bot.startup import EXIT_UNREACHABLE, PlatformUnreachable, retry_until
from tests.digest.conftest import PG_DSN
from tests.localhost import free_port, scratch_database
from tests.slack.fake_slack import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, FakeSlack, event_callback, mention
from tests.slack.helpers import send_event
from tests.waiting import until

PG_HOST, PG_PORT = PG_DSN.split("@", 1)[1].split("/", 1)[0].split(":")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "DISCORD_", "AIBOT_", "DATABASE_URL"))}
    return env | extra


async def _spawn(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", *args, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def _finish(process: asyncio.subprocess.Process, within: float) -> tuple[int, str, str]:
    try:
        out, err = await asyncio.wait_for(process.communicate(), within)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"still running after {within} s") from None
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@contextlib.asynccontextmanager
async def relay_to_postgres(port: int) -> AsyncIterator[None]:
    """A TCP relay on ``port`` to the local PostgreSQL, opened when the test says: the database
    comes up while the bot waits for it."""
    tasks: set[asyncio.Task[None]] = set()

    async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while chunk := await source.read(65536):
                sink.write(chunk)
                await sink.drain()
        except OSError:
            pass
        finally:
            sink.close()

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(PG_HOST, int(PG_PORT))
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(pump(source, sink))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    server = await asyncio.start_server(relay, "127.0.0.1", port)
    try:
        yield
    finally:
        for task in list(tasks):
            task.cancel()
        server.close()


# --- the one retry helper -------------------------------------------------------------------


async def test_the_window_stated_is_the_window_kept(caplog: pytest.LogCaptureFixture) -> None:
    """The warning states the window once; the last try is made at its end, not a wait early."""
    tries: list[float] = []
    started = time.monotonic()

    async def attempt() -> None:
        tries.append(time.monotonic() - started)
        raise ConnectionRefusedError("refused")

    with caplog.at_level(logging.DEBUG, logger="bot.startup"), pytest.raises(PlatformUnreachable) as gave_up:
        await retry_until(attempt, what="the thing", transient=lambda e: type(e).__name__, give_up_after=2.5,
                          hint="check it")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["cannot reach the thing (ConnectionRefusedError); retrying for up to 2.5 s"]
    assert str(gave_up.value).startswith("could not reach the thing within 2.5 s (")
    assert tries[-1] >= 2.5 - 0.05, tries  # the last try at the end of the window it stated
    assert tries[-1] < 3.5 and 2 <= len(tries) <= 4, tries
    assert gave_up.value.exit_status == EXIT_UNREACHABLE


async def test_an_error_that_will_not_pass_is_not_retried() -> None:
    tries = 0

    async def attempt() -> None:
        nonlocal tries
        tries += 1
        raise SettingsError("setting X was refused")

    with pytest.raises(SettingsError):
        await retry_until(attempt, what="x", transient=lambda e: None if isinstance(e, SettingsError) else "net",
                          give_up_after=30, hint="")
    assert tries == 1


# --- the database at start ------------------------------------------------------------------


async def test_db_upgrade_waits_for_a_database_that_comes_up_late() -> None:
    async with scratch_database() as name:
        port = free_port()
        env = _env(DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/{name}", AIBOT_START_TIMEOUT="30")
        process = await _spawn("db", "upgrade", env=env)
        assert process.stderr is not None
        first = (await asyncio.wait_for(process.stderr.readline(), 30)).decode()
        assert first.rstrip().endswith("retrying for up to 30 s"), first  # refused: the database is not up
        async with relay_to_postgres(port):  # now it is
            code, out, err = await _finish(process, within=60)
    assert code == 0, first + err
    assert out.startswith("database schema is current (postgresql, revision "), out
    assert "retrying" not in err and "Traceback" not in err  # the window was stated once


async def test_db_upgrade_gives_up_after_the_window_with_a_status_that_is_restarted() -> None:
    port = free_port()  # nothing ever listens there
    env = _env(DATABASE_URL=f"postgres://postgres:s3cret@127.0.0.1:{port}/test", AIBOT_START_TIMEOUT="2")
    started = time.monotonic()
    code, _, err = await _finish(await _spawn("db", "upgrade", env=env), within=30)
    took = time.monotonic() - started
    lines = err.strip().splitlines()
    assert code == 75, err
    assert len(lines) == 2 and lines[0].endswith("retrying for up to 2 s"), err
    assert lines[1].startswith("aibot: could not reach the database (postgresql+asyncpg://postgres:")
    assert " within 2 s (" in lines[1] and "DATABASE_URL" in lines[1]
    assert "s3cret" not in err
    assert 2 <= took < 15


async def test_a_refused_login_is_a_setting_and_not_retried() -> None:
    """A database that answers and refuses (no such database) will not change by waiting: status 2 at once."""
    env = _env(DATABASE_URL=f"postgres://postgres@{PG_HOST}:{PG_PORT}/aibot_no_such_database", AIBOT_START_TIMEOUT="30")
    started = time.monotonic()
    code, _, err = await _finish(await _spawn("db", "upgrade", env=env), within=30)
    if "cannot reach" in err:
        pytest.skip(f"no PostgreSQL at {PG_DSN}")
    assert code == 2, err
    assert err.strip().splitlines() == [err.strip()] and "does not exist" in err
    assert time.monotonic() - started < 15


async def _get(http: aiohttp.ClientSession, port: int, path: str) -> tuple[int, str]:
    async with http.get(f"http://127.0.0.1:{port}{path}") as response:
        return response.status, await response.text()


async def _first_answer(http: aiohttp.ClientSession, port: int, process: asyncio.subprocess.Process,
                        within: float) -> float:
    """Seconds from now until /healthz first answers 200 (the process is already spawned)."""
    started = time.monotonic()

    async def healthy() -> bool:
        assert process.returncode is None, "exited before serving /healthz"
        with contextlib.suppress(aiohttp.ClientConnectionError):
            return (await _get(http, port, "/healthz"))[0] == 200
        return False

    await until(healthy, within=within, what="/healthz answering 200")
    return time.monotonic() - started


async def _readyz_until(http: aiohttp.ClientSession, port: int, holds: Callable[[tuple[int, str]], bool], *,
                        within: float) -> tuple[int, str]:
    """/readyz's first answer for which ``holds(answer)`` (which may assert on the ones before)."""
    seen: list[tuple[int, str]] = []

    async def answer() -> tuple[int, str] | None:
        seen.append(await _get(http, port, "/readyz"))
        return seen[-1] if holds(seen[-1]) else None

    return await until(answer, within=within, what=lambda: f"/readyz stayed {seen[-1:]}")


async def test_aibot_run_serves_health_while_it_waits_for_the_database_then_exits_75() -> None:
    fake = FakeSlack()
    await fake.start()
    port, db_port = free_port(), free_port()
    env = _env(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.api_url,
               DATABASE_URL=f"postgres://postgres@127.0.0.1:{db_port}/test", AIBOT_START_TIMEOUT="5")
    try:
        spawned = time.monotonic()
        process = await _spawn("run", "slack", "--http", "--port", str(port), env=env)
        async with aiohttp.ClientSession() as http:
            await _first_answer(http, port, process, within=10)
            ready = await _readyz_until(http, port, lambda r: r[1] == "slack: not connected\nstore: not open yet\n",
                                        within=10)
            assert ready[0] == 503
            async with http.post(f"http://127.0.0.1:{port}/slack/events", data=b"{}") as early_event:
                assert early_event.status == 503  # Slack retries it; the port is not its server yet
        code, _, err = await _finish(process, within=30)
    finally:
        await fake.stop()
    assert code == 75, err
    lines = err.strip().splitlines()
    assert lines[-1].startswith("aibot: could not reach the database") and " within 5 s (" in lines[-1], err
    assert sum("retrying for up to 5 s" in line for line in lines) == 1, err
    assert time.monotonic() - spawned >= 5
    assert "Traceback" not in err


# --- the health server from the first second, in every mode ----------------------------------


MODES = {
    "slack-http": (["slack", "--http", "--port", "{port}"], {"SLACK_SIGNING_SECRET": SIGNING_SECRET}, "slack"),
    "slack-socket-mode": (["slack"], {"SLACK_APP_TOKEN": APP_TOKEN, "AIBOT_HEALTH_PORT": "{port}",
                                      "AIBOT_HEALTH_HOST": "127.0.0.1"}, "slack"),
    "discord": (["discord"], {"DISCORD_TOKEN": "x" * 24 + "." + "y" * 6 + "." + "z" * 27,
                              "AIBOT_HEALTH_PORT": "{port}", "AIBOT_HEALTH_HOST": "127.0.0.1"}, "discord"),
}


@pytest.mark.parametrize("mode", sorted(MODES))
async def test_health_answers_from_the_start_while_an_unreachable_platform_is_retried(mode: str,
                                                                                        tmp_path: object) -> None:
    args, extra, platform = MODES[mode]
    port, closed = free_port(), free_port()
    env = _env(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=f"http://127.0.0.1:{closed}/api/",
               DISCORD_API_URL=f"http://127.0.0.1:{closed}/api/v10", AIBOT_START_TIMEOUT="6",
               AIBOT_DATA_DIR=str(tmp_path))
    env |= {k: v.format(port=port) for k, v in extra.items()}
    process = await _spawn("run", *[a.format(port=port) for a in args], env=env)
    answers: list[int | str] = []
    async with aiohttp.ClientSession() as http:
        first = await _first_answer(http, port, process, within=10)

        def named(ready: tuple[int, str]) -> bool:  # the platforms are named once their adapters are loaded
            assert ready[0] == 503, ready
            return f"{platform}: not connected" in ready[1]

        await _readyz_until(http, port, named, within=10)
        end = time.monotonic() + 3  # well inside the 6 s window: every check answered

        async def checked_until_the_end() -> bool:
            try:
                answers.append((await _get(http, port, "/healthz"))[0])
            except aiohttp.ClientConnectionError as exc:
                answers.append(type(exc).__name__)
            return time.monotonic() >= end

        await until(checked_until_the_end, within=10, what="3 s of /healthz checks", every=0.1)
    code, _, err = await _finish(process, within=30)
    assert set(answers) == {200}, answers
    assert first < 5, f"/healthz first answered {first:.1f} s after the process started"
    assert code == 75, err
    assert "retrying for up to 6 s" in err and "Traceback" not in err


async def test_slack_takes_the_port_over_without_a_refused_connection(tmp_path: object) -> None:
    """From the first /healthz on, every request to the port is answered, across the moment Slack
    takes the socket from the health server; then events are answered on it."""
    fake = FakeSlack()
    await fake.start()
    port = free_port()
    env = _env(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.api_url,
               AIBOT_DATA_DIR=str(tmp_path))
    process = await _spawn("run", "slack", "--http", "--port", str(port), env=env)
    failures: list[str] = []
    try:
        async with aiohttp.ClientSession() as http:
            await _first_answer(http, port, process, within=15)

            async def ready() -> bool:
                try:
                    return (await _get(http, port, "/readyz"))[0] == 200
                except aiohttp.ClientConnectionError as exc:
                    failures.append(type(exc).__name__)
                    return False

            # checked often, so a refused connection across the handover would be caught
            await until(ready, within=20, what="/readyz 200", every=0.005)
            event = mention("What is Microsoft's data center budget?", channel="C0HANDOVER")
            status, _ = await send_event(http, port, event_callback(event))
            assert status == 200
            await fake.wait_until(lambda: len(fake.posts()) == 1, within=5.0)
    finally:
        process.terminate()
        await _finish(process, within=20)
        await fake.stop()
    assert failures == []
    assert "80 billion" in fake.posts()[0]["text"]
