"""Knowledge that changes while the bot runs: watch the data folder, swap in a validated base.

A change is loaded and validated completely, then built into whatever answers from it
(an answer engine, a digest composer), all in a worker thread; only the finished result
is swapped in, on the event loop, so a question is answered wholly from the old base or
wholly from the new one. A broken change is logged, one line per problem with its file
and line (a bounded number of lines per reload), and the base in use stays.

The work runs in a daemon thread of its own, not the event loop's executor: shutdown
never waits for a reload still reading.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from bot import messages
from bot.assemble import read_base
from bot.language import Lang
from knowledge.errors import FactBaseError
from knowledge.loader import DEFAULT_DATA_DIR
from knowledge.models import FactBase

_log = logging.getLogger(__name__)

Built = TypeVar("Built")
Result = TypeVar("Result")

#: File endings that make a knowledge change; an editor's swap file or a stray note does not.
KNOWLEDGE_SUFFIXES = (".yaml", ".yml", ".json", ".txt", ".md", ".html")


@dataclass(frozen=True)
class Reloaded:
    """What one reload did: the facts now in use, or the problems that kept the old base."""

    ok: bool
    facts: int = 0
    problems: tuple[str, ...] = ()


@dataclass
class Reloader(Generic[Built]):
    """Reloads one data folder into one running bot.

    ``build`` turns a validated base into what the bot answers from (it runs in a worker
    thread, so a large index does not hold up questions); ``swap`` puts it in use (it runs
    on the event loop, between questions).
    """

    data_dir: Path
    build: Callable[[FactBase], Built]
    swap: Callable[[Built], None]
    #: Changes closer together than this are read as one (an editor writes in several steps).
    debounce_ms: int = 400
    #: Problems logged per refused reload, the rest counted in one line: a dropped file of
    #: thousands of broken facts must not fill the logs (the loader bounds each file too).
    max_logged_problems: int = 50

    async def reload(self) -> Reloaded:
        """Load, validate and swap in the folder as it is now; a failure keeps the base in use."""
        start = time.perf_counter()
        try:
            base, built = await in_daemon_thread(self._load_and_build)
        except FactBaseError as error:
            shown = error.problems[: self.max_logged_problems]
            for problem in shown:
                _log.error("knowledge reload refused, keeping the base in use: %s", problem)
            if len(error.problems) > len(shown):
                _log.error("knowledge reload refused: %d more problem(s) not logged (aibot knowledge validate %s)",
                           len(error.problems) - len(shown), self.data_dir)
            return Reloaded(False, problems=tuple(str(p) for p in shown))
        except OSError as error:
            _log.error("knowledge reload failed, keeping the base in use: %s", error)
            return Reloaded(False, problems=(str(error),))
        self.swap(built)
        _log.info("knowledge reloaded: %d facts from %s in %.2f s", len(base.facts), self.data_dir,
                  time.perf_counter() - start)
        return Reloaded(True, facts=len(base.facts))

    async def watch(self, stop_event: asyncio.Event | None = None) -> None:
        """Reload after each change to a data file, until cancelled or ``stop_event`` is set."""
        from watchfiles import awatch  # imported here: only a running bot watches

        _log.info("watching %s for knowledge changes%s", self.data_dir, _installed_copy_hint(self.data_dir))
        async for changes in awatch(self.data_dir, stop_event=stop_event, debounce=self.debounce_ms,
                                    watch_filter=_is_knowledge_file, recursive=True):
            names = sorted({Path(path).name for _, path in changes})
            _log.info("knowledge changed (%s); reloading", ", ".join(names))
            await self.reload()

    def _load_and_build(self) -> tuple[FactBase, Built]:
        base = read_base(self.data_dir)
        return base, self.build(base)


async def in_daemon_thread(function: Callable[[], Result]) -> Result:
    """``function()`` in a daemon thread of its own, awaited: unlike ``asyncio.to_thread``,
    the loop's shutdown does not join it, so SIGTERM ends the bot even mid-reload."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Result] = loop.create_future()

    def settle(outcome: Callable[[], None]) -> None:
        if not future.done():
            outcome()

    def run() -> None:
        try:
            result = function()
        except BaseException as exc:  # handed to the awaiting task, which decides
            error = exc
            deliver: Callable[[], None] = lambda: future.set_exception(error)  # noqa: E731
        else:
            deliver = lambda: future.set_result(result)  # noqa: E731
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits any more
            loop.call_soon_threadsafe(settle, deliver)

    threading.Thread(target=run, name="knowledge-reload", daemon=True).start()
    return await future


def _installed_copy_hint(data_dir: Path) -> str:
    """A word for the admin when the folder watched is the copy inside an installed package,
    which no one edits (an edit to the clone changes nothing there)."""
    if data_dir.resolve() == DEFAULT_DATA_DIR and {"site-packages", "dist-packages"} & set(DEFAULT_DATA_DIR.parts):
        return (" (the shipped base inside the installed package: `aibot knowledge init DIR` copies it to a "
                "folder you edit, then set AIBOT_KNOWLEDGE_DIR=DIR)")
    return ""


def _is_knowledge_file(_change: object, path: str) -> bool:
    return path.endswith(KNOWLEDGE_SUFFIXES) and not Path(path).name.startswith(".")


async def reload_by(reloader: Reloader[Built] | None, *, is_admin: bool, lang: Lang) -> str:
    """An admin's reload command (``/aibot reload``, Discord ``/reload``): what to tell them."""
    if not is_admin:
        return messages.text("reload_not_admin", lang)
    if reloader is None:
        return messages.text("reload_unavailable", lang)
    done = await reloader.reload()
    if done.ok:
        return messages.text("reload_done", lang, facts=done.facts)
    return messages.text("reload_refused", lang, count=len(done.problems), problem=done.problems[0])
