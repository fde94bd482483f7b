"""The composition root: open every resource once, run the platforms under one TaskGroup.

Modelled on discord.py's advanced start-up example: resources are opened with
``async with`` in one place, every long-running part is a task in one group, and
SIGTERM (Heroku's way of stopping a dyno) cancels the group so ``finally`` blocks run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.answering import AnswerEngine
from bot.answering.scale.index_cache import index_cache
from bot.assemble import engine_for, load_base
from bot.conversation import ConversationService
from bot.digest.scheduler import digest_posters
from bot.gaps import StoreUnansweredLog, jsonl_path
from bot.metrics import counting_posters
from bot.platforms import Platform, PlatformFactory, RunOptions, Services, discover_platforms
from bot.reload import Reloader
from bot.retention import Retention, prune_on_schedule
from bot.settings import Settings, SettingsError
from knowledge.errors import AibotError
from knowledge.models import FactBase

if TYPE_CHECKING:
    from bot.health import Health
    from bot.metrics import Metrics

_log = logging.getLogger(__name__)


class NothingToRun(SettingsError):
    """No platform has its settings; the message says how to chat locally instead."""


@contextlib.asynccontextmanager
async def open_services(settings: Settings, *, metrics: Metrics | None = None,
                        health: Health | None = None) -> AsyncIterator[Services]:
    """Load the fact base (refusing a broken one) and build what platforms share."""
    from bot.digest.compose import DigestComposer
    from bot.digest.service import DigestService
    from bot.store import open_store

    start = time.perf_counter()
    cache = index_cache(settings)
    base, worker = load_base(settings.knowledge_dir, cache)
    try:
        async with open_store(settings) as store:
            await store.import_unanswered_jsonl(jsonl_path(settings))  # what `aibot ask` logged meanwhile
            unanswered = StoreUnansweredLog(store)
            engine = engine_for(base, cache=cache, worker=worker, unanswered=unanswered)
            if health is not None:
                health.watch_store(store)
            _log.info("loaded and indexed %d facts from %s in %.1f s", len(base.facts), settings.knowledge_dir,
                      time.perf_counter() - start)
            stale = settings.stale_after_months
            digests = DigestService(store, DigestComposer(base, stale_after_months=stale),
                                    grace=timedelta(hours=settings.digest_grace_hours),
                                    max_failures=settings.digest_max_failures)
            conversation = ConversationService.from_settings(engine, settings, metrics=metrics, feedback=store,
                                                              questions=unanswered)
            services = Services(settings=settings, engine=engine, digests=digests, conversation=conversation,
                                store=store, metrics=metrics, health=health)

            def swap(reloaded: AnswerEngine) -> None:
                """Between two questions: every part that answers from the base gets the new one."""
                services.engine = reloaded
                conversation.use_engine(reloaded)
                digests.composer = DigestComposer(reloaded.base, stale_after_months=stale)

            def rebuild(new_base: FactBase) -> AnswerEngine:
                return engine_for(new_base, cache=cache, unanswered=unanswered)

            services.reloader = Reloader(settings.knowledge_dir, rebuild, swap)
            try:
                yield services
            finally:
                await unanswered.close()
    finally:
        if worker is not None:
            worker.cancel()  # the store failed to open: the worker's part is not needed


async def run_platforms(settings: Settings, names: list[str], options: RunOptions) -> None:
    """Run the named platforms, or every configured one, until cancelled or SIGTERM."""
    factories = discover_platforms()
    unknown = [n for n in names if n not in factories]
    if unknown:
        raise SettingsError(f"unknown platform {unknown[0]!r}; installed: {', '.join(sorted(factories)) or 'none'}")
    chosen = names or [n for n, f in sorted(factories.items()) if f.is_configured(settings)]
    if not chosen:
        raise NothingToRun(
            "no chat platform is configured: set DISCORD_TOKEN for Discord; for Slack, SLACK_BOT_TOKEN and "
            "SLACK_APP_TOKEN (Socket Mode), or SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP, aibot run --http); "
            "to try the bot locally, run: aibot chat"
        )
    for name in chosen:
        factories[name].check(settings)
    await _preflight(factories, chosen, settings, options)
    metrics, health = _observers(settings, chosen)
    current = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if current is not None:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGTERM, current.cancel)
    try:
        async with open_services(settings, metrics=metrics, health=health) as services:
            platforms = [_create(factories[name], name, services, options) for name in chosen]
            _log.info("starting %s", ", ".join(chosen))
            posters = counting_posters(digest_posters(platforms), metrics)
            try:
                async with asyncio.TaskGroup() as group:
                    for platform in platforms:
                        group.create_task(platform.run(), name=f"platform:{platform.name}")
                    port = _health_port(settings, options, platforms)
                    if port is not None:
                        group.create_task(health.serve(settings.health_host if settings.health_port is not None
                                                       else options.host, port), name="health")
                    if settings.metrics_port is not None:
                        group.create_task(health.serve(settings.metrics_host, settings.metrics_port,
                                                       metrics_port=True), name="metrics")
                    if settings.watch_knowledge and services.reloader is not None:
                        group.create_task(services.reloader.watch(), name="knowledge-watch")
                    if services.digests is not None and posters:
                        group.create_task(services.digests.run_scheduler(posters), name="digest-scheduler")
                    if services.store is not None:  # at start, then hourly: votes and questions past their period
                        group.create_task(prune_on_schedule(services.store, Retention.from_settings(settings)),
                                          name="retention")
            except* AibotError as group_error:
                # One of ours (a refused intent, a bad token) ends the run with its own one-line
                # message, not a traceback of the task group that carried it.
                raise group_error.exceptions[0] from None
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGTERM)


async def _preflight(factories: dict[str, PlatformFactory], chosen: list[str], settings: Settings,
                     options: RunOptions) -> None:
    """Each platform's credentials, checked before the fact base loads (optional for a platform)."""
    for name in chosen:
        preflight = getattr(factories[name], "preflight", None)
        if preflight is None:
            continue
        try:
            await preflight(settings, options)
        except ImportError:
            continue  # its library is missing: _create says so with the install hint


def _health_port(settings: Settings, options: RunOptions, platforms: list[Platform]) -> int | None:
    """Where to serve /healthz, /readyz and /metrics on a server of their own, if anywhere.

    AIBOT_HEALTH_PORT when set; else, under ``--http``, the ``--port`` (a PaaS gives one port
    and checks it). None when a platform already serves them on that port (Slack over HTTP).
    """
    port = settings.health_port if settings.health_port is not None else options.port if options.http else None
    served = {getattr(platform, "http_port", None) for platform in platforms}
    return None if port is None or port in served else port


def _observers(settings: Settings, chosen: list[str]) -> tuple[Metrics, Health]:
    """The metrics and the readiness of this run, expecting every chosen platform to connect."""
    from bot.health import Health
    from bot.metrics import Metrics

    metrics = Metrics()
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    health = Health(timeout=settings.ready_timeout, metrics=metrics, metrics_token=token,
                    header_timeout=settings.http_header_timeout)
    for name in chosen:
        health.expect(name)
    return metrics, health


def _create(factory: PlatformFactory, name: str, services: Services, options: RunOptions) -> Platform:
    """Build one platform; its library missing is a one-line install hint, not a traceback."""
    try:
        return factory.create(services, options)
    except ImportError as exc:
        raise SettingsError(
            f"{name} support is not installed (no module {exc.name!r}); install it with: pip install 'aibot[{name}]'"
        ) from None
