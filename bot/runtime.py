"""The composition root: open every resource once, run the platforms under one TaskGroup.

Modelled on discord.py's advanced start-up example: resources are opened with
``async with`` in one place, every long-running part is a task in one group, and
SIGTERM (Heroku's way of stopping a dyno, and Docker's) first drains (:class:`Drain`):
``/readyz`` turns 503, platforms refuse new work and get ``AIBOT_DRAIN_TIMEOUT`` seconds
for the answers already acknowledged; then the group is cancelled so ``finally`` blocks run.
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

from bot.platforms import Platform, PlatformFactory, RunOptions, Services, discover_platforms
from bot.settings import Settings, SettingsError
from knowledge.errors import AibotError

if TYPE_CHECKING:
    from bot.answering import AnswerEngine
    from bot.health import Health, HealthServer
    from bot.metrics import Metrics
    from knowledge.models import FactBase

_log = logging.getLogger(__name__)


class NothingToRun(SettingsError):
    """No platform has its settings; the message says how to chat locally instead."""


class Drain:
    """What SIGTERM does: readiness off at once, then the platforms' work in flight within a bound,
    then the run is cancelled. Slack never sends an acknowledged event again, so an answer cut
    off here is lost for good: it is waited for, and what cannot finish is counted in the log.
    A second SIGTERM cancels at once.
    """

    def __init__(self, run: asyncio.Task[object], health: Health | None, timeout: float) -> None:
        self.run = run
        self.health = health
        self.timeout = timeout
        self.platforms: list[Platform] = []  # set once they exist; before that there is nothing to wait for
        self.task: asyncio.Task[None] | None = None

    def begin(self) -> None:
        """The signal handler."""
        if self.task is not None:
            _log.warning("SIGTERM again: stopping now")
            self.run.cancel()
            return
        if self.health is not None:
            self.health.drain()
        self.task = asyncio.get_running_loop().create_task(self._drain(), name="drain")

    async def _drain(self) -> None:
        drains = [drain for platform in self.platforms if (drain := getattr(platform, "drain", None)) is not None]
        if drains:
            _log.info("SIGTERM: draining; /readyz answers 503, new Slack events are refused, answers in flight "
                      "get up to %g s", self.timeout)
            started = time.perf_counter()
            try:
                left = sum(await asyncio.gather(*(drain(self.timeout) for drain in drains)))
            except Exception:  # a drain that fails must not keep the process from stopping
                _log.exception("drain failed; stopping now")
            else:
                if left:
                    _log.warning("drain: %d answer(s) in flight not finished within %g s; dropped", left,
                                 self.timeout)
                else:
                    _log.info("drain: every answer in flight finished (%.1f s)", time.perf_counter() - started)
        self.run.cancel()


@contextlib.asynccontextmanager
async def open_services(settings: Settings, *, metrics: Metrics | None = None,
                        health: Health | None = None, wait: bool = False) -> AsyncIterator[Services]:
    """Load the fact base (refusing a broken one) and build what platforms share; with ``wait``,
    a database still coming up is waited for (``AIBOT_START_TIMEOUT``). The fact base is read
    and indexed in a thread, so the health server goes on answering meanwhile."""
    from bot.answering.scale.index_cache import index_cache
    from bot.assemble import engine_for, load_base
    from bot.conversation import ConversationService
    from bot.digest.compose import DigestComposer
    from bot.digest.service import DigestService
    from bot.gaps import StoreUnansweredLog, jsonl_path
    from bot.reload import Reloader
    from bot.shared_state import open_redis
    from bot.store import open_store

    start = time.perf_counter()
    cache = index_cache(settings)
    base, worker = await asyncio.to_thread(load_base, settings.knowledge_dir, cache)
    try:
        async with open_store(settings, wait=wait) as store, open_redis(settings, metrics=metrics) as redis:
            await store.import_unanswered_jsonl(jsonl_path(settings))  # what `aibot ask` logged meanwhile
            unanswered = StoreUnansweredLog(store, max_pending=settings.store_queue_limit, metrics=metrics)
            engine = await asyncio.to_thread(engine_for, base, cache=cache, worker=worker, unanswered=unanswered)
            if health is not None:
                health.watch_store(store)
            _log.info("loaded and indexed %d facts from %s in %.1f s", len(base.facts), settings.knowledge_dir,
                      time.perf_counter() - start)
            stale = settings.stale_after_months
            digests = DigestService(store, DigestComposer(base, stale_after_months=stale),
                                    grace=timedelta(hours=settings.digest_grace_hours),
                                    max_failures=settings.digest_max_failures)
            conversation = ConversationService.from_settings(engine, settings, metrics=metrics, feedback=unanswered,
                                                              questions=unanswered, redis=redis)
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
    """Run the named platforms, or every configured one, until cancelled or SIGTERM.

    The health server (when there is a port for it) starts first, before the adapters and
    the answering modules are even imported and before any retry, so ``/healthz`` answers
    within the first second and ``/readyz`` says what start-up still waits for; Slack over
    HTTP then takes its socket over.
    """
    from bot.health import Health

    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    health = Health(timeout=settings.ready_timeout, metrics_token=token, header_timeout=settings.http_header_timeout)
    health.expect_store()
    current = asyncio.current_task()
    loop = asyncio.get_running_loop()
    drain = Drain(current, health, settings.drain_timeout) if current is not None else None
    if drain is not None:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGTERM, drain.begin)
    early = await _start_health(settings, options, health)
    try:
        await _run(settings, names, options, health, early, drain)
    finally:
        if early is not None:
            early.close()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGTERM)


async def _run(settings: Settings, names: list[str], options: RunOptions, health: Health,
               early: HealthServer | None, drain: Drain | None = None) -> None:
    """Everything after the health server: check the platforms' settings, log them in, open the
    services, then run the platforms, the knowledge watcher and the digest scheduler."""
    factories = await asyncio.to_thread(discover_platforms)  # imports the adapters: the health server answers
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
        health.expect(name)
    # What answering, digests and metrics need, imported in a thread: the health server answers meanwhile.
    await asyncio.to_thread(_import_the_rest)
    from bot.digest.scheduler import digest_posters
    from bot.metrics import Metrics, counting_posters
    from bot.retention import Retention, prune_on_schedule

    metrics = health.metrics = Metrics()
    await _preflight(factories, chosen, settings, options)
    async with open_services(settings, metrics=metrics, health=health, wait=True) as services:
        platforms = [_create(factories[name], name, services, options) for name in chosen]
        if drain is not None:
            drain.platforms = platforms
        if early is not None:
            _hand_over(early, platforms)
        _log.info("starting %s", ", ".join(chosen))
        posters = counting_posters(digest_posters(platforms), metrics)
        try:
            async with asyncio.TaskGroup() as group:
                for platform in platforms:
                    group.create_task(platform.run(), name=f"platform:{platform.name}")
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


def _import_the_rest() -> None:
    """The modules a run needs past its settings (about a second of imports)."""
    import bot.assemble
    import bot.conversation
    import bot.digest.scheduler
    import bot.digest.service
    import bot.gaps
    import bot.metrics
    import bot.reload
    import bot.retention
    import bot.shared_state
    import bot.store  # noqa: F401


async def _start_health(settings: Settings, options: RunOptions, health: Health) -> HealthServer | None:
    """Where to serve /healthz, /readyz and /metrics, started now; None when nowhere.

    AIBOT_HEALTH_PORT when set; else, under ``--http``, the ``--port`` (a PaaS gives one port
    and checks it), which Slack over HTTP takes over once it serves (:func:`_hand_over`).
    """
    from bot.health import HealthServer

    if settings.health_port is not None:
        host, port, setting = settings.health_host, settings.health_port, "AIBOT_HEALTH_PORT"
    elif options.http and options.port is not None:
        host, port, setting = options.host, options.port, "PORT (--port)"
    else:
        return None
    return await HealthServer.start(health, host, port, setting=setting)


def _hand_over(early: HealthServer, platforms: list[Platform]) -> None:
    """A platform serving the health server's port (Slack over HTTP) takes its socket; with
    none, the health server goes on serving alone."""
    for platform in platforms:
        if hasattr(platform, "listener") and getattr(platform, "http_port", None) in (early.port, early.requested):
            platform.listener = early
            return
    early.alone()
    _log.info("health checks on http://%s:%d/readyz, metrics on /metrics", early.host, early.port)


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


def _create(factory: PlatformFactory, name: str, services: Services, options: RunOptions) -> Platform:
    """Build one platform; its library missing is a one-line install hint, not a traceback."""
    try:
        return factory.create(services, options)
    except ImportError as exc:
        raise SettingsError(
            f"{name} support is not installed (no module {exc.name!r}); install it with: pip install 'aibot[{name}]'"
        ) from None
