"""The platform-neutral digest commands: what ``/aibot digest ...`` and ``/digest ...`` do.

Adapters turn a platform event into a :class:`CommandContext` plus the words after
``digest`` and render the :class:`CommandReply` they get back; everything else (parsing
the schedule, checking who may change it, the store) happens here, once for every platform.

Accepted forms (``args`` is the command split on whitespace; a quoted cron expression may
arrive as one item or as five, with or without its quotes):

- ``daily 09:00 [ZONE] [en|fr]``
- ``weekly mon 08:30 [ZONE] [en|fr]``
- ``cron "0 9 * * 1-5" [ZONE] [en|fr]``
- ``show``, ``off``, ``preview``, ``help``
- ``report on|off``: end this channel's digest with the admins' report (an admin channel);
  ``report`` as the last word of a subscribe command does the same

ZONE defaults to UTC and the language to the asker's. Only ``ctx.is_admin`` may
subscribe, turn off or change the report; anyone may show or preview, but only an admin's
preview carries the admins' report. A direct message (``direct``, or no workspace) is never
an admin and gets no digest command but ``help``: it belongs to no one server or workspace.
The report a digest carries reads its subscription's tenant only (bot.tenants): the Slack
workspace (or org) or the Discord server it was set up in, never another's questions. Input echoed back in an
error is reduced to harmless characters, so no mass mention can be smuggled through it.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot import messages
from bot.digest.compose import ANNOUNCED, DigestComposer, render_text
from bot.digest.model import CommandContext, CommandReply, Digest, DigestPoster
from bot.digest.schedule import DAYS, Schedule, ScheduleError
from bot.digest.scheduler import Clock, DigestScheduler, SystemClock, plan_for, schedule_of
from bot.language import Lang
from bot.store import NewSubscription, StoreError
from knowledge.errors import AibotError

if TYPE_CHECKING:
    from bot.store import Store, Subscription

_log = logging.getLogger(__name__)

_SUBSCRIBE = {"daily": "daily", "quotidien": "daily", "weekly": "weekly", "hebdo": "weekly", "cron": "cron"}
_SHOW = {"show", "status", "voir"}
_OFF = {"off", "stop", "unsubscribe", "arret", "arrêt"}
_PREVIEW = {"preview", "apercu", "aperçu"}
_HELP = {"help", "aide", "?"}
_REPORT = {"report", "rapport"}
_ON = {"on", "yes", "oui"}
_OFF_WORDS = {"off", "no", "non"}
_LANGS: dict[str, Lang] = {"en": "en", "fr": "fr"}
_QUOTES = "\"'“”«»‘’"
_UNSAFE = re.compile(r"[^\w\s:/+\-*,.?]", re.UNICODE)


def safe_echo(value: str) -> str:
    """User input fit to quote back: no @, <, >, ! (so no mention of any kind), at most 60 characters."""
    cleaned = _UNSAFE.sub("", value.replace("\n", " ")).strip()
    return cleaned[:60] + ("…" if len(cleaned) > 60 else "")


class CommandError(AibotError):
    """Bad input to a digest command; carries the message key and the offending words."""

    def __init__(self, key: str, value: str) -> None:
        super().__init__(key)
        self.key = key
        self.value = value


class DigestService:
    """Subscriptions and previews for every platform; built once in ``open_services``."""

    def __init__(self, store: Store, composer: DigestComposer, *, clock: Clock | None = None,
                 grace: timedelta = timedelta(hours=6), max_failures: int = 5) -> None:
        self.store = store
        self.composer = composer
        self.clock: Clock = clock or SystemClock()
        self.grace = grace
        self.max_failures = max_failures

    async def handle_command(self, ctx: CommandContext, args: list[str], *, direct: bool = False) -> CommandReply:
        """Run one digest command typed in ``ctx.channel_id``; never raises for bad input.

        ``direct``: typed in a direct message with the bot (a Discord DM has no workspace either).
        """
        words = [w for w in args if w.strip()]
        verb = words[0].lower() if words else "help"
        if (direct or ctx.workspace_id is None) and verb not in _HELP:
            _log.info("digest command %r refused in a direct message: %s user %s", verb, ctx.platform, ctx.user_id)
            return CommandReply(messages.text("digest_not_in_dm", ctx.lang), ok=False)
        try:
            if verb in _SUBSCRIBE:
                if not ctx.is_admin:
                    return CommandReply(messages.text("digest_not_admin", ctx.lang), ok=False)
                return await self._subscribe(ctx, _SUBSCRIBE[verb], words[1:])
            if verb in _OFF:
                if not ctx.is_admin:
                    return CommandReply(messages.text("digest_not_admin", ctx.lang), ok=False)
                return await self._off(ctx)
            if verb in _REPORT:
                if not ctx.is_admin:
                    return CommandReply(messages.text("digest_not_admin", ctx.lang), ok=False)
                return await self._report(ctx, words[1:])
            if verb in _SHOW:
                return await self._show(ctx)
            if verb in _PREVIEW:
                digest = await self.preview(ctx.lang, ctx=ctx)
                return CommandReply(messages.text("digest_preview", ctx.lang) + "\n" + render_text(digest),
                                    digest=digest)
            if verb in _HELP:
                return CommandReply(_usage(ctx.lang))
            raise CommandError("digest_bad_words", " ".join(words))
        except (CommandError, ScheduleError) as exc:
            return CommandReply(messages.text(exc.key, ctx.lang, value=safe_echo(exc.value), usage=_usage(ctx.lang)),
                                ok=False)
        except StoreError as exc:  # not stored, so not confirmed: one line, the store said why
            _log.warning("digest command %r not done in %s channel %s: %s", verb, ctx.platform, ctx.channel_id, exc)
            return CommandReply(messages.text("digest_unavailable", ctx.lang), ok=False)
        except Exception:
            _log.exception("digest command %r failed in %s channel %s", verb, ctx.platform, ctx.channel_id)
            return CommandReply(messages.text("digest_unavailable", ctx.lang), ok=False)

    async def preview(self, lang: Lang, *, ctx: CommandContext | None = None) -> Digest:
        """The digest as it would be posted now, without posting or using up the fact of the day.

        In a subscribed channel it is that channel's next digest (its language wins), with the
        admins' report only when an admin asks; elsewhere the headline figures and a fact of the
        day in ``lang``.
        """
        now = self.clock.now()
        if ctx is not None:
            subscription = await self.store.subscription_for(ctx.platform, ctx.workspace_id, ctx.channel_id)
            if subscription is not None:
                digest = (await plan_for(self.store, self.composer, subscription, now)).digest
                return digest if ctx.is_admin else without_report(digest)
        return self.composer.compose(lang, now.date()).digest

    def scheduler(self, posters: dict[str, DigestPoster], *, clock: Clock | None = None) -> DigestScheduler:
        """The scheduler that posts this service's subscriptions through ``posters``."""
        return DigestScheduler(self.store, self.composer, posters, clock=clock or self.clock, grace=self.grace,
                               max_failures=self.max_failures)

    async def run_scheduler(self, posters: dict[str, DigestPoster]) -> None:
        """Serve scheduled posts until cancelled (a task in ``aibot run``'s TaskGroup)."""
        await self.scheduler(posters).run()

    async def _subscribe(self, ctx: CommandContext, kind: str, words: list[str]) -> CommandReply:
        schedule, rest = _parse_schedule(kind, words)
        lang: Lang = ctx.lang
        zone = "UTC"
        zone_given = False
        report: bool | None = None  # None: as it was
        for word in rest:
            if word.lower() in _LANGS:
                lang = _LANGS[word.lower()]
            elif word.lower() in _REPORT:
                report = True
            elif not zone_given:
                zone, zone_given = word, True
            else:
                raise CommandError("digest_bad_words", word)
        schedule = _with_zone(schedule, zone)
        now = self.clock.now()
        existing = await self.store.subscription_for(ctx.platform, ctx.workspace_id, ctx.channel_id)
        subscription = await self.store.subscribe(NewSubscription(
            platform=ctx.platform, workspace_id=ctx.workspace_id, channel_id=ctx.channel_id,
            schedule_kind=schedule.kind, schedule_time=schedule.time, schedule_day=schedule.day, cron=schedule.cron,
            tz=schedule.zone, lang=lang, created_by=ctx.user_id, include_report=report,
            tenant=ctx.tenant or ctx.workspace_id), now)
        if existing is None:  # what exists now is not "new" to this channel's first digest
            await self.store.mark_shown(subscription.id, ANNOUNCED, self.composer.known_fact_ids(), now)
        _log.info("digest subscription %d: %s in %s channel %s by %s", subscription.id, schedule.describe(),
                  ctx.platform, ctx.channel_id, ctx.user_id)
        return CommandReply(messages.text(
            "digest_subscribed", ctx.lang, schedule=describe(schedule, ctx.lang),
            language=messages.text(f"digest_lang_{lang}", ctx.lang), next=_when(schedule, now)))

    async def _report(self, ctx: CommandContext, words: list[str]) -> CommandReply:
        """``report on|off``: the subscription's opt-in to the admins' report (the channel must have one)."""
        choice = words[0].lower() if len(words) == 1 else ""
        if choice not in _ON | _OFF_WORDS:
            raise CommandError("digest_bad_words", " ".join(["report", *words]))
        include = choice in _ON
        updated = await self.store.set_report(ctx.platform, ctx.workspace_id, ctx.channel_id, include)
        if updated is None:
            return CommandReply(messages.text("digest_report_none", ctx.lang, usage=_usage(ctx.lang)), ok=False)
        _log.info("digest subscription %d: admins' report %s by %s", updated.id, "on" if include else "off",
                  ctx.user_id)
        return CommandReply(messages.text("digest_report_on" if include else "digest_report_off", ctx.lang))

    async def _off(self, ctx: CommandContext) -> CommandReply:
        removed = await self.store.unsubscribe(ctx.platform, ctx.workspace_id, ctx.channel_id)
        if removed:
            _log.info("digest turned off in %s channel %s by %s", ctx.platform, ctx.channel_id, ctx.user_id)
        return CommandReply(messages.text("digest_off" if removed else "digest_off_none", ctx.lang))

    async def _show(self, ctx: CommandContext) -> CommandReply:
        subscription = await self.store.subscription_for(ctx.platform, ctx.workspace_id, ctx.channel_id)
        if subscription is None:
            return CommandReply(messages.text("digest_none", ctx.lang, usage=_usage(ctx.lang)))
        return CommandReply(show_text(subscription, ctx.lang, self.clock.now()))


def without_report(digest: Digest) -> Digest:
    """The digest without the admins' report: for someone who is not an admin, and for a direct
    message (it belongs to no one server or workspace)."""
    return dataclasses.replace(digest, report=[]) if digest.report else digest


def show_text(subscription: Subscription, lang: Lang, now: datetime) -> str:
    """One subscription in a sentence, for ``show`` and ``aibot digest list``."""
    schedule = schedule_of(subscription)
    if not subscription.enabled:
        return messages.text("digest_show_disabled", lang, schedule=describe(schedule, lang),
                             failures=subscription.failures, reason=subscription.last_failure_reason or "?")
    last = subscription.last_posted_at
    shown = messages.text(
        "digest_show", lang, schedule=describe(schedule, lang),
        language=messages.text(f"digest_lang_{subscription.lang}", lang), next=_when(schedule, now),
        last=_local(last, schedule) if last else messages.text("digest_never", lang))
    return shown + messages.text("digest_show_report", lang) if subscription.include_report else shown


def describe(schedule: Schedule, lang: Lang) -> str:
    """ "every day at 09:00 (Europe/Paris)" in ``lang``."""
    if schedule.kind == "daily":
        return messages.text("digest_every_day", lang, time=schedule.time, zone=schedule.zone)
    if schedule.kind == "weekly":
        assert schedule.day is not None
        day = messages.text("digest_days", lang).split(",")[schedule.day]
        return messages.text("digest_every_week", lang, day=day, time=schedule.time, zone=schedule.zone)
    return messages.text("digest_on_cron", lang, cron=schedule.cron, zone=schedule.zone)


def _usage(lang: Lang) -> str:
    return messages.text("digest_usage", lang)


def _when(schedule: Schedule, now: datetime) -> str:
    return _local(schedule.next_after(now), schedule)


def _local(moment: datetime, schedule: Schedule) -> str:
    return moment.astimezone(schedule.tz).strftime("%Y-%m-%d %H:%M %Z")


def _parse_schedule(kind: str, words: list[str]) -> tuple[Schedule, list[str]]:
    """The schedule (in UTC for now; the zone is applied after) and the words left over."""
    if kind == "daily":
        if not words:
            raise CommandError("digest_bad_time", "")
        return Schedule.daily(words[0], "UTC"), words[1:]
    if kind == "weekly":
        if len(words) < 2:
            raise CommandError("digest_bad_day" if not words else "digest_bad_time", " ".join(words))
        return Schedule.weekly(words[0], words[1], "UTC"), words[2:]
    expression, rest = _cron_words(words)
    return Schedule.from_cron(expression, "UTC"), rest


def _cron_words(words: list[str]) -> tuple[str, list[str]]:
    """The cron expression, given as one quoted item, as quoted words, or as five bare words."""
    if not words:
        raise CommandError("digest_bad_cron", "")
    first = words[0]
    if len(first.strip(_QUOTES).split()) == 5:
        return first.strip(_QUOTES), words[1:]
    if first[:1] in _QUOTES:
        for end, word in enumerate(words):
            if (end > 0 or len(word) > 1) and word[-1:] in _QUOTES:
                return " ".join(words[: end + 1]).strip(_QUOTES), words[end + 1:]
        raise CommandError("digest_bad_cron", " ".join(words))
    if len(words) < 5:
        raise CommandError("digest_bad_cron", " ".join(words))
    return " ".join(words[:5]), words[5:]


def _with_zone(schedule: Schedule, zone: str) -> Schedule:
    if schedule.kind == "daily":
        assert schedule.time is not None
        return Schedule.daily(schedule.time, zone)
    if schedule.kind == "weekly":
        assert schedule.time is not None and schedule.day is not None
        return Schedule.weekly(DAYS[schedule.day], schedule.time, zone)
    assert schedule.cron is not None
    return Schedule.from_cron(schedule.cron, zone)
