"""A fake Discord on 127.0.0.1: REST under /api/v10 and a gateway websocket, for the real client.

It does what Discord does for the calls discord.py 2.7 makes: HELLO, heartbeat ACKs,
IDENTIFY -> READY + GUILD_CREATE, MESSAGE_CREATE and INTERACTION_CREATE dispatch, message
content stripped when the intent is off, close code 4014 when the intent is refused. Every
REST call the bot makes is recorded in ``requests`` for the tests to inspect.

Gotchas (discord.py 2.7): REST replies need a Content-Type of exactly application/json;
READY's resume_gateway_url must point back here; the client asks for zlib-stream but only
inflates binary frames, so text frames are fine; interaction callbacks come with
``?with_response=1`` and expect JSON back.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.waiting import until

BOT_ID = 1000
APP_ID = 1000
GUILD_ID = 2000  # (2000 >> 22) % n == 0: shard 0
OTHER_GUILD_ID = (1 << 22) + 2001  # shard 1 of 2
CHANNEL_ID = 3000
OTHER_CHANNEL_ID = 3001
DM_CHANNEL_ID = 3900
USER_ID = 4000
MESSAGE_CONTENT = 1 << 15
TIMESTAMP = "2025-01-25T10:00:00.000000+00:00"
EVERYONE_PERMISSIONS = "1071698660929"  # view, send, embed links, read history...

BOT_USER = {"id": str(BOT_ID), "username": "aibot", "discriminator": "0", "global_name": None,
            "avatar": None, "bot": True}


def user(user_id: int = USER_ID, *, name: str = "alice", bot: bool = False) -> dict[str, Any]:
    return {"id": str(user_id), "username": name, "discriminator": "0", "global_name": name,
            "avatar": None, "bot": bot}


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"})


@dataclass
class UploadedFile:
    """A file part of a multipart request, as Discord receives it."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class Request:
    """One REST call the bot made."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    content_type: str = "application/json"
    files: list[UploadedFile] = field(default_factory=list)


@dataclass
class Session:
    ws: web.WebSocketResponse
    shard: tuple[int, int] = (0, 1)
    intents: int = 0
    seq: int = 0

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        self.seq += 1
        await self.ws.send_str(json.dumps({"op": 0, "t": event, "s": self.seq, "d": data}))

    def has_guild(self, guild_id: int | None) -> bool:
        shard_id, count = self.shard
        return (guild_id is None and shard_id == 0) or (guild_id is not None and (guild_id >> 22) % count == shard_id)


@dataclass
class FakeDiscord:
    refuse_message_content: bool = False
    #: The gateway closes with 4004 (authentication failed) at IDENTIFY, as for a reset token.
    refuse_token: bool = False
    recommended_shards: int = 1
    #: channel id -> (HTTP status, Discord error code) to fail posts to that channel with.
    channel_errors: dict[int, tuple[int, int]] = field(default_factory=dict)
    #: channel id -> (HTTP status, Discord error code) for posts that carry a file (no Attach Files).
    attachment_errors: dict[int, tuple[int, int]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    identifies: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    dispatched: list[dict[str, Any]] = field(default_factory=list)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    originals: dict[str, int] = field(default_factory=dict)  # interaction token -> message id
    port: int = 0

    def __post_init__(self) -> None:
        self._ids = itertools.count(900_000)
        self._runner: web.AppRunner | None = None
        self._sockets: set[web.WebSocketResponse] = set()

    # -- server ------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def next_id(self) -> int:
        return next(self._ids)

    # -- gateway -----------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.add(ws)
        session = Session(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45000}, "s": None, "t": None}))
        try:
            async for frame in ws:
                if frame.type is not WSMsgType.TEXT:
                    continue
                payload = json.loads(frame.data)
                op, data = payload["op"], payload.get("d")
                if op == 1:
                    await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
                elif op == 2:
                    await self._identify(session, data)
                elif op == 6:
                    self.sessions.append(session)
                    await session.dispatch("RESUMED", {})
        finally:
            self._sockets.discard(ws)
            if session in self.sessions:
                self.sessions.remove(session)
        return ws

    async def _identify(self, session: Session, data: dict[str, Any]) -> None:
        self.identifies.append(data)
        session.intents = int(data["intents"])
        shard = data.get("shard") or [0, 1]
        session.shard = (int(shard[0]), int(shard[1]))
        if self.refuse_token:
            await session.ws.close(code=4004, message=b"Authentication failed.")
            return
        if self.refuse_message_content and session.intents & MESSAGE_CONTENT:
            await session.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        guilds = [g for g in (GUILD_ID, OTHER_GUILD_ID) if session.has_guild(g)]
        await session.dispatch("READY", {
            "v": 10, "user": BOT_USER, "guilds": [{"id": str(g), "unavailable": True} for g in guilds],
            "session_id": f"session-{self.next_id()}", "resume_gateway_url": self.gateway_url,
            "shard": list(session.shard), "application": {"id": str(APP_ID), "flags": 0},
            "private_channels": [], "relationships": [], "presences": [],
        })
        for guild_id in guilds:
            await session.dispatch("GUILD_CREATE", _guild(guild_id))
        self.sessions.append(session)

    async def dispatch(self, event: str, data: dict[str, Any], guild_id: int | None) -> None:
        """Send an event to the session whose shard holds ``guild_id`` (shard 0 for DMs)."""
        self.dispatched.append({"t": event, "d": data})
        for session in list(self.sessions):
            if session.has_guild(guild_id):
                shaped = data
                if event == "MESSAGE_CREATE" and not session.intents & MESSAGE_CONTENT:
                    shaped = _without_content(data)
                await session.dispatch(event, shaped)

    # -- what a user does ----------------------------------------------------------------

    async def say(self, content: str, *, author: dict[str, Any] | None = None, mention_bot: bool = False,
                  dm: bool = False, channel_id: int = CHANNEL_ID, guild_id: int = GUILD_ID,
                  reply_to: dict[str, Any] | None = None) -> dict[str, Any]:
        """A user posts in a server channel (or a DM); ``mention_bot`` prefixes the bot's mention;
        ``reply_to`` makes it a reply to that message, without pinging its author, as Discord sends it."""
        author = author or user()
        text = f"<@{BOT_ID}> {content}" if mention_bot else content
        message = _message(self.next_id(), DM_CHANNEL_ID if dm else channel_id, author, text,
                           guild_id=None if dm else guild_id,
                           mentions=[BOT_USER] if mention_bot else [])
        if reply_to is not None:
            message["type"] = 19
            message["message_reference"] = {"type": 0, "message_id": reply_to["id"],
                                            "channel_id": reply_to["channel_id"], "guild_id": reply_to.get("guild_id")}
            message["referenced_message"] = reply_to
        message["mention_everyone"] = "@everyone" in content or "@here" in content
        if not dm:
            message["member"] = _member()
        self.messages[int(message["id"])] = message
        await self.dispatch("MESSAGE_CREATE", message, None if dm else guild_id)
        return message

    async def interact(self, kind: int, data: dict[str, Any], *, locale: str = "en-US",
                       permissions: str = EVERYONE_PERMISSIONS, message: dict[str, Any] | None = None,
                       author: dict[str, Any] | None = None, dm: bool = False, guild_id: int = GUILD_ID,
                       channel_id: int = CHANNEL_ID) -> str:
        """An INTERACTION_CREATE in a server (the main one unless ``guild_id`` and ``channel_id``
        say another), or with ``dm`` in a DM with the bot, as Discord sends one for a command
        registered before it was made guild-only (no guild, no member, a ``user``); returns the
        interaction id."""
        interaction_id = self.next_id()
        payload: dict[str, Any] = {
            "id": str(interaction_id), "application_id": str(APP_ID), "type": kind, "data": data,
            "guild_id": str(guild_id), "guild": {"id": str(guild_id), "locale": "en-US", "features": []},
            "channel_id": str(channel_id), "channel": _channel(channel_id, guild_id),
            "member": {**_member(), "user": author or user(), "permissions": permissions},
            "token": f"token-{interaction_id}", "version": 1, "locale": locale, "guild_locale": "en-US",
            "app_permissions": EVERYONE_PERMISSIONS, "entitlements": [], "context": 0,
            "authorizing_integration_owners": {"0": str(guild_id)}, "attachment_size_limit": 8 * 1024 * 1024,
        }
        if dm:
            for key in ("guild_id", "guild", "member", "guild_locale"):
                del payload[key]
            payload.update(user=author or user(), channel_id=str(DM_CHANNEL_ID), context=1,
                           channel={"id": str(DM_CHANNEL_ID), "type": 1, "recipients": [author or user()],
                                    "last_message_id": None, "flags": 0},
                           authorizing_integration_owners={"0": str(GUILD_ID)})
        if message is not None:
            payload["message"] = message
        await self.dispatch("INTERACTION_CREATE", payload, None if dm else guild_id)
        return str(interaction_id)

    async def slash(self, name: str, options: list[dict[str, Any]] | None = None, **kwargs: Any) -> str:
        data = {"id": str(self.next_id()), "name": name, "type": 1, "options": options or []}
        return await self.interact(2, data, **kwargs)

    async def autocomplete(self, name: str, options: list[dict[str, Any]], **kwargs: Any) -> str:
        data = {"id": str(self.next_id()), "name": name, "type": 1, "options": options}
        return await self.interact(4, data, **kwargs)

    async def press(self, message: dict[str, Any], custom_id: str, **kwargs: Any) -> str:
        return await self.interact(3, {"custom_id": custom_id, "component_type": 2}, message=message, **kwargs)

    # -- what the bot did -----------------------------------------------------------------

    def calls(self, method: str, pattern: str) -> list[Request]:
        regex = re.compile(pattern)
        return [r for r in self.requests if r.method == method and regex.fullmatch(r.path)]

    def channel_posts(self, channel_id: int = CHANNEL_ID) -> list[Request]:
        return self.calls("POST", f"/channels/{channel_id}/messages")

    def callbacks(self, interaction_id: str) -> list[Request]:
        return self.calls("POST", f"/interactions/{interaction_id}/token-{interaction_id}/callback")

    async def wait_for(self, condition: Callable[[], Any], within: float = 5.0) -> Any:
        """Until ``condition()`` is truthy (tests.waiting.until), returning it; the fake keeps serving meanwhile."""
        return await until(condition, within=within,
                           what=lambda: f"requests so far: {[(r.method, r.path) for r in self.requests]}")

    # -- REST -----------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        files: list[UploadedFile] = []
        if request.can_read_body:
            if request.content_type == "multipart/form-data":
                form = await request.post()
                raw = form.get("payload_json")
                body = json.loads(str(raw)) if raw is not None else None
                for name, value in form.items():
                    if isinstance(value, web.FileField):
                        files.append(UploadedFile(name, value.filename, value.content_type, value.file.read()))
            else:
                text = await request.text()
                body = json.loads(text) if text else None
        self.requests.append(Request(request.method, path, dict(request.query), body, request.content_type, files))
        refused = self._refused_attachment(path) if files else None
        if refused is not None:
            status, code = refused
            return _json({"message": "Missing Permissions", "code": code}, status)
        return self._answer(request.method, path, dict(request.query), body, files)

    def _refused_attachment(self, path: str) -> tuple[int, int] | None:
        """Interaction responses and follow-ups land in CHANNEL_ID, like the interactions the fake sends."""
        if m := re.fullmatch(r"/channels/(\d+)/messages", path):
            return self.attachment_errors.get(int(m.group(1)))
        if re.fullmatch(r"/interactions/\d+/[^/]+/callback|/webhooks/\d+/[^/]+", path):
            return self.attachment_errors.get(CHANNEL_ID)
        return None

    def _answer(self, method: str, path: str, query: dict[str, str], body: Any,
                files: list[UploadedFile] | None = None) -> web.Response:
        if path == "/gateway/bot":
            return _json({"url": self.gateway_url, "shards": self.recommended_shards,
                          "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0,
                                                  "max_concurrency": 1}})
        if path == "/gateway":
            return _json({"url": self.gateway_url})
        if path == "/users/@me":
            return _json(BOT_USER)
        if path == "/oauth2/applications/@me":
            return _json(_application())
        if m := re.fullmatch(r"/applications/(\d+)(?:/guilds/(\d+))?/commands", path):
            commands = [{**c, "id": str(self.next_id()), "application_id": m.group(1), "version": "1",
                         "guild_id": m.group(2)} for c in body or []]
            return _json(commands)
        if m := re.fullmatch(r"/channels/(\d+)/messages", path):
            channel_id = int(m.group(1))
            if channel_id in self.channel_errors:
                status, code = self.channel_errors[channel_id]
                return _json({"message": "error", "code": code}, status)
            return _json(self._store(channel_id, body, files=files))
        if m := re.fullmatch(r"/channels/(\d+)/messages/(\d+)", path):
            return self._edit(int(m.group(2)), body, method)
        if m := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path):
            return self._callback(m.group(1), m.group(2), body, query, files)
        if m := re.fullmatch(r"/webhooks/(\d+)/([^/]+)", path):
            message = self._store(CHANNEL_ID, body, webhook=True, files=files)
            return _json(message)
        if m := re.fullmatch(r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)", path):
            target = m.group(3)
            message_id = self.originals.get(m.group(2), 0) if target == "@original" else int(target)
            return self._edit(message_id, body, method)
        return _json({"message": f"fake Discord has no route {method} {path}", "code": 0}, 404)

    def _store(self, channel_id: int, body: dict[str, Any] | None, *, webhook: bool = False,
               files: list[UploadedFile] | None = None) -> dict[str, Any]:
        body = body or {}
        message = _message(self.next_id(), channel_id, BOT_USER, body.get("content") or "",
                           guild_id=None if channel_id == DM_CHANNEL_ID else GUILD_ID)
        message["embeds"] = body.get("embeds") or []
        message["components"] = body.get("components") or []
        message["flags"] = body.get("flags", 0)
        message["attachments"] = [self._attachment(a, files or []) for a in body.get("attachments") or []]
        if webhook:
            message["webhook_id"] = str(APP_ID)
        self.messages[int(message["id"])] = message
        return message

    def _attachment(self, meta: dict[str, Any], files: list[UploadedFile]) -> dict[str, Any]:
        """What Discord returns for an uploaded attachment: its part is ``files[<id>]``."""
        part = next((f for f in files if f.field == f"files[{meta.get('id')}]"), None)
        attachment_id = self.next_id()
        name = meta.get("filename") or (part.filename if part else "file")
        url = f"http://127.0.0.1:{self.port}/attachments/{attachment_id}/{name}"
        return {"id": str(attachment_id), "filename": name, "description": meta.get("description"),
                "size": len(part.data) if part else 0, "url": url, "proxy_url": url,
                "content_type": part.content_type if part else None}

    def _edit(self, message_id: int, body: dict[str, Any] | None, method: str) -> web.Response:
        message = self.messages.get(message_id)
        if message is None:
            return _json({"message": "Unknown Message", "code": 10008}, 404)
        if method == "DELETE":
            del self.messages[message_id]
            return web.Response(status=204)
        if method == "GET":
            return _json(message)
        for key in ("content", "embeds", "components"):
            if body and key in body:
                message[key] = body[key]
        return _json(message)

    def _callback(self, interaction_id: str, token: str, body: dict[str, Any], query: dict[str, str],
                  files: list[UploadedFile] | None = None) -> web.Response:
        kind = body["type"]
        data = body.get("data") or {}
        flags = int(data.get("flags") or 0)
        interaction: dict[str, Any] = {"id": interaction_id, "type": 2,
                                       "response_message_loading": kind == 5,
                                       "response_message_ephemeral": bool(flags & 64)}
        resource: dict[str, Any] = {"type": kind}
        if kind in (4, 5):  # a message (or its "thinking..." placeholder) is created
            message = self._store(CHANNEL_ID, data, webhook=True, files=files)
            self.originals[token] = int(message["id"])
            interaction["response_message_id"] = message["id"]
            if kind == 4:
                resource["message"] = message
        if query.get("with_response") in ("1", "true"):
            return _json({"interaction": interaction, "resource": resource})
        return web.Response(status=204)


def _without_content(message: dict[str, Any]) -> dict[str, Any]:
    """What an app without the message content intent receives: Discord still sends the
    content of DMs and of messages that mention the app."""
    mentioned = any(u["id"] == str(BOT_ID) for u in message.get("mentions", []))
    if "guild_id" not in message or mentioned:
        return message
    return {**message, "content": "", "embeds": [], "attachments": [], "components": []}


def _message(message_id: int, channel_id: int, author: dict[str, Any], content: str, *,
             guild_id: int | None, mentions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {
        "id": str(message_id), "channel_id": str(channel_id), "author": author, "content": content,
        "timestamp": TIMESTAMP, "edited_timestamp": None, "tts": False, "mention_everyone": False,
        "mentions": mentions or [], "mention_roles": [], "attachments": [], "embeds": [], "pinned": False,
        "type": 0, "components": [], "flags": 0,
    }
    if guild_id is not None:
        message["guild_id"] = str(guild_id)
    return message


def _member() -> dict[str, Any]:
    return {"roles": [], "joined_at": TIMESTAMP, "deaf": False, "mute": False, "flags": 0, "nick": None,
            "avatar": None, "premium_since": None, "pending": False}


def _channel(channel_id: int, guild_id: int) -> dict[str, Any]:
    return {"id": str(channel_id), "type": 0, "guild_id": str(guild_id), "name": f"general-{channel_id}",
            "position": 0, "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None,
            "last_message_id": None, "rate_limit_per_user": 0, "flags": 0}


def _guild(guild_id: int) -> dict[str, Any]:
    channels = [_channel(CHANNEL_ID, guild_id), _channel(OTHER_CHANNEL_ID, guild_id)] if guild_id == GUILD_ID \
        else [_channel(guild_id + 1, guild_id)]
    return {
        "id": str(guild_id), "name": f"guild {guild_id}", "icon": None, "splash": None, "discovery_splash": None,
        "owner_id": str(USER_ID), "afk_channel_id": None, "afk_timeout": 300, "verification_level": 0,
        "default_message_notifications": 0, "explicit_content_filter": 0,
        "roles": [{"id": str(guild_id), "name": "@everyone", "permissions": EVERYONE_PERMISSIONS, "position": 0,
                   "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0}],
        "emojis": [], "stickers": [], "features": [], "mfa_level": 0, "system_channel_id": None,
        "system_channel_flags": 0, "rules_channel_id": None, "vanity_url_code": None, "description": None,
        "banner": None, "premium_tier": 0, "preferred_locale": "en-US", "public_updates_channel_id": None,
        "nsfw_level": 0, "premium_progress_bar_enabled": False, "joined_at": TIMESTAMP, "large": False,
        "unavailable": False, "member_count": 2, "voice_states": [], "threads": [], "presences": [],
        "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
        "members": [{**_member(), "user": BOT_USER}], "channels": channels,
    }


def _application() -> dict[str, Any]:
    return {"id": str(APP_ID), "name": "aibot", "icon": None, "description": "", "rpc_origins": [],
            "bot_public": True, "bot_require_code_grant": False, "owner": user(), "team": None,
            "verify_key": "0" * 64, "flags": 0, "summary": "", "bot": BOT_USER,
            "interactions_endpoint_url": None, "approximate_guild_count": 1}
