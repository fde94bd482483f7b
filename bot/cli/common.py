"""What every command needs: settings, logging, and the engine, with errors as one clear line."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from bot.logs import Redactor, configure_logging
from bot.settings import Settings, load_settings
from bot.startup import exit_status
from knowledge.errors import AibotError

if TYPE_CHECKING:  # the engine is imported by the commands that build one: `aibot run` starts its
    from bot.answering import AnswerEngine  # health server before paying for it


@contextmanager
def user_errors() -> Iterator[None]:
    """Our own errors end the command with their message, no traceback, and exit status 2 (a
    setting to fix) or 75 (a service unreachable: try again later; :mod:`bot.startup`). The
    line goes through the log redaction: a database URL in it may hold a password."""
    try:
        yield
    except AibotError as exc:
        click.echo(Redactor()(f"aibot: {exc}"), err=True)
        sys.exit(exit_status(exc))


def settings_and_logging() -> Settings:
    settings = load_settings()
    configure_logging(settings)
    return settings


def build_engine(settings: Settings, *, record_unanswered: bool = True) -> AnswerEngine:
    """The engine for one-shot commands: unanswered questions go to the JSON Lines inbox, which
    the store imports when it next opens, so ``aibot ask`` never waits for a database.
    ``record_unanswered=False`` for a person trying the bot (``aibot ask``, ``aibot chat``
    without ``--record``): the admin report counts real users, not a developer's tests."""
    from bot.answering.scale.index_cache import index_cache
    from bot.assemble import load_engine
    from bot.gaps import JsonlUnansweredLog, jsonl_path

    return load_engine(settings.knowledge_dir, index_cache(settings),
                       unanswered=JsonlUnansweredLog(jsonl_path(settings)) if record_unanswered else None)
