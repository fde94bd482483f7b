"""The thin part of the Discord adapter: a discord.py client wired to translate and render.

Everything that decides something lives in :mod:`adapters.discord.translate` (Discord ->
core) and :mod:`adapters.discord.render` (core -> Discord); this module only receives
events, calls the core, and sends what render built, with every mention disabled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket

from adapters.discord import render, startup, translate
from adapters.discord.charts import register_chart_command, reply_with_chart, send_digest, show_chart_reply
from bot import messages
from bot.conversation import ConversationService, Message, ReplyKind
from bot.digest.model import CommandContext, Digest, PostError
from bot.digest.schedule import zone_suggestions
from bot.digest.service import without_report
from bot.feedback import VOTE_PREFIX
from bot.language import Lang
from bot.platforms import Services
from bot.reload import reload_by
from bot.settings import Settings, SettingsError

_log = logging.getLogger(__name__)

T = TypeVar("T")

NO_MENTIONS = discord.AllowedMentions.none()
#: Discord gives an interaction 3 s for its first response; past this the bot defers.
DEFER_AFTER = 2.0
#: How long "Did you mean" buttons stay pressable.
VIEW_TIMEOUT = 180.0

INTENT_REFUSED = (
    "Discord refused the message content intent (close code 4014): enable \"Message Content Intent\" "
    "under Bot > Privileged Gateway Intents at https://discord.com/developers/applications, "
    "or set DISCORD_MESSAGE_CONTENT=false to run with slash commands only"
)

AnyMessage = discord.Message | discord.InteractionMessage | discord.WebhookMessage

#: Who sees /digest and /reload by default: members with Manage Server (Discord's
#: default_member_permissions, a hint a server's admins may widen under Server Settings >
#: Integrations; the bot checks Manage Server or Manage Channels itself on every use).
ADMIN_DEFAULT_PERMISSIONS = discord.Permissions(manage_guild=True)


def configure_endpoints(settings: Settings) -> None:
    """Point discord.py at another REST base and gateway (a test server); must run before login.

    discord.py keeps both as class attributes, so this is process-wide, like the client.
    """
    if settings.discord_api_url:
        discord.http.Route.BASE = settings.discord_api_url.rstrip("/")
    if settings.discord_gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def intents_for(settings: Settings) -> discord.Intents:
    """Only what the bot uses: servers, their messages, DMs; message content is a setting."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = settings.discord_message_content
    return intents


def build_client(settings: Settings, *, guild_ready_timeout: float = 2.0) -> discord.AutoShardedClient:
    """Always sharded: with no shard settings Discord says how many shards to run (one for a
    small bot); DISCORD_SHARD_COUNT/DISCORD_SHARD_IDS split a big bot over processes."""
    shards: dict[str, Any] = {"shard_ids": settings.discord_shard_ids} if settings.discord_shard_ids else {}
    return discord.AutoShardedClient(
        intents=intents_for(settings),
        allowed_mentions=NO_MENTIONS,
        shard_count=settings.discord_shard_count,
        **shards,
        guild_ready_timeout=guild_ready_timeout,
        chunk_guilds_at_startup=False,
        max_messages=None,
    )


def _locale_lang(interaction: discord.Interaction[Any]) -> Lang:
    return translate.lang_for_locale(interaction.locale.value)


def _desc(key: str) -> app_commands.locale_str:
    """A command description: English by default, French through :class:`MessagesTranslator`."""
    return app_commands.locale_str(messages.text(key, "en"), key=key)


class MessagesTranslator(app_commands.Translator):
    """Command and option descriptions in French for French Discord clients, from bot.messages."""

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes,
    ) -> str | None:
        key = string.extras.get("key")
        if key and translate.lang_for_locale(locale.value) == "fr":
            return messages.text(key, "fr")
        return None


class SuggestionButton(discord.ui.Button["SuggestionView"]):
    """One "Did you mean" question; pressing it asks that question."""

    def __init__(self, platform: DiscordPlatform, question: str, index: int) -> None:
        super().__init__(label=render.button_label(question), style=discord.ButtonStyle.secondary,
                         custom_id=f"aibot:dym:{index}")
        self.platform = platform
        self.question = question

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        asked = translate.message_from_command(self.question, interaction.user.id, interaction.channel_id,
                                               interaction.guild_id)
        await self.platform.answer_interaction(interaction, asked)


class SuggestionView(discord.ui.View):
    """The buttons under an answer: "Did you mean" questions, disabled in place when they time
    out, and 👍 / 👎, which stay: a press on them is handled by :meth:`DiscordPlatform.on_interaction`
    from the custom_id alone, so it works after the view expired or the bot restarted."""

    def __init__(self, platform: DiscordPlatform, suggestions: list[str], timeout: float,
                 votes: list[render.VoteSpec] | None = None) -> None:
        super().__init__(timeout=timeout)
        self.platform = platform
        self.message: AnyMessage | None = None
        for index, suggestion in enumerate(suggestions[: render.MAX_BUTTONS]):
            self.add_item(SuggestionButton(platform, suggestion, index))
        for vote in votes or []:  # their own row; the callback is Button's no-op (see on_interaction)
            self.add_item(discord.ui.Button(label=vote.label, emoji=vote.emoji, custom_id=vote.custom_id, row=1,
                                            style=discord.ButtonStyle.secondary))

    async def on_timeout(self) -> None:
        expired = [item for item in self.children if isinstance(item, SuggestionButton)]
        for item in expired:
            item.disabled = True
        if self.message is None or not expired:
            return
        try:
            await self.message.edit(view=self, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:  # message deleted, token expired: nothing to disable
            _log.info("could not disable expired buttons: %s", exc)

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any],
    ) -> None:
        await self.platform.report_error(interaction, error)


class DiscordPlatform:
    """``aibot run discord``: one (sharded) gateway connection answering chat and slash commands.

    Also a :class:`bot.digest.model.DigestPoster` while it runs.
    """

    name = "discord"

    def __init__(
        self,
        services: Services,
        *,
        guild_ready_timeout: float = 2.0,
        view_timeout: float = VIEW_TIMEOUT,
        defer_after: float = DEFER_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.services = services
        self.settings = services.settings
        self.view_timeout = view_timeout
        self.defer_after = defer_after
        self.conversation = services.conversation or ConversationService.from_settings(
            services.engine, self.settings, clock=clock, metrics=services.metrics, feedback=services.store)
        self.client = build_client(self.settings, guild_ready_timeout=guild_ready_timeout)
        self.tree: app_commands.CommandTree[discord.AutoShardedClient] = app_commands.CommandTree(self.client)
        self.tree.on_error = self._on_command_error  # type: ignore[method-assign]
        register_commands(self.tree, lambda: self)
        self.client.event(self.on_message)
        self.client.event(self.on_interaction)
        self._shards_seen: set[int] = set()
        self.client.event(self.on_shard_connect)
        self.client.event(self.on_shard_resumed)

    # -- running -------------------------------------------------------------------------

    def _token(self) -> str:
        token = self.settings.discord_token
        if token is None or not token.get_secret_value().strip():
            raise SettingsError("setting DISCORD_TOKEN is missing: the bot token from the Discord developer portal")
        return token.get_secret_value().strip()

    async def run(self) -> None:
        """Connect and serve until cancelled; a refused intent or token ends it with one line."""
        configure_endpoints(self.settings)
        startup.shorten_reconnect_logs()
        try:
            async with self.client:
                await self.login()
                await startup.connect_until_ready(self.client, self.settings, self._connected)
        except discord.PrivilegedIntentsRequired:
            _log.error("%s", INTENT_REFUSED)
            raise SettingsError(INTENT_REFUSED) from None

    async def login(self) -> None:
        """Log in over REST; with DISCORD_GATEWAY_URL set, ask the shard count ourselves so the
        sharded client connects there rather than to the URL in /gateway/bot."""
        token = self._token()
        await startup.login(lambda: self.client.login(token), self.settings, self.client.http)
        if self.settings.discord_gateway_url and self.client.shard_count is None:
            self.client.shard_count, _, _ = await self.client.http.get_bot_gateway()

    def _connected(self) -> None:
        """Ready: /readyz asks the client, each time, whether every shard is still open."""
        health = self.services.health
        if health is not None:
            health.connected(self.name, self._is_connected)

    async def _is_connected(self) -> bool:
        client = self.client
        return client.is_ready() and not client.is_closed() and all(
            not shard.is_closed() for shard in client.shards.values())

    async def on_shard_connect(self, shard_id: int) -> None:
        """A new session on a shard: after its first, a reconnect."""
        if shard_id in self._shards_seen and self.services.metrics is not None:
            self.services.metrics.reconnected(self.name)
        self._shards_seen.add(shard_id)

    async def on_shard_resumed(self, shard_id: int) -> None:
        if self.services.metrics is not None:
            self.services.metrics.reconnected(self.name)

    async def sync_commands(self, guild_id: int | None = None) -> list[str]:
        """Register the slash commands (``aibot discord sync``): globally, or in one server at once."""
        configure_endpoints(self.settings)
        async with self.client:
            await self.login()
            await self.tree.set_translator(MessagesTranslator())
            if guild_id is None:
                synced = await self.tree.sync()
            else:
                guild = discord.Object(id=guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
        return [command.name for command in synced]

    # -- chat --------------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        me = self.client.user
        if me is None:
            return
        reference = message.reference
        replied = reference.resolved if reference is not None else None
        incoming = translate.IncomingMessage(
            content=message.content,
            author_id=message.author.id,
            author_is_bot=message.author.bot or message.webhook_id is not None,
            channel_id=message.channel.id,
            guild_id=message.guild.id if message.guild else None,
            mentioned_ids=frozenset(user.id for user in message.mentions),
            reply_to_id=reference.message_id if reference is not None else None,
            reply_to_bot=isinstance(replied, discord.Message) and replied.author.id == me.id,
        )
        chat = translate.message_from(incoming, me.id)
        if chat is None:
            return
        reply = await self.conversation.handle(chat)
        if reply.kind is ReplyKind.IGNORE:
            return
        try:
            if reply.kind is ReplyKind.SLOW_DOWN:
                await message.reply(reply.body, allowed_mentions=NO_MENTIONS, mention_author=False)
                return
            if reply.kind is ReplyKind.CHART and reply.chart is not None:
                sent = await reply_with_chart(message, reply.chart, reply.lang,
                                              self.conversation.chart_fallback(reply.lang))
                self.conversation.link(translate.answer_key(sent.id), chat.conversation)
                return
            rendered = render.render_reply(reply)
            view = self._view(rendered)
            extra: dict[str, Any] = {"view": view} if view else {}
            sent = await message.reply(embed=rendered.embed, allowed_mentions=NO_MENTIONS, mention_author=False,
                                       **extra)
            self.conversation.link(translate.answer_key(sent.id), chat.conversation)
            if view:
                view.message = sent
        except discord.HTTPException as exc:
            _log.warning("could not reply in channel %s: %s", message.channel.id, exc)
        except Exception:
            _log.exception("failed to answer a message")
            with contextlib.suppress(discord.HTTPException):
                await message.reply(messages.text("error", reply.lang), allowed_mentions=NO_MENTIONS,
                                    mention_author=False)

    def _view(self, rendered: render.Rendered) -> SuggestionView | None:
        if not rendered.suggestions and not rendered.votes:
            return None
        return SuggestionView(self, rendered.suggestions, self.view_timeout, rendered.votes)

    # -- interactions --------------------------------------------------------------------

    async def drop(self, interaction: discord.Interaction[Any]) -> None:
        """An interaction must be acknowledged: a dropped one (over the limit, already told) is
        deferred and deleted, leaving nothing behind."""
        if interaction.type is discord.InteractionType.component:
            if not interaction.response.is_done():
                await interaction.response.defer()
            return
        if not interaction.response.is_done():
            await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.delete_original_response()

    async def in_time(self, interaction: discord.Interaction[Any], work: Awaitable[T], *,
                      ephemeral: bool = False) -> T:
        """Await ``work``, deferring first if it is not done within ``defer_after`` seconds."""
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=self.defer_after)
        if not done and not interaction.response.is_done():
            await interaction.response.defer(thinking=True, ephemeral=ephemeral)
        return await task

    async def send(
        self, interaction: discord.Interaction[Any], *, content: str | None = None,
        embed: discord.Embed | None = None, view: discord.ui.View | None = None, ephemeral: bool = False,
    ) -> AnyMessage | None:
        """The response, or a follow-up after a defer; returns the message when Discord gave it."""
        kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS, "ephemeral": ephemeral}
        if content is not None:
            kwargs["content"] = content
        if embed is not None:
            kwargs["embed"] = embed
        if view is not None:
            kwargs["view"] = view
        if interaction.response.is_done():
            return await interaction.followup.send(wait=True, **kwargs)
        callback = await interaction.response.send_message(**kwargs)
        resource = callback.resource if callback is not None else None
        if isinstance(resource, discord.InteractionMessage):
            return resource
        return None

    async def answer_interaction(self, interaction: discord.Interaction[Any], asked: Message) -> None:
        """``/ask`` and "Did you mean" presses: an embed with buttons, deferred if slow."""
        reply = await self.in_time(interaction, self.conversation.handle(asked))
        if reply.kind is ReplyKind.IGNORE:
            await self.drop(interaction)
            return
        if reply.kind is ReplyKind.SLOW_DOWN:
            await self.send(interaction, content=reply.body, ephemeral=True)
            return
        if reply.kind is ReplyKind.CHART:
            await show_chart_reply(self, interaction, reply)
            return
        rendered = render.render_reply(reply)
        view = self._view(rendered)
        sent = await self.send(interaction, embed=rendered.embed, view=view)
        if sent is not None:  # a reply to this answer, or a vote on it, continues the asker's conversation
            self.conversation.link(translate.answer_key(sent.id), asked.conversation)
        if view is not None:
            view.message = sent if sent is not None else await interaction.original_response()

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """👍 / 👎 presses, told apart by their custom_id's prefix: no view has to be alive, so the
        buttons keep working after their view timed out or the bot restarted."""
        if interaction.type is not discord.InteractionType.component:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id") or "")
        if not custom_id.startswith(VOTE_PREFIX):
            return
        message = interaction.message
        vote = translate.vote_from_press(custom_id, interaction.user.id, message.id if message else None,
                                         interaction.channel_id, interaction.guild_id)
        if vote is None:
            return
        try:
            text = await self.in_time(interaction, self.conversation.record_vote(vote), ephemeral=True)
            await self.send(interaction, content=text, ephemeral=True)
        except Exception as exc:
            await self.report_error(interaction, exc)

    async def report_error(self, interaction: discord.Interaction[Any], error: BaseException) -> None:
        """Any failure reaches the user as an ephemeral message, in their client's language."""
        _log.error("interaction %s failed", interaction.id, exc_info=error)
        if interaction.type is discord.InteractionType.autocomplete:
            return  # no message can answer an autocomplete; the user just sees no choices
        text = messages.text("error", _locale_lang(interaction))
        try:
            await self.send(interaction, content=text, ephemeral=True)
        except discord.HTTPException as exc:
            _log.warning("could not report the error to the user: %s", exc)

    async def _on_command_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError,
    ) -> None:
        await self.report_error(interaction, error.__cause__ or error)

    # -- digests ---------------------------------------------------------------------------

    async def refused_admin(self, interaction: discord.Interaction[Any], command: str) -> bool:
        """Refuse an admin command to a DM or to a member who may not manage the server, privately;
        True when refused (the caller stops there)."""
        key = translate.admin_refusal(interaction.guild_id, interaction.permissions.value)
        if key is None:
            return False
        _log.info("discord: /%s refused to user %s (%s)", command, interaction.user.id,
                  "direct message" if interaction.guild_id is None else "cannot manage the server")
        await self.send(interaction, content=messages.text(key, _locale_lang(interaction)), ephemeral=True)
        return True

    async def digest_command(self, interaction: discord.Interaction[Any], args: list[str]) -> None:
        """``/digest ...``: server managers only; the core's digest service decides the rest."""
        if await self.refused_admin(interaction, "digest"):
            return
        lang = _locale_lang(interaction)
        service = self.services.digests
        if service is None:
            await self.send(interaction, content=messages.text("discord_digest_unavailable", lang), ephemeral=True)
            return
        ctx = CommandContext(
            platform=translate.PLATFORM,
            workspace_id=str(interaction.guild_id) if interaction.guild_id else None,
            channel_id=str(interaction.channel_id),
            user_id=str(interaction.user.id),
            is_admin=interaction.guild_id is not None and translate.is_admin(interaction.permissions.value),
            lang=lang,
        )
        private = not args or args[0] == "preview"
        reply = await self.in_time(interaction, service.handle_command(ctx, args), ephemeral=private)
        embed, text = None, reply.text
        if reply.digest is not None:  # the embed shows the digest; the service's text copy of it would repeat it
            embed, text = render.render_digest(reply.digest), messages.text("digest_preview", lang)
        await self.send(interaction, content=render.clip(text, 2000) if text else None, embed=embed,
                        ephemeral=private or not reply.ok)

    async def post_digest(self, workspace_id: str | None, channel_id: str, digest: Digest) -> None:
        """Post a scheduled digest; errors are sorted into permanent (counts toward disabling) or not."""
        try:
            channel = self.client.get_partial_messageable(int(channel_id))
        except ValueError:
            raise PostError(f"{channel_id!r} is not a Discord channel id", permanent=True) from None
        if self.client.user is None:
            raise PostError("the Discord client is not logged in yet", permanent=False)
        if workspace_id is None and digest.report:  # a DM subscribed before /digest was guild-only
            _log.warning("discord: digest for DM channel %s posted without the admins' report", channel_id)
            digest = without_report(digest)
        try:
            await send_digest(channel, digest, render.render_digest(digest), NO_MENTIONS)
        except discord.HTTPException as exc:
            raise translate.post_error(exc.status, exc.code, exc.text) from exc
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise PostError(f"network error: {exc}", permanent=False) from exc


def register_commands(tree: app_commands.CommandTree[Any], host: Callable[[], DiscordPlatform]) -> None:
    """/ask, /facts, /about, /help, /chart, and the admins' /reload and /digest group (guild-only, Manage
    Server by default, checked again on use), on the platform's command tree."""
    # ``host`` is called when a command runs, not now: describing the commands needs no platform

    @tree.command(name="ask", description=_desc("discord_cmd_ask"))
    @app_commands.describe(question=_desc("discord_opt_question"))
    async def ask(interaction: discord.Interaction[Any], question: str) -> None:
        asked = translate.message_from_command(question, interaction.user.id, interaction.channel_id,
                                               interaction.guild_id)
        await host().answer_interaction(interaction, asked)

    @ask.autocomplete("question")
    async def ask_choices(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        if current.strip():
            suggestions = host().conversation.suggestions_for(current, limit=translate.MAX_CHOICES)
        else:
            suggestions = host().conversation.starter_questions(_locale_lang(interaction), translate.MAX_CHOICES)
        return [app_commands.Choice(name=n, value=v) for n, v in translate.question_choices(suggestions)]

    @tree.command(name="facts", description=_desc("discord_cmd_facts"))
    @app_commands.describe(about=_desc("discord_opt_about"))
    async def facts(interaction: discord.Interaction[Any], about: str) -> None:
        reply = host().conversation.facts_about(about, _locale_lang(interaction))
        if reply.facts is None:
            await host().send(interaction, content=discord.utils.escape_mentions(render.clip(reply.body, 2000)),
                              ephemeral=True)
            return
        await host().send(interaction, embed=render.render_reply(reply).embed)

    @facts.autocomplete("about")
    async def facts_choices(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=n, value=v) for n, v in host().conversation.entity_choices(current)]

    @tree.command(name="about", description=_desc("discord_cmd_about"))
    async def about(interaction: discord.Interaction[Any]) -> None:
        reply = host().conversation.about(_locale_lang(interaction))
        await host().send(interaction, embed=render.render_reply(reply).embed)

    @tree.command(name="reload", description=_desc("discord_cmd_reload"))
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)  # ADMIN_DEFAULT_PERMISSIONS (kwargs: discord.py 2.4)
    async def reload_(interaction: discord.Interaction[Any]) -> None:
        """Those who may manage a server where the bot is reload the fact base; the reply is theirs alone."""
        platform = host()
        if await platform.refused_admin(interaction, "reload"):
            return
        text = await platform.in_time(interaction, reload_by(platform.services.reloader, is_admin=True,
                                                                 lang=_locale_lang(interaction)), ephemeral=True)
        await platform.send(interaction, content=render.clip(text, 2000), ephemeral=True)

    @tree.command(name="help", description=_desc("discord_cmd_help"))
    async def help_(interaction: discord.Interaction[Any]) -> None:
        reply = host().conversation.help(_locale_lang(interaction))
        await host().send(interaction, embed=render.render_reply(reply).embed, ephemeral=True)

    digest = app_commands.Group(name="digest", description=_desc("discord_cmd_digest"), guild_only=True,
                                allowed_contexts=app_commands.AppCommandContext(guild=True),
                                default_permissions=ADMIN_DEFAULT_PERMISSIONS)

    @digest.command(name="subscribe", description=_desc("discord_cmd_digest_subscribe"))
    @app_commands.describe(schedule=_desc("discord_opt_schedule"), zone=_desc("discord_opt_zone"),
                           language=_desc("discord_opt_language"))
    async def subscribe(interaction: discord.Interaction[Any], schedule: str, zone: str | None = None,
                        language: Literal["en", "fr"] | None = None) -> None:
        await host().digest_command(interaction, translate.digest_args("subscribe", schedule, zone, language))

    @subscribe.autocomplete("zone")
    async def zone_choices(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=zone, value=zone) for zone in zone_suggestions(current, translate.MAX_CHOICES)]

    @digest.command(name="show", description=_desc("discord_cmd_digest_show"))
    async def show(interaction: discord.Interaction[Any]) -> None:
        await host().digest_command(interaction, ["show"])

    @digest.command(name="off", description=_desc("discord_cmd_digest_off"))
    async def off(interaction: discord.Interaction[Any]) -> None:
        await host().digest_command(interaction, ["off"])

    @digest.command(name="preview", description=_desc("discord_cmd_digest_preview"))
    async def preview(interaction: discord.Interaction[Any]) -> None:
        await host().digest_command(interaction, ["preview"])

    @digest.command(name="report", description=_desc("discord_cmd_digest_report"))
    @app_commands.describe(include=_desc("discord_opt_report"))
    async def report(interaction: discord.Interaction[Any], include: Literal["on", "off"]) -> None:
        await host().digest_command(interaction, ["report", include])

    tree.add_command(digest)
    register_chart_command(tree, host)


def command_summaries(tree: app_commands.CommandTree[Any]) -> list[tuple[str, str]]:
    """(usage, what it does) for each top-level command in ``tree``, in registration order; a group
    lists its subcommands, and a command gated for admins says so (what ``discord sync --help`` shows)."""
    rows: list[tuple[str, str]] = []
    for command in tree.get_commands(type=discord.AppCommandType.chat_input):
        if isinstance(command, app_commands.Group):
            usage = f"/{command.name} " + "|".join(sub.name for sub in command.commands)
        else:
            usage = " ".join([f"/{command.name}", *(f"[{p.name}]" if not p.required else p.name
                                                    for p in command.parameters)])
        text = str(command.description)
        if command.guild_only or command.default_permissions is not None:
            needs = " and ".join(name.replace("_", " ").title().replace("Guild", "Server")
                                 for name, on in (command.default_permissions or discord.Permissions.none()) if on)
            text += f" [admins only: {needs or 'Administrator'} by default; not in DMs]"
        rows.append((usage, text))
    return rows


def registered_command_summaries() -> list[tuple[str, str]]:
    """The commands ``aibot discord sync`` registers, read from a tree built as the bot builds its
    own: no token, settings or fact base is needed to describe them."""
    client = discord.Client(intents=discord.Intents.none())  # never logs in
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
    register_commands(tree, _describing_only)
    return command_summaries(tree)


def _describing_only() -> DiscordPlatform:
    raise RuntimeError("this command tree only describes the commands; it cannot run them")
