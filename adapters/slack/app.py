"""The thin part: a slack-bolt AsyncApp wired to the core, served over Socket Mode or HTTP.

Everything Slack-shaped is decided in :mod:`adapters.slack.translate` and
:mod:`adapters.slack.render`; this module only dispatches. Slash commands and buttons are
acknowledged before any work (Slack gives 3 seconds), events are acknowledged by bolt
itself, and answers go out afterwards through response_url or chat.postMessage.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp, AsyncBoltContext, AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import guard, render, translate
from adapters.slack.startup import AuthCheck, check_tokens, watch_socket, with_app_token
from adapters.slack.upload import SlackCharts
from bot import messages
from bot.conversation import ConversationService, ReplyKind
from bot.digest.model import CommandContext, Digest, PostError
from bot.digest.service import without_report
from bot.health import HealthServer
from bot.language import Lang
from bot.logs import log_ids
from bot.platforms import RunOptions, Services
from bot.reload import reload_by
from knowledge.errors import AibotError

_log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
DEFAULT_API_URL = "https://slack.com/api/"
#: Errors that say the channel itself is gone or closed to us: retrying will not help.
PERMANENT_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived", "restricted_action"})
#: Errors that say our credentials are wrong: every call will fail until someone fixes them.
AUTH_ERRORS = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"})
MAX_RATE_LIMIT_RETRIES = 3
MAX_RETRY_AFTER = 60.0
#: Seconds the HTTP server waits for requests still open when it closes (aiohttp's default is 60):
#: the drain before it already waited for answers, and the process must be gone within 10 s.
SERVER_SHUTDOWN_TIMEOUT = 0.5

Respond = Callable[..., Awaitable[Any]]


def _closing(status: int, reason: str) -> web.Response:
    """A refusal after which the connection is closed: what is left of the body is never read."""
    response = web.Response(status=status, text=reason)
    response.force_close()
    return response


class SlackSendError(AibotError):
    """A message could not be delivered; ``code`` is Slack's error code."""

    def __init__(self, code: str, *, permanent: bool) -> None:
        super().__init__(code)
        self.code = code
        self.permanent = permanent


def api_base_url(configured: str | None) -> str:
    """slack_sdk joins method names onto base_url, so it must end with a slash."""
    url = configured or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


def _retry_after(headers: Mapping[str, Any] | None) -> float:
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) else value
            try:
                return min(max(float(raw), 0.0), MAX_RETRY_AFTER)
            except (TypeError, ValueError):
                break
    return 1.0


class SlackPlatform:
    """One Slack workspace, served until cancelled."""

    name = "slack"

    def __init__(self, services: Services, options: RunOptions) -> None:
        settings = services.settings
        self.services = services
        self.settings = settings
        self.app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else None
        self.http = options.http or self.app_token is None
        self.host = options.host
        self.port = options.port if options.port is not None else 3000
        self.http_port = self.port if self.http else None  # /healthz, /readyz, /metrics are served here too
        self.listener: HealthServer | None = None  # the health server already on http_port: its socket is taken
        secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        self.app = AsyncApp(
            name="aibot",
            # The token only, not a client too: bolt also reads SLACK_BOT_TOKEN from the environment,
            # and given both it logs "token will be unused" at every start.
            token=token,
            signing_secret=secret,
            # Over HTTP, web_app's guard has verified the signature before bolt sees the request
            # (and Socket Mode has none): bolt's own check would only compute the HMAC again.
            request_verification_enabled=False,
            logger=logging.getLogger("adapters.slack.bolt"),
        )
        self.client: AsyncWebClient = self.app.client
        self.client.base_url = api_base_url(settings.slack_api_url)
        self.conversation = services.conversation or ConversationService.from_settings(
            services.engine, settings, metrics=services.metrics, feedback=services.store)
        self.recent = guard.RecentEvents()
        self.backlog = guard.Backlog()  # events acked and not yet answered, bounded
        self.inflight = guard.InFlight()  # requests and answers a drain waits for
        #: set on SIGTERM (:meth:`drain`): new Events API deliveries get a 503, which Slack retries elsewhere
        self.draining = False
        self.dropped = guard.DroppedClients(on_drop=services.metrics.client_dropped if services.metrics else None)
        store = getattr(services, "store", None)
        #: replicas sharing a PostgreSQL DATABASE_URL answer a retry once between them
        metrics = services.metrics
        self.shared = guard.SharedEvents(
            store, self.recent, on_unchecked=(lambda: metrics.event_unshared(self.name)) if metrics else None,
        ) if store is not None and store.dialect != "sqlite" else None
        #: on a SQLite store (one process to a file), seen events outlive a restart
        self.stored = guard.StoredEvents(store, self.recent) if store is not None and self.shared is None else None
        self.signing_secret = secret
        self.ready = asyncio.Event()
        self.bound_port: int | None = None
        self.charts = SlackCharts(self.client, self.conversation.chart_fallback)
        self.auth = AuthCheck(self.client)
        self._register()

    # --- wiring ----------------------------------------------------------------------

    def _register(self) -> None:
        app = self.app

        @app.event("app_mention")
        async def on_mention(body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext,
                             request: AsyncBoltRequest) -> None:
            with self.inflight.track():
                await self.answer_event(body, event, context.bot_user_id, request.headers)

        @app.event("message")
        async def on_message(body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext,
                             request: AsyncBoltRequest) -> None:
            if translate.is_plain_dm(event):
                with self.inflight.track():
                    await self.answer_event(body, event, context.bot_user_id, request.headers)

        @app.command("/aibot")
        async def on_command(ack: Callable[[], Awaitable[None]], body: dict[str, Any], respond: Respond) -> None:
            with self.inflight.track():
                await ack()
                await self.answer_command(body, respond)

        @app.action(re.compile(render.SUGGEST_ACTION_PATTERN))
        async def on_suggestion(ack: Callable[[], Awaitable[None]], body: dict[str, Any], respond: Respond) -> None:
            with self.inflight.track():
                await ack()
                await self.answer_suggestion(body, respond)

        @app.action(re.compile(render.VOTE_ACTION_PATTERN))
        async def on_vote(ack: Callable[[], Awaitable[None]], body: dict[str, Any], respond: Respond) -> None:
            with self.inflight.track():
                await ack()
                await self.answer_vote(body, respond)

        @app.event(re.compile(".*"))
        async def on_other_event(event: dict[str, Any]) -> None:
            """Registered last: any other event is acknowledged, so Slack neither retries it nor
            counts it as a failure (bolt would answer 404 "unhandled request")."""
            _log.debug("slack: ignoring %s event", event.get("type"))

        @app.error
        async def on_error(error: Exception, body: dict[str, Any]) -> None:
            _log.error("slack: listener failed on a %s request: %s", body.get("type", "unknown"), error,
                       exc_info=error)

    # --- what each kind of request gets ------------------------------------------------

    async def answer_event(self, body: dict[str, Any], event: dict[str, Any], bot_user_id: str | None,
                           headers: Mapping[str, Any]) -> None:
        """A mention or a DM: answered once, in its thread, unless it comes from a bot."""
        if translate.is_from_bot(event) or (bot_user_id and event.get("user") == bot_user_id):
            return
        with self.backlog.answer():
            await self._answer_event(body, event, bot_user_id, headers)

    async def _answer_event(self, body: dict[str, Any], event: dict[str, Any], bot_user_id: str | None,
                            headers: Mapping[str, Any]) -> None:
        keys = translate.event_keys(body)
        if keys and self.shared:
            first = await self.shared.first_time(keys)
        else:
            first = self.stored.first_time(keys) if self.stored else self.recent.first_time(keys)
        if keys and not first:
            _log.info("slack: event %s already handled; ignoring delivery (retry %d)",
                      keys[0], translate.retry_number(headers))
            return
        message = translate.event_message(event, bot_user_id=bot_user_id, tenant=translate.tenant_of(body))
        reply = await self.conversation.handle(message)
        if reply.kind is ReplyKind.IGNORE:
            return
        thread = translate.reply_thread(event)
        channel = message.channel_id or ""
        if reply.kind is ReplyKind.CHART and reply.chart is not None:
            async def as_text(text: str) -> None:
                await self.post(channel, render.notice(text), thread_ts=thread)

            await self.charts.post_chart(channel, reply.chart, reply.lang, as_text, thread_ts=thread)
            return
        await self.post(channel, render.reply_message(reply), thread_ts=thread)

    async def answer_command(self, body: dict[str, Any], respond: Respond) -> None:
        cmd = translate.command(body)
        log_ids(platform=self.name, channel_id=cmd.channel_id, user_id=cmd.user_id)
        if cmd.kind == "help":
            await self._respond(respond, render.reply_message(self.conversation.help(cmd.lang)),
                                response_type="ephemeral")
        elif cmd.kind == "about":
            await self._respond(respond, render.reply_message(self.conversation.about(cmd.lang)),
                                response_type="ephemeral")
        elif cmd.kind == "digest":
            await self.digest_command(cmd, respond)
        elif cmd.kind == "chart":
            await self.chart_command(cmd, respond)
        elif cmd.kind == "reload":
            is_admin, locale_lang = await self.asker(cmd.user_id)
            text = await reload_by(self.services.reloader, is_admin=is_admin, lang=locale_lang or cmd.lang)
            await self._respond(respond, render.notice(text), response_type="ephemeral")
        else:
            reply = await self.conversation.handle(translate.command_message(cmd))
            if reply.kind is ReplyKind.IGNORE:
                return
            shared = reply.kind is not ReplyKind.SLOW_DOWN
            await self._respond(respond, render.reply_message(reply),
                                response_type="in_channel" if shared else "ephemeral")

    async def answer_suggestion(self, body: dict[str, Any], respond: Respond) -> None:
        """A "Did you mean" button: the chosen question is answered in place of the buttons."""
        message = translate.action_message(body)
        if message is None:
            return
        reply = await self.conversation.handle(message)
        if reply.kind is ReplyKind.IGNORE:
            return
        if reply.kind is ReplyKind.SLOW_DOWN:
            await self._respond(respond, render.reply_message(reply), response_type="ephemeral",
                                replace_original=False)
            return
        await self._respond(respond, render.reply_message(reply, asked=message.text), replace_original=True)

    async def answer_vote(self, body: dict[str, Any], respond: Respond) -> None:
        """A 👍 / 👎 press: recorded by the conversation service, acknowledged to the voter alone."""
        vote = translate.vote_from_action(body)
        if vote is None:
            return
        text = await self.conversation.record_vote(vote)
        await self._respond(respond, render.notice(text), response_type="ephemeral", replace_original=False)

    async def digest_command(self, cmd: translate.Command, respond: Respond) -> None:
        """``/aibot digest ...`` goes to the digest service; the adapter only says who asks, and in which language."""
        is_admin, locale_lang = await self.asker(cmd.user_id)
        lang: Lang = locale_lang or cmd.lang
        digests = getattr(self.services, "digests", None)
        if digests is None:
            await self._respond(respond, render.notice(messages.text("slack_digest_unavailable", lang)),
                                response_type="ephemeral")
            return
        context = CommandContext(platform="slack", workspace_id=cmd.team_id, channel_id=cmd.channel_id,
                                 user_id=cmd.user_id, is_admin=is_admin and not cmd.direct, lang=lang,
                                 tenant=cmd.tenant)
        reply = await digests.handle_command(context, cmd.args, direct=cmd.direct)  # a DM gets no admin data
        if reply.digest is not None:
            intro = render.notice(reply.text.split("\n", 1)[0])
            preview = render.digest_message(reply.digest)
            message = {"text": reply.text, "blocks": intro["blocks"] + preview["blocks"]}
        else:
            message = render.notice(reply.text)
        await self._respond(respond, message, response_type="ephemeral")

    async def chart_command(self, cmd: translate.Command, respond: Respond) -> None:
        """``/aibot chart [en|fr]``: the chart uploaded into the channel; the ranking as text if Slack refuses."""
        message = dataclasses.replace(translate.command_message(cmd), lang=cmd.lang)
        reply = await self.conversation.handle(message, chart=True)
        if reply.kind is ReplyKind.IGNORE:
            return
        if reply.kind is not ReplyKind.CHART or reply.chart is None:
            shared = reply.kind is not ReplyKind.SLOW_DOWN
            await self._respond(respond, render.reply_message(reply),
                                response_type="in_channel" if shared else "ephemeral")
            return

        async def as_text(text: str) -> None:
            await self._respond(respond, render.notice(text), response_type="in_channel")

        await self.charts.post_chart(cmd.channel_id, reply.chart, reply.lang, as_text)

    async def asker(self, user_id: str) -> tuple[bool, Lang | None]:
        """(may manage digests, language of the asker's Slack locale) from users.info.

        Admins are the ids in SLACK_ADMIN_USER_IDS plus the workspace's admins and owners.
        """
        listed = user_id in self.settings.slack_admin_user_ids
        try:
            response = await self.client.users_info(user=user_id, include_locale=True)
        except SlackApiError as exc:
            _log.warning("slack: users.info failed for %s: %s", user_id, exc.response.get("error"))
            return listed, None
        except (aiohttp.ClientError, TimeoutError) as exc:
            _log.warning("slack: users.info failed for %s: %s", user_id, type(exc).__name__)
            return listed, None
        user = response.get("user") or {}
        admin = listed or bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        locale = str(user.get("locale") or "").lower()
        lang: Lang | None = "fr" if locale.startswith("fr") else "en" if locale.startswith("en") else None
        return admin, lang

    # --- sending ---------------------------------------------------------------------

    async def send(self, channel: str, message: render.Message, *, thread_ts: str | None = None) -> None:
        """chat.postMessage, waiting out ``ratelimited`` as Slack asks; raises SlackSendError."""
        for attempt in range(MAX_RATE_LIMIT_RETRIES + 1):
            try:
                await self.client.chat_postMessage(
                    channel=channel, text=message["text"], blocks=message["blocks"], thread_ts=thread_ts,
                    unfurl_links=False, unfurl_media=False,
                )
                return
            except SlackApiError as exc:
                code = str(exc.response.get("error") or "unknown_error")
                if code == "ratelimited" and attempt < MAX_RATE_LIMIT_RETRIES:
                    wait = _retry_after(exc.response.headers)
                    _log.warning("slack: chat.postMessage to %s: ratelimited; retrying in %.0f s", channel, wait)
                    await asyncio.sleep(wait)
                    continue
                raise SlackSendError(code, permanent=code in PERMANENT_ERRORS) from exc
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise SlackSendError(f"network error ({type(exc).__name__})", permanent=False) from exc
        raise SlackSendError("ratelimited", permanent=False)  # pragma: no cover - the loop returns or raises

    async def post(self, channel: str, message: render.Message, *, thread_ts: str | None = None) -> bool:
        """Send a reply; a failure is logged with Slack's code and dropped, never raised."""
        try:
            await self.send(channel, message, thread_ts=thread_ts)
            return True
        except SlackSendError as exc:
            level = logging.ERROR if exc.code in AUTH_ERRORS else logging.WARNING
            if exc.code in AUTH_ERRORS:
                self.auth.failed()  # /readyz says so until a check passes again
            _log.log(level, "slack: could not post to %s: %s; reply dropped", channel, exc.code)
            return False

    async def post_digest(self, workspace_id: str | None, channel_id: str, digest: Digest) -> None:
        if digest.report and translate.is_direct_channel(channel_id, ""):  # subscribed before DMs were refused
            _log.warning("slack: digest for DM channel %s posted without the admins' report", channel_id)
            digest = without_report(digest)
        try:
            await self.send(channel_id, render.digest_message(digest))
        except SlackSendError as exc:
            raise PostError(exc.code, permanent=exc.permanent) from exc
        chart = await digest.chart.render() if digest.chart is not None else None
        if chart is not None:  # the headline figures are already in the text: a refused upload loses nothing
            await self.charts.post_chart(channel_id, chart, digest.lang, None)

    async def _respond(self, respond: Respond, message: render.Message, **options: Any) -> None:
        """Answer through response_url; Slack says no with a status, not an exception."""
        try:
            response = await respond(text=message["text"], blocks=message["blocks"], **options)
        except (aiohttp.ClientError, TimeoutError) as exc:
            _log.warning("slack: response_url failed: %s; reply dropped", type(exc).__name__)
            return
        status = getattr(response, "status_code", 200)
        if status != 200:
            _log.warning("slack: response_url answered %s: %s; reply dropped", status, getattr(response, "body", ""))

    # --- serving ---------------------------------------------------------------------

    async def run(self) -> None:
        """Serve until cancelled: HTTP when asked (or without an app token), else Socket Mode.

        Every Web API call goes through one aiohttp session with keep-alive: without one,
        slack_sdk opens a session, and so a connection (a TLS handshake against Slack), per call.
        bolt's per-request clients copy the app client's session, so they share it too.
        """
        async with aiohttp.ClientSession(trust_env=self.client.trust_env_in_session) as session:
            self.client.session = session
            try:
                if self.stored is not None:
                    await self.stored.load()
                await self._check_auth()
                if self.http:
                    await self._serve_http()
                else:
                    await self._serve_socket_mode()
            finally:
                self.client.session = None
                if self.stored is not None:
                    await self.stored.flush()

    async def drain(self, seconds: float) -> int:
        """SIGTERM: refuse new events (503, retried by Slack elsewhere) and give the answers already
        acknowledged ``seconds``; returns how many were still running and were cancelled."""
        self.draining = True
        left = await self.inflight.drain(seconds)
        if self.stored is not None:
            await self.stored.flush()  # before the store closes: a retry after the restart is answered once
        return left

    async def _check_auth(self) -> None:
        """Both tokens checked at start: a refused one ends the run with one line naming it
        (adapters.slack.startup); an unreachable Slack is retried for AIBOT_START_TIMEOUT."""
        identity = await check_tokens(self.client, self.settings, app_token=None,
                                      api_url=api_base_url(self.settings.slack_api_url))
        self.auth.passed()
        _log.info("slack: connected as %s in team %s", identity.get("user_id"), identity.get("team_id"))

    async def read_body(self, request: web.Request) -> bytes | web.Response:
        """The whole body within AIBOT_HTTP_BODY_TIMEOUT, or the answer for a client that is too
        slow, too large, or gone: one short log line each, never a traceback."""
        remote = request.remote
        declared = request.content_length
        dropped = self.dropped.note
        if declared is not None and declared > guard.MAX_BODY:  # refused before a byte of it is read
            dropped("too_large", logging.WARNING, "slack: refused a request from %s: body too large "
                    "(%d bytes declared)", remote, declared)
            return _closing(413, "body too large")
        try:
            async with asyncio.timeout(self.settings.http_body_timeout):
                return await request.read()
        except TimeoutError:
            dropped("body_timeout", logging.WARNING, "slack: dropped a client from %s: no complete body within %g s "
                    "(%s bytes declared)", remote, self.settings.http_body_timeout,
                    "?" if declared is None else declared)
            return _closing(408, "body not received in time")
        except web.HTTPRequestEntityTooLarge:  # chunked, so nothing was declared
            dropped("too_large", logging.WARNING, "slack: refused a request from %s: body too large (over %d bytes)",
                    remote, guard.MAX_BODY)
            return _closing(413, "body too large")
        except ConnectionError:
            dropped("went_away", logging.INFO, "slack: a client from %s went away before its body was complete",
                    remote)
            return _closing(400, "incomplete body")

    def web_app(self) -> web.Application:
        async def events(request: web.Request) -> web.StreamResponse:
            body = await self.read_body(request)
            if isinstance(body, web.Response):
                return body
            if self.http:  # verified before anything parses it (see adapters.slack.guard)
                refusal = guard.check(body, request.headers, self.signing_secret)
                if refusal is not None:
                    _log.warning("slack: refused a request from %s: %s (%d bytes)", request.remote, refusal.reason,
                                 len(body))
                    return web.Response(status=refusal.status, text=refusal.reason)
            if self.draining and body.lstrip().startswith(b"{"):
                # An Events API delivery (JSON; commands and buttons are forms, which Slack never
                # sends again, so those are still answered): Slack retries a 503 on another replica.
                return web.Response(status=503, text="shutting down")
            with self.inflight.track():  # an ack under way: its answer starts in a task of its own right after
                await self.backlog.admit()  # a flood waits here, not parked in memory after its ack
                bolt_request = AsyncBoltRequest(body=body.decode("utf-8", "replace"), query=request.query_string,
                                                headers=dict(request.headers))
                bolt_response = await self.app.async_dispatch(bolt_request)
                return await to_aiohttp_response(bolt_response)

        async def health(_: web.Request) -> web.StreamResponse:
            return web.Response(text="ok")

        application = web.Application(client_max_size=guard.MAX_BODY)
        application.router.add_post(EVENTS_PATH, events)
        health_checks = self.services.health
        if health_checks is not None:  # /healthz, /readyz and /metrics on this one port
            async def report(request: web.Request) -> web.StreamResponse:
                reply = await health_checks.respond(request.path, authorization=request.headers.get("Authorization"))
                return web.Response(status=reply.status, body=reply.body,
                                    headers={"Content-Type": reply.content_type, **reply.headers})

            for path in ("/healthz", "/readyz", "/metrics"):
                application.router.add_get(path, report)
        else:
            application.router.add_get("/healthz", health)
        return application

    async def _serve_http(self) -> None:
        # keepalive_timeout: aiohttp closes a connection still waiting for its request's headers
        # that long after it opened (or after its last reply), which makes it the header timeout.
        # lingering_time=0: after a 408 or a 413 the rest of the body is not read, the socket closes.
        # shutdown_timeout: by the time the server closes, a drain has already waited for the work in
        # flight; what is left is an idle keep-alive connection or a request cut short.
        runner = web.AppRunner(self.web_app(), access_log=None, keepalive_timeout=self.settings.http_header_timeout,
                               lingering_time=0, shutdown_timeout=SERVER_SHUTDOWN_TIMEOUT)
        await runner.setup()
        try:
            site: web.BaseSite = (web.SockSite(runner, self.listener.take(), backlog=guard.LISTEN_BACKLOG)
                                  if self.listener is not None
                                  else web.TCPSite(runner, self.host, self.port, backlog=guard.LISTEN_BACKLOG))
            await site.start()
            self.bound_port = int(runner.addresses[0][1])
            _log.info("slack: listening on http://%s:%d%s", self.host, self.bound_port, EVENTS_PATH)
            if self.services.health is not None:
                self.services.health.connected(self.name, self.auth.ok)
            self.ready.set()
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    async def _serve_socket_mode(self) -> None:
        handler = AsyncSocketModeHandler(self.app, self.app_token, web_client=self.client,
                                         logger=logging.getLogger("adapters.slack.socket_mode"))
        watch_socket(handler, self.name, self.services, self.auth)
        try:
            # the app-level token's check: a refusal is one line naming SLACK_APP_TOKEN
            await with_app_token(handler.connect_async, self.settings, api_base_url(self.settings.slack_api_url))
            _log.info("slack: connected over Socket Mode")
            self.ready.set()
            await asyncio.Event().wait()
        finally:
            await handler.close_async()  # type: ignore[no-untyped-call]
