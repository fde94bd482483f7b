"""Issue 22, item 3: the HTTP server's limits, through the real server on 127.0.0.1.

A client that is slow with its headers or its body is closed within the settings' timeouts,
a body declared too large is refused before it is read, a client that goes away costs one
short log line (no traceback), and a correctly signed payload of the wrong shape is a 400.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.slack import guard
from adapters.slack.app import SlackPlatform
from tests.slack.fake_slack import FakeSlack, event_callback, mention, sign
from tests.slack.helpers import send_event, send_form
from tests.waiting import until

PAYLOADS = Path(__file__).parent / "payloads"


async def raw_exchange(port: int, data: bytes, *, close: bool = False, within: float = 5.0) -> tuple[bytes, float]:
    """Send ``data`` as is, then read until the server closes; (what came back, seconds it took)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    writer.write(data)
    await writer.drain()
    if close:
        writer.close()
        return b"", 0.0
    try:
        reply = await asyncio.wait_for(reader.read(), within)
    finally:
        writer.close()
    return reply, time.monotonic() - started


def slow_body(declared: int) -> bytes:
    body = b"{"
    return (f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {declared}\r\n\r\n").encode() + body


async def answered(fake: FakeSlack, http: aiohttp.ClientSession, bot: SlackPlatform, channel: str) -> None:
    """The sentinel: a genuine question sent after the rest is answered."""
    await send_event(http, bot.bound_port, event_callback(mention("What is Stargate?", channel=channel)))
    await fake.wait_until(lambda: any(p["channel"] == channel for p in fake.posts()), within=5)


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_a_client_sending_one_byte_of_its_body_is_answered_408_and_closed_in_the_body_timeout(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    bot = await start_bot(http_body_timeout=0.5)
    caplog.clear()
    reply, took = await raw_exchange(bot.bound_port, slow_body(500_000))
    assert reply.startswith(b"HTTP/1.1 408 ") and reply.endswith(b"body not received in time")
    assert 0.4 < took < 3.0  # closed by the server, not held, and not lingering to read the rest
    dropped = [r.getMessage() for r in caplog.records if "dropped a client" in r.getMessage()]
    assert dropped == ["slack: dropped a client from 127.0.0.1: no complete body within 0.5 s "
                       "(500000 bytes declared)"]
    await answered(fake, http, bot, "C0AFTERSLOW")
    assert not tracebacks(caplog)


async def test_a_body_declared_larger_than_the_limit_is_refused_before_it_is_read(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture,
) -> None:
    bot = await start_bot(http_body_timeout=30)
    reply, took = await raw_exchange(bot.bound_port, slow_body(guard.MAX_BODY + 1))
    assert reply.startswith(b"HTTP/1.1 413 ") and took < 2.0  # not after the 30 s body timeout
    await answered(fake, http, bot, "C0AFTERLARGE")
    assert not tracebacks(caplog)


@pytest.mark.parametrize("sent", [b"", b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le"],
                         ids=["silent", "half-headers"])
async def test_a_client_slow_with_its_headers_is_closed_in_the_header_timeout(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture,
    sent: bytes,
) -> None:
    bot = await start_bot(http_header_timeout=0.5)
    reply, took = await raw_exchange(bot.bound_port, sent)
    assert reply == b"" and 0.4 < took < 3.0
    await answered(fake, http, bot, "C0AFTERHEADERS")
    assert not tracebacks(caplog)


async def test_a_client_that_goes_away_mid_body_costs_one_short_line_and_no_traceback(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture,
) -> None:
    """It used to be a 1.1 KB ConnectionResetError traceback from aiohttp's server, each time."""
    caplog.set_level(logging.DEBUG)
    bot = await start_bot(http_body_timeout=30)
    caplog.clear()
    for _ in range(3):
        await raw_exchange(bot.bound_port, slow_body(500_000), close=True)
    await fake.wait_until(lambda: sum("went away" in r.getMessage() for r in caplog.records) == 3, within=5)
    await answered(fake, http, bot, "C0AFTERGONE")
    gone = [r for r in caplog.records if "went away" in r.getMessage()]
    assert all(len(r.getMessage()) < 120 and not r.exc_info for r in gone)
    assert not tracebacks(caplog)
    assert not [r for r in caplog.records if r.name.startswith("aiohttp") and r.levelno >= logging.INFO]


async def test_the_timeouts_are_settings_with_defaults(start_bot: Callable[..., Any]) -> None:
    bot = await start_bot()
    assert (bot.settings.http_header_timeout, bot.settings.http_body_timeout) == (10.0, 5.0)


# --- a correctly signed payload of the wrong shape -----------------------------------------


WRONG_SHAPES: list[tuple[str, dict[str, Any]]] = [
    ("event", {"type": "event_callback", "event_id": "Ev1", "event": "hello"}),
    ("event.user", {"type": "event_callback", "event": {"type": "app_mention", "user": {"id": 1}, "text": "hi"}}),
    ("event.text", {"type": "event_callback", "event": {"type": "app_mention", "text": ["What", "is"]}}),
    ("authorizations", {"type": "event_callback", "authorizations": "all", "event": {"type": "app_mention"}}),
    ("authorizations.0", {"type": "event_callback", "authorizations": ["x"], "event": {"type": "app_mention"}}),
    ("team", {"type": "event_callback", "team": 7, "event": {"type": "app_mention"}}),
    ("enterprise", {"type": "event_callback", "enterprise": 7, "event": {"type": "app_mention"}}),
    ("type", {"type": ["event_callback"]}),
]


@pytest.mark.parametrize(("where", "payload"), WRONG_SHAPES, ids=[w for w, _ in WRONG_SHAPES])
async def test_a_signed_event_of_the_wrong_shape_is_a_400_naming_where(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture,
    where: str, payload: dict[str, Any],
) -> None:
    bot = await start_bot()
    status, text = await send_event(http, bot.bound_port, payload)
    assert (status, text) == (400, f"unexpected shape at {where}")
    await answered(fake, http, bot, "C0AFTERSHAPE")
    assert not tracebacks(caplog)


@pytest.mark.parametrize("actions", ["aibot_suggest_0", ["aibot_suggest_0"], {"value": "x"}, [{"value": 3}]])
async def test_a_signed_button_press_with_actions_of_the_wrong_shape_is_a_400(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture,
    actions: object,
) -> None:
    bot = await start_bot()
    payload = json.loads((PAYLOADS / "block_actions.json").read_text())
    payload["actions"] = actions
    status, text = await send_form(http, bot.bound_port, {"payload": json.dumps(payload)})
    assert status == 400 and text.startswith("unexpected shape at actions")
    await answered(fake, http, bot, "C0AFTERACTIONS")
    assert not tracebacks(caplog)


def _paths(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every place inside a JSON value, the value itself first."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _replaced(value: Any, path: tuple[str | int, ...], new: Any) -> Any:
    copied = copy.deepcopy(value)
    target = copied
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = new
    return copied


async def test_every_field_of_every_recorded_payload_replaced_by_a_wrong_type_is_never_a_500(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture,
) -> None:
    """Each place in each recorded payload gets a string, a number, a list, an object and null in
    turn: the answer is a 200 (harmless there) or a 400, and no listener fails afterwards."""
    bot = await start_bot()
    statuses: dict[int, int] = {}
    sent = 0
    for name in ("app_mention.json", "app_mention_in_thread.json", "message_im.json", "block_actions.json"):
        recorded = json.loads((PAYLOADS / name).read_text())
        for path in list(_paths(recorded))[1:]:
            for wrong in ("x", 7, [], {"id": 7}, None):
                payload = _replaced(recorded, path, wrong)
                sent += 1
                if name == "block_actions.json":
                    if path != ("response_url",):  # the recorded one is Slack's: only 127.0.0.1 is called
                        payload["response_url"] = fake.response_url(f"shape{sent}")
                    status, _ = await send_form(http, bot.bound_port, {"payload": json.dumps(payload)})
                else:
                    if path != ("event_id",):
                        payload["event_id"] = f"EvSHAPE{sent:06d}"  # so each one is answered, not a repeat
                    status, _ = await send_event(http, bot.bound_port, payload)
                statuses[status] = statuses.get(status, 0) + 1
                if status == 404:  # no listener for this type or action: bolt's "unhandled request"
                    assert path in {("type",), ("actions", 0, "action_id")}, (name, path, wrong)
    await answered(fake, http, bot, "C0AFTERALL")
    assert set(statuses) <= {200, 400, 404}, statuses
    assert statuses.get(400, 0) > 50 and statuses.get(200, 0) > 50  # both kinds were exercised
    assert not tracebacks(caplog), [r.getMessage() for r in tracebacks(caplog)][:3]


async def test_a_well_formed_slash_command_and_button_press_still_pass_the_shape_check() -> None:
    for name in ("app_mention.json", "app_mention_in_thread.json", "message_im.json", "message_im_bot.json",
                 "message_im_edited.json", "block_actions.json"):
        body = (PAYLOADS / name).read_bytes()
        assert guard.parse_problem(body, "application/json") is None, name
    command = (PAYLOADS / "slash_command.json").read_text()
    form = "&".join(f"{k}={v}" for k, v in json.loads(command).items()).encode()
    assert guard.parse_problem(form, "application/x-www-form-urlencoded") is None
    assert sign("x")  # the helper is importable where the soak uses it


# --- the log stays bounded under a sustained attack; the metric counts every drop ---------


async def test_past_the_limit_drops_are_counted_and_summed_up_in_one_line_a_window(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    now = [0.0]
    reasons: list[str] = []
    dropped = guard.DroppedClients(limit=3, window=10.0, clock=lambda: now[0], on_drop=reasons.append)
    for n in range(5):
        dropped.note("went_away", logging.INFO, "slack: a client from %s went away", f"10.0.0.{n}")
    assert [r.getMessage() for r in caplog.records] == [f"slack: a client from 10.0.0.{n} went away" for n in range(3)]
    now[0] = 10.0
    dropped.note("body_timeout", logging.WARNING, "slack: dropped a client from %s", "10.0.0.9")
    assert [r.getMessage() for r in caplog.records][3:] == [
        "slack: 2 more client(s) dropped in the last 10 s (slow, too large or gone); not logged one by one",
        "slack: dropped a client from 10.0.0.9"]
    assert reasons == ["went_away"] * 5 + ["body_timeout"]


async def test_the_summary_line_comes_at_the_end_of_the_window_without_another_drop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    dropped = guard.DroppedClients(limit=1, window=0.2)
    for _ in range(4):
        dropped.note("went_away", logging.INFO, "slack: gone")
    await until(lambda: "3 more client(s)" in caplog.text, within=3, what=lambda: f"the summary line in {caplog.text!r}")


async def test_every_dropped_client_is_counted_in_the_metrics_by_reason(
    fake: FakeSlack, engine: Any, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    from bot.health import Health
    from bot.metrics import Metrics
    from bot.platforms import Services
    from tests.slack.conftest import slack_settings

    metrics = Metrics()
    services = Services(settings=slack_settings(fake, http_body_timeout=0.3), engine=engine, metrics=metrics,
                        health=Health(timeout=1.0, metrics=metrics))
    bot = await start_bot(services=services)
    await asyncio.gather(*(raw_exchange(bot.bound_port, slow_body(1000)) for _ in range(3)))
    await raw_exchange(bot.bound_port, slow_body(guard.MAX_BODY * 2))
    await raw_exchange(bot.bound_port, slow_body(1000), close=True)
    await fake.wait_until(lambda: metrics.value("aibot_http_clients_dropped_total", reason="went_away") == 1)
    assert metrics.value("aibot_http_clients_dropped_total", reason="body_timeout") == 3
    assert metrics.value("aibot_http_clients_dropped_total", reason="too_large") == 1


@pytest.mark.parametrize("payload", [
    {"type": "event_callback", "event_id": "EvCHAN1", "event": {"type": "channel_created",
                                                               "channel": {"id": "C0NEW", "name": "new"}}},
    {"type": "event_callback", "event_id": "EvJOIN1", "event": {"type": "team_join", "user": {"id": "U0NEW"}}},
    {"type": "event_callback", "event_id": "EvEDIT1", "event": {
        "type": "message", "subtype": "message_changed", "channel": "D0DIRECT1", "channel_type": "im",
        "message": {"type": "message", "user": "U1", "text": "edited", "ts": "1.2"},
        "previous_message": {"type": "message", "user": "U1", "text": "before", "ts": "1.2"}}},
], ids=["channel-object", "user-object", "message-changed"])
async def test_events_whose_fields_are_objects_by_design_still_pass(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture,
    payload: dict[str, Any],
) -> None:
    bot = await start_bot()
    status, _ = await send_event(http, bot.bound_port, payload)
    assert status == 200
    await answered(fake, http, bot, "C0AFTEROTHER")
    assert not tracebacks(caplog)


async def test_slacks_url_verification_is_still_answered_with_its_challenge(
    start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    bot = await start_bot()
    status, text = await send_event(http, bot.bound_port, {"type": "url_verification", "token": "t",
                                                           "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"})
    assert status == 200 and "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in text
