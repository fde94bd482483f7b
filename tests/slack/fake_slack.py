"""A fake Slack on 127.0.0.1: Web API, response_url sink, Socket Mode websocket.

Only the network edge is fake: the real slack-bolt and slack-sdk code talks to it over
HTTP and a websocket exactly as it would talk to slack.com. Tests read what the bot
sent from ``calls`` and ``responses``, and script failures with :meth:`FakeSlack.fail_next`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.waiting import until

BOT_TOKEN = "xoxb-1111-2222-faketoken"
APP_TOKEN = "xapp-1-A111-2222-fakeapptoken"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_USER_ID = "UAIBOT0001"  # must differ from the askers' ids, or bolt drops their events as the bot's own
TEAM_ID = "T0FAKE001"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None


@dataclass
class Scripted:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlack:
    """Records every call; answers like Slack, or with a scripted error."""

    def __init__(self, *, admins: set[str] | None = None, locales: dict[str, str] | None = None) -> None:
        self.calls: list[Call] = []
        self.responses: list[tuple[str, dict[str, Any]]] = []
        self.acks: list[dict[str, Any]] = []
        self.admins = admins or set()
        self.locales = locales or {}
        self.port = 0
        self._scripted: dict[str, list[Scripted]] = {}
        self._runner: web.AppRunner | None = None
        self._socket: web.WebSocketResponse | None = None
        self._socket_ready = asyncio.Event()
        #: Cleared, Socket Mode clients wait at the handshake: "Slack is slow to let us in".
        self.link_open = asyncio.Event()
        self.link_open.set()
        self._ts = itertools.count(1)
        #: external uploads: file id -> the bytes POSTed to its upload URL
        self.uploads: dict[str, bytes] = {}
        #: when set, the upload URL answers with this HTTP status instead of 200
        self.refuse_uploads: int | None = None
        self._file_ids = itertools.count(1)

    # --- lifecycle -------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response_url)
        app.router.add_get("/link/", self._link)
        app.router.add_post("/upload/{file_id}", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    # --- what tests look at ----------------------------------------------------------

    def posts(self) -> list[dict[str, Any]]:
        """chat.postMessage calls that Slack accepted or refused, in order."""
        return [c.params for c in self.calls if c.method == "chat.postMessage"]

    def method_calls(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def fail_next(self, method: str, error: str, *, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self._scripted.setdefault(method, []).append(Scripted(status, {"ok": False, "error": error}, headers or {}))

    async def wait_until(self, predicate: Callable[[], bool], within: float = 3.0) -> None:
        """Until ``predicate`` holds (tests.waiting.until); fail after ``within`` seconds, naming the calls."""
        await until(predicate, within=within, what=lambda: f"calls: {[c.method for c in self.calls]}")

    # --- Web API ---------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            raw = await request.text()
            if request.content_type == "application/json" and raw:
                params.update(json.loads(raw))
            elif raw:
                params.update(dict(urllib.parse.parse_qsl(raw)))
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.get("token")
        self.calls.append(Call(method, params, token))
        scripted = self._scripted.get(method)
        if scripted:
            answer = scripted.pop(0)
            return web.json_response(answer.body, status=answer.status, headers=answer.headers)
        expected = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        if token != expected:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        return web.json_response(self._answer(method, params))

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "url": "https://fake.slack.test/", "team": "Fake", "user": "aibot",
                    "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": "BAIBOT001", "is_enterprise_install": False}
        if method == "chat.postMessage":
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            return {"ok": True, "channel": params.get("channel"), "ts": ts,
                    "message": {"text": params.get("text"), "ts": ts, "bot_id": "BAIBOT001"}}
        if method == "users.info":
            user = str(params.get("user"))
            return {"ok": True, "user": {"id": user, "is_admin": user in self.admins, "is_owner": False,
                                         "locale": self.locales.get(user, "en-US")}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._file_ids):08d}"
            return {"ok": True, "file_id": file_id, "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            files = json.loads(str(params.get("files") or "[]"))
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title"), "name": f.get("title")}
                                          for f in files]}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link/?ticket=fake"}
        return {"ok": False, "error": "unknown_method"}

    async def _upload(self, request: web.Request) -> web.StreamResponse:
        """The upload URL files.getUploadURLExternal hands out: Slack answers 200 "OK - <length>"."""
        data = await request.read()
        file_id = request.match_info["file_id"]
        self.calls.append(Call("upload", {"file_id": file_id, "length": len(data)}, None))
        if self.refuse_uploads is not None:
            return web.Response(status=self.refuse_uploads, text="refused")
        self.uploads[file_id] = data
        return web.Response(text=f"OK - {len(data)}")

    async def _response_url(self, request: web.Request) -> web.StreamResponse:
        self.responses.append((request.match_info["name"], await request.json()))
        return web.Response(text="ok")

    # --- Socket Mode -----------------------------------------------------------------

    async def _link(self, request: web.Request) -> web.StreamResponse:
        await self.link_open.wait()
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._socket = socket
        await socket.send_json({"type": "hello", "num_connections": 1,
                                "debug_info": {"host": "fake", "approximate_connection_time": 3600}})
        self._socket_ready.set()
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                self.acks.append(json.loads(message.data))
        return socket

    async def socket_connected(self, within: float = 5.0) -> None:
        await asyncio.wait_for(self._socket_ready.wait(), within)

    async def push(self, envelope: dict[str, Any]) -> None:
        """Deliver one Socket Mode envelope to the connected app."""
        assert self._socket is not None, "no Socket Mode client connected"
        await self._socket.send_json(envelope)


# --- building requests as Slack does ---------------------------------------------------


def sign(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature: HMAC-SHA256 of "v0:timestamp:body" with the signing secret."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


_event_ids = itertools.count(1)


def event_callback(event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "api_app_id": "A0FAKE001",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_event_ids):08d}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
    }


def mention(text: str, *, user: str = "UASKER001", channel: str = "C0GENERAL", ts: str | None = None) -> dict[str, Any]:
    ts = ts or f"{time.time():.6f}"
    return {"type": "app_mention", "user": user, "text": f"<@{BOT_USER_ID}> {text}", "ts": ts,
            "channel": channel, "event_ts": ts, "team": TEAM_ID}


def direct_message(text: str, *, user: str = "UASKER001", channel: str = "D0DIRECT1") -> dict[str, Any]:
    ts = f"{time.time():.6f}"
    return {"type": "message", "channel_type": "im", "user": user, "text": text, "ts": ts,
            "channel": channel, "event_ts": ts, "team": TEAM_ID}


def slash_command(text: str, response_url: str, *, user: str = "UASKER001", channel: str = "C0GENERAL",
                  channel_name: str = "general") -> dict[str, str]:
    """As Slack posts it; a DM with the bot is ``channel="D...", channel_name="directmessage"``."""
    return {
        "token": "legacy-verification-token", "team_id": TEAM_ID, "team_domain": "fake",
        "channel_id": channel, "channel_name": channel_name, "user_id": user, "user_name": "asker",
        "command": "/aibot", "text": text, "api_app_id": "A0FAKE001", "is_enterprise_install": "false",
        "response_url": response_url, "trigger_id": "1111.2222.abcd",
    }


def button_press(value: str, response_url: str, *, user: str = "UASKER001", channel: str = "C0GENERAL",
                 action_id: str = "aibot_suggest_0") -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "asker", "team_id": TEAM_ID},
        "api_app_id": "A0FAKE001", "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": channel,
                      "is_ephemeral": False},
        "trigger_id": "1111.2222.abcd", "team": {"id": TEAM_ID, "domain": "fake"},
        "channel": {"id": channel, "name": "general"},
        "message": {"type": "message", "ts": "1700000000.000100", "bot_id": "BAIBOT001", "text": "I don't know"},
        "response_url": response_url,
        "actions": [{"action_id": action_id, "block_id": "aibot_suggestions", "type": "button",
                     "text": {"type": "plain_text", "text": value[:75]}, "value": value,
                     "action_ts": f"{time.time():.6f}"}],
    }


def all_strings(value: Any) -> list[str]:
    """Every string inside a JSON value, so checks cover text, blocks and buttons alike."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in all_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in all_strings(v)]
    return []
