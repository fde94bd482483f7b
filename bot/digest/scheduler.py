"""The digest scheduler: one async task inside ``aibot run`` that posts due digests.

Modelled on discord.py's ``ext/tasks`` (aware run times, backoff only on a named list of
transient errors, one handler for the rest, cleanup in ``finally``) plus an injectable
:class:`Clock`, so tests never sleep until a wall-clock time.

Delivery guarantees, for each (subscription, run):

- **Claimed before posting.** The run's UTC instant is inserted into ``digest_claims``
  under a unique key; only the process (or task) whose insert wins posts. A restart, a
  second process on the same PostgreSQL, or a slow post therefore never posts twice.
- **At most once.** A crash between the claim and the post means that run is not
  posted: the claim stays ``claimed`` and nobody takes it again. We prefer a missed
  digest to a duplicate one.
- **Missed runs.** At start (and on every pass) only the latest due run counts; it is
  posted if it is at most ``digest_grace_hours`` old, else claimed as ``skipped``.
- **Failures.** Transient errors (``PostError(permanent=False)``, timeouts, network
  errors) are retried with exponential backoff within the grace window and do not count
  against the subscription; permanent ones (channel deleted, permission missing) are
  retried too, but each counts, and after ``digest_max_failures`` the subscription is
  disabled with the reason kept. Any other exception is logged and counted, not retried.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from bot.digest.compose import ANNOUNCED, ROTATION, ChannelState, DigestComposer, DigestPlan
from bot.digest.model import DigestPoster, PostError
from bot.digest.schedule import Schedule, ScheduleError
from bot.feedback import Report, digest_report

if TYPE_CHECKING:
    from bot.store import Store, Subscription

_log = logging.getLogger(__name__)

#: Errors worth retrying; anything else is a bug or a refusal, counted once and logged.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OSError, TimeoutError, asyncio.TimeoutError)
#: How long after a run the scheduler looks at the store again, at most (new subscriptions).
POLL = timedelta(seconds=60)
FIRST_RETRY = timedelta(seconds=30)
#: The grace window is never shorter than this, so a wake-up a little late still posts.
MIN_GRACE = timedelta(minutes=2)
MAX_RETRY = timedelta(minutes=15)
#: A posted digest's bookkeeping is retried this often (1 s, 2 s, 4 s...) after a dropped connection.
BOOKKEEPING_ATTEMPTS = 8
BOOKKEEPING_FIRST_RETRY = timedelta(seconds=1)


class Clock(Protocol):
    """Time for the scheduler: the real one in production, a fake one in tests."""

    def now(self) -> datetime:
        """The current aware UTC time."""

    async def sleep_until(self, when: datetime) -> None:
        """Return at (or soon after) ``when``."""


class SystemClock:
    """The wall clock; sleeps in short steps so a suspended laptop or NTP jump is noticed."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime) -> None:
        while (remaining := (when - self.now()).total_seconds()) > 0:  # noqa: ASYNC110 - re-read the clock
            await asyncio.sleep(min(remaining, 60.0))


def schedule_of(subscription: Subscription) -> Schedule:
    """The stored columns back into a :class:`Schedule`."""
    kind = subscription.schedule_kind
    if kind == "cron" and subscription.cron:
        return Schedule("cron", subscription.tz, cron=subscription.cron)
    if kind in ("daily", "weekly") and subscription.schedule_time:
        return Schedule(kind, subscription.tz, time=subscription.schedule_time,  # type: ignore[arg-type]
                        day=subscription.schedule_day if kind == "weekly" else None)
    raise ScheduleError("digest_bad_words", kind)


def period_key(run: datetime) -> str:
    """A run's identity: its UTC instant, e.g. ``2025-03-30T07:00Z``."""
    return run.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def digest_posters(platforms: Iterable[Any]) -> dict[str, DigestPoster]:
    """The running platforms that can post digests, by name."""
    return {p.name: p for p in platforms if callable(getattr(p, "post_digest", None))}


async def plan_for(
    store: Store, composer: DigestComposer, subscription: Subscription, today_at: datetime,
) -> DigestPlan:
    """Compose this channel's digest from what it has already been shown, with the admins'
    report of the week before ``today_at`` when the subscription asks for it."""
    state = ChannelState(
        since=subscription.last_posted_at or subscription.created_at,
        announced=frozenset(await store.shown(subscription.id, ANNOUNCED)),
        rotation_seen=frozenset(await store.shown(subscription.id, ROTATION)),
        seed=f"{subscription.platform}:{subscription.workspace_id}:{subscription.channel_id}",
    )
    local_day = today_at.astimezone(schedule_of(subscription).tz).date()
    report = await _report(store, subscription, today_at) if subscription.include_report else None
    return composer.compose(subscription.lang, local_day, state, report)


async def _report(store: Store, subscription: Subscription, until: datetime) -> Report | None:
    """The report for a digest; if it cannot be read the digest goes out without it, not never."""
    try:
        return await digest_report(store, until, tenant=subscription.tenant)  # its own community's only
    except Exception as exc:
        _log.warning("digest %d: the admins' report could not be read (%s); posting without it",
                     subscription.id, exc)
        return None


class DigestScheduler:
    """Posts every due digest once; see the module docstring for the guarantees."""

    def __init__(
        self,
        store: Store,
        composer: DigestComposer,
        posters: dict[str, DigestPoster],
        *,
        clock: Clock,
        grace: timedelta,
        max_failures: int,
        owner: str | None = None,
        poll: timedelta = POLL,
    ) -> None:
        self.store = store
        self.composer = composer
        self.posters = posters
        self.clock = clock
        self.grace = max(grace, MIN_GRACE)
        self.max_failures = max_failures
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.poll = poll
        self._in_flight: set[int] = set()

    async def run(self) -> None:
        """Serve until cancelled: post what is due, sleep until the next run (or POLL)."""
        _log.info("digest scheduler started for %s", ", ".join(sorted(self.posters)) or "no platform")
        try:
            async with asyncio.TaskGroup() as deliveries:
                while True:
                    try:
                        for delivery in await self._start_due():
                            deliveries.create_task(delivery)
                        wake = await self.next_wake()
                    except TRANSIENT_ERRORS as exc:  # the database went away for a moment: one line
                        _log.warning("digest scheduler pass failed (%s: %s); trying again in %s",
                                     type(exc).__name__, exc, self.poll)
                        wake = self.clock.now() + self.poll
                    except Exception:  # a bug: the platforms keep running
                        _log.exception("digest scheduler pass failed; trying again in %s", self.poll)
                        wake = self.clock.now() + self.poll
                    await self.clock.sleep_until(wake)
        finally:
            _log.info("digest scheduler stopped")

    async def run_once(self) -> int:
        """One pass: start every due delivery and wait for all of them; returns how many were claimed."""
        deliveries = await self._start_due()
        await asyncio.gather(*deliveries)
        return len(deliveries)

    async def _start_due(self) -> list[Any]:
        now = self.clock.now()
        deliveries = []
        for subscription in await self.store.subscriptions(enabled_only=True):
            if subscription.platform not in self.posters or subscription.id in self._in_flight:
                continue  # another process runs that platform, or a delivery is still retrying
            try:
                schedule = schedule_of(subscription)
            except ScheduleError:
                _log.warning("digest subscription %d has an unreadable schedule; skipping", subscription.id)
                continue
            run = schedule.previous_at_or_before(now)
            if run < subscription.updated_at:
                continue  # subscribed (or changed) after that run
            key = period_key(run)
            if now - run > self.grace:
                if await self.store.claim(subscription.id, key, now, self.owner, status="skipped"):
                    _log.info("digest %d: run %s missed by %s, beyond the grace window; skipped",
                              subscription.id, key, now - run)
                continue
            if not await self.store.claim(subscription.id, key, now, self.owner):
                continue
            self._in_flight.add(subscription.id)
            deliveries.append(self._deliver(subscription, key, run))
        return deliveries

    async def next_wake(self) -> datetime:
        """The next run of any subscription this process posts for, or ``poll`` from now at the latest."""
        now = self.clock.now()
        wake = now + self.poll
        for subscription in await self.store.subscriptions(enabled_only=True):
            if subscription.platform in self.posters:
                try:
                    wake = min(wake, schedule_of(subscription).next_after(now))
                except ScheduleError:
                    continue
        return wake

    async def _deliver(self, subscription: Subscription, key: str, run: datetime) -> None:
        """Post one claimed run, retrying as the module docstring says; never raises."""
        poster = self.posters[subscription.platform]
        try:
            plan = await plan_for(self.store, self.composer, subscription, run)
            delay = FIRST_RETRY
            while True:
                reason = await self._attempt(poster, subscription, plan)
                if reason is None:
                    await self._posted(subscription, key, plan)
                    return
                current = await self.store.subscription(subscription.id)
                retry_at = self.clock.now() + delay
                if current is None or not current.enabled or retry_at > run + self.grace or reason == "":
                    await self.store.finish_claim(subscription.id, key, self.clock.now(), posted=False,
                                                  detail=current.last_failure_reason if current else None)
                    return
                _log.info("digest %d: retrying run %s at %s", subscription.id, key, retry_at.isoformat())
                await self.clock.sleep_until(retry_at)
                delay = min(delay * 2, MAX_RETRY)
        except asyncio.CancelledError:
            raise
        except Exception:
            _log.exception("digest %d: delivery of run %s failed", subscription.id, key)
        finally:
            self._in_flight.discard(subscription.id)

    async def _attempt(self, poster: DigestPoster, subscription: Subscription, plan: DigestPlan) -> str | None:
        """Post once: None when posted, else the reason ("" when it must not be retried)."""
        try:
            await poster.post_digest(subscription.workspace_id, subscription.channel_id, plan.digest)
        except PostError as exc:
            await self._failed(subscription, exc.reason, counts=exc.permanent)
            return exc.reason or "post failed"
        except TRANSIENT_ERRORS as exc:
            await self._failed(subscription, f"{type(exc).__name__}: {exc}", counts=False)
            return str(exc) or type(exc).__name__
        except Exception as exc:
            _log.exception("digest %d: posting raised", subscription.id)
            await self._failed(subscription, f"{type(exc).__name__}: {exc}", counts=True)
            return ""
        return None

    async def _failed(self, subscription: Subscription, reason: str, *, counts: bool) -> None:
        now = self.clock.now()
        updated = await self.store.record_failure(subscription.id, reason, now,
                                                  self.max_failures, counts=counts)
        _log.warning("digest %d (%s channel %s): post failed (%s, %d/%d)", subscription.id, subscription.platform,
                     subscription.channel_id, reason, updated.failures, self.max_failures)
        if not updated.enabled and subscription.enabled:
            _log.warning("digest %d (%s channel %s) disabled after %d failed posts; last reason: %s",
                         subscription.id, subscription.platform, subscription.channel_id, updated.failures, reason)

    async def _posted(self, subscription: Subscription, key: str, plan: DigestPlan) -> None:
        """Record a post (claim posted, last post, facts shown); the post is out, so a dropped
        connection here is retried with backoff rather than leaving the claim ``claimed``."""
        now = self.clock.now()
        delay = BOOKKEEPING_FIRST_RETRY
        for attempt in range(1, BOOKKEEPING_ATTEMPTS + 1):
            try:
                await self._record_post(subscription, key, plan, now)
                break
            except TRANSIENT_ERRORS as exc:
                if attempt == BOOKKEEPING_ATTEMPTS:
                    raise
                _log.warning("digest %d: posted run %s but could not record it (%s); retrying in %s",
                             subscription.id, key, exc, delay)
                await self.clock.sleep_until(self.clock.now() + delay)
                delay = min(delay * 2, MAX_RETRY)
        _log.info("digest %d: posted run %s to %s channel %s", subscription.id, key, subscription.platform,
                  subscription.channel_id)

    async def _record_post(self, subscription: Subscription, key: str, plan: DigestPlan, now: datetime) -> None:
        """Every write here may be repeated: a retry after a half-done attempt changes nothing twice."""
        await self.store.finish_claim(subscription.id, key, now, posted=True)
        if plan.new_fact_ids:
            await self.store.mark_shown(subscription.id, ANNOUNCED, plan.new_fact_ids, now)
        if plan.rotation_fact_id:
            await self.store.mark_shown(subscription.id, ROTATION, [plan.rotation_fact_id], now,
                                        restart=plan.new_rotation)
