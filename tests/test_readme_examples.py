"""The README's console examples are what the commands print: each ```console block is run and compared.

A block holds one or more ``$ aibot ...`` commands, each followed by its output. For
``aibot chat``, lines starting with ``> `` are what the person typed after the prompt; the
test types them and rebuilds the transcript a terminal shows (the prompt, then the typed
line), so the README shows exactly what a person sees. ``aibot knowledge report`` reads the
store as of now: its example is run in this process on a store holding the week the README
describes, with the clock set to the end of that week. ``aibot data`` examples run on a store
holding the votes, schedule and questions the README describes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shlex
import subprocess
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.feedback import QuestionCount, Vote
from bot.language import Lang
from bot.settings import load_settings
from bot.store import open_store
from bot.store.database import NewSubscription, UnansweredRow

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PROMPT = "> "


@dataclass
class Example:
    """One ``$ aibot ...`` line of a console block and what the README shows after it."""

    line: int
    command: str
    expected: list[str] = field(default_factory=list)

    @property
    def typed(self) -> list[str]:
        """What the person types, for ``aibot chat``."""
        return [x[len(PROMPT):] for x in self.expected if x.startswith(PROMPT)] if self.is_chat else []

    @property
    def is_chat(self) -> bool:
        return shlex.split(self.command)[1:2] == ["chat"]


def console_examples(text: str) -> list[Example]:
    examples: list[Example] = []
    inside = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("```"):
            inside = line.strip() == "```console"
            continue
        if not inside:
            continue
        if line.startswith("$ "):
            examples.append(Example(number, line[2:]))
        elif examples:
            examples[-1].expected.append(line)
    for example in examples:  # a blank line between two commands of one block is not output
        while example.expected and not example.expected[-1].strip():
            example.expected.pop()
    return examples


EXAMPLES = console_examples(README.read_text(encoding="utf-8"))


def run(example: Example, cwd: Path, data_dir: Path) -> list[str]:
    words = shlex.split(example.command)
    assert words[0] == "aibot", f"README line {example.line}: examples run aibot only"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIBOT_", "SLACK_", "DISCORD_"))}
    env |= {"AIBOT_DATA_DIR": str(data_dir), "HOME": str(cwd), "COLUMNS": "100"}
    env.pop("DATABASE_URL", None)
    typed = "".join(f"{line}\n" for line in example.typed)
    done = subprocess.run([sys.executable, "-m", "bot", *words[1:]], cwd=cwd, env=env, input=typed,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    if not example.is_chat:
        return done.stdout.rstrip("\n").splitlines()
    return terminal_transcript(done.stdout, example.typed)


def terminal_transcript(stdout: str, typed: list[str]) -> list[str]:
    """What a terminal shows: each prompt followed by the line typed at it (a pipe does not echo it);
    the last prompt, left by Ctrl-D, is dropped."""
    out = stdout.removesuffix(PROMPT).rstrip("\n")
    pieces = out.split("\n" + PROMPT) if not out.startswith(PROMPT) else ["", *out[len(PROMPT):].split("\n" + PROMPT)]
    banner, replies = pieces[0], pieces[1:]
    lines = banner.splitlines()
    for number, reply in enumerate(replies):
        said = typed[number] if number < len(typed) else ""
        first, *rest = reply.split("\n")
        # the reply is printed on the prompt's line only when nothing was typed (a pipe): put the typed text back
        lines.append(PROMPT + said)
        lines.extend([first, *rest] if first else rest)
    if lines and lines[-1] == PROMPT and len(replies) > len(typed):
        lines.pop()  # the prompt Ctrl-D answered
    return lines


def test_the_readme_has_console_examples() -> None:
    commands = [e.command.split()[1] for e in EXAMPLES]
    assert "ask" in commands and "chat" in commands


#: The end of the week the README's report describes (Monday 23 to Monday 30 November 2026).
REPORT_NOW = dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)


async def seed_the_readme_week() -> None:
    """Nine fact questions (en 6, 3 answered; fr 3, 2 answered; Discord 4, 2; Slack 5, 3), three
    small talk, one help; three unanswered questions asked four times; one vote up, one down."""
    day = REPORT_NOW.date()
    counts: list[tuple[str, Lang, str, int]] = [
        ("discord", "en", "answered", 1), ("discord", "en", "unanswered", 2), ("discord", "fr", "answered", 1),
        ("slack", "en", "answered", 2), ("slack", "en", "unanswered", 1), ("slack", "fr", "answered", 1),
        ("slack", "fr", "unanswered", 1), ("discord", "en", "smalltalk", 1), ("slack", "en", "smalltalk", 2),
        ("slack", "en", "help", 1),
    ]
    async with open_store(load_settings()) as store:
        await store.add_question_counts([QuestionCount(day - dt.timedelta(days=n % 6), platform, lang, outcome, count)
                                         for n, (platform, lang, outcome, count) in enumerate(counts)])
        await store.add_unanswered([
            UnansweredRow("What is Nvidia's revenue?", "en", 12.0, REPORT_NOW - dt.timedelta(days=3), count=2),
            UnansweredRow("How much is Apple investing in AI?", "en", 20.0, REPORT_NOW - dt.timedelta(days=1)),
            UnansweredRow("Quel est le budget IA d'Amazon ?", "fr", 15.0, REPORT_NOW - dt.timedelta(days=2)),
        ])
        await store.record_vote(Vote("slack", "UASKER001", "1700000000.000100", ("meta-2025-ai-investment",), "en", True,
                                     question="How much is Meta investing in AI?"), REPORT_NOW - dt.timedelta(days=4))
        await store.record_vote(Vote("discord", "2001", "3001", ("stargate-project",), "fr", False,
                                     question="C'est quoi Stargate ?"), REPORT_NOW - dt.timedelta(days=1))


class _ReportClock(dt.datetime):
    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> _ReportClock:
        return cls.fromtimestamp(REPORT_NOW.timestamp(), tz)


def run_report(example: Example, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    import bot.cli.knowledge as knowledge

    asyncio.run(seed_the_readme_week())
    # the command's clock, set to the end of the README's week (the datetime module itself is untouched)
    monkeypatch.setattr(knowledge, "dt", types.SimpleNamespace(datetime=_ReportClock, timedelta=dt.timedelta,
                                                                UTC=dt.UTC, date=dt.date))
    result = CliRunner().invoke(main, shlex.split(example.command)[1:])
    assert result.exit_code == 0, result.output
    return result.stdout.rstrip("\n").splitlines()


async def seed_the_readme_people(data_dir: Path) -> None:
    """The store the README's "Removing data" examples start from: two Slack votes and a digest
    schedule by U0123ABCD, one Discord vote, three unanswered questions (two asked 40 days ago)."""
    now = dt.datetime.now(dt.UTC)
    async with open_store(load_settings(data_dir=data_dir, database_url=None)) as store:
        for message in ("1700000000.000100", "1700000000.000200"):
            await store.record_vote(Vote("slack", "U0123ABCD", message, ("meta-2025-ai-investment",), "en", False,
                                         question="How much is Meta investing in AI?", channel_id="C1"), now)
        await store.record_vote(Vote("discord", "123456789012345678", "3001", ("stargate-project",), "fr", True,
                                     question="C'est quoi Stargate ?", channel_id="4001"), now)
        await store.subscribe(NewSubscription(platform="slack", workspace_id="T1", channel_id="C1",
                                              schedule_kind="daily", schedule_time="09:00", tz="UTC", lang="en",
                                              created_by="U0123ABCD"), now)
        await store.add_unanswered([
            UnansweredRow("call me on 555 0100, how much is Intel spending?", "en", 10.0, now - dt.timedelta(days=40)),
            UnansweredRow("What is Nvidia's revenue?", "en", 12.0, now - dt.timedelta(days=40)),
            UnansweredRow("How much is Apple investing in AI?", "en", 20.0, now - dt.timedelta(days=1)),
        ])


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"README:{e.line}" for e in EXAMPLES])
def test_each_readme_example_is_what_the_command_prints(example: Example, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    words = shlex.split(example.command)
    if words[1:3] == ["knowledge", "report"]:
        actual = run_report(example, monkeypatch)
    else:
        if words[1] == "data":
            asyncio.run(seed_the_readme_people(tmp_path / "data"))
        actual = run(example, tmp_path, tmp_path / "data")
    assert actual == example.expected, (
        f"README.md line {example.line}: `{example.command}` prints:\n" + "\n".join(actual))
