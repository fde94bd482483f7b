"""The project's exceptions, rooted in one class so callers can catch "ours" at once.

    AibotError
    ├── FactBaseError            a data directory failed validation (knowledge/)
    ├── SettingsError            a setting is missing or malformed (bot/settings)
    │   └── NothingToRun         no chat platform is configured (bot/runtime)
    ├── StoreError               the database could not be reached or upgraded (bot/store)
    ├── ScheduleError            a digest schedule, time or zone is not understood (bot/digest)
    ├── CommandError             a digest command's words are not understood (bot/digest)
    ├── PostError                a digest could not be posted, permanently or not (bot/digest)
    └── SlackSendError           Slack refused a message, with its error code (adapters/slack)

The root lives here because knowledge/ imports nothing from bot/; bot.errors re-exports
it with the rest of the tree. Messages meant for people live in bot.messages, not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class AibotError(Exception):
    """Anything the bot raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a data file, located as precisely as the file allows."""

    file: Path
    line: int
    fact_id: str | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"fact {self.fact_id!r}" if self.fact_id else "file"
        return f"{self.file}:{self.line}: {where}: {self.field}: {self.message}"


class FactBaseError(AibotError):
    """The fact base is broken; the bot refuses to run on part of it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"the fact base has {len(problems)} problem(s):\n{lines}")
