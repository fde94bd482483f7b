"""The console adapter: ``aibot chat``, the embedded default (no token, no network).

Same contract as Discord and Slack: ``translate`` turns a typed line into a conversation
:class:`Message`, ``render`` turns a :class:`Reply` into what the terminal shows; both are
pure, and ``chat`` only wires them to standard input and output. One run is one
conversation, so follow-ups work as in chat. On a terminal, lines can be edited and earlier
ones recalled (readline); piped input is read one message a line.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import click

from bot import messages
from bot.cli.common import build_engine, settings_and_logging, user_errors
from bot.conversation import ConversationService, Message, Reply, ReplyKind

#: Lines that end the session, with or without a slash.
QUIT = frozenset({"/quit", "/exit", "/q", "quit", "exit", "bye!", ":q"})
HISTORY_LINES = 1000

ReadLine = Callable[[], str]


def translate(line: str, session: str = "console") -> Message:
    return Message(text=line, conversation=f"console:{session}", user_id="console", platform="console")


def render(reply: Reply) -> str:
    """Plain text: the body, the source in brackets, "Did you mean" as a list, the sources of /about."""
    lines = [reply.body]
    if reply.source_line:
        lines.append(f"  ({reply.source_line})")
    if reply.about is not None:
        lines += [f"  - {s.publisher}, \"{s.title}\", {messages.month_year(s.date, reply.lang)}"
                  for s in reply.about.sources]
    if reply.suggestions:
        lines.append(messages.text("did_you_mean", reply.lang))
        lines += [f"  - {s}" for s in reply.suggestions]
    return "\n".join(lines)


async def converse(service: ConversationService, read_line: ReadLine, out: TextIO, *, prompt: str = "> ",
                   session: str | None = None) -> None:
    """Answer every line until end of input or exit/quit; help and /about answer like any message.

    ``read_line`` returns a line with its newline, or "" at the end of input (``readline``
    of a file, or :func:`terminal_reader`).
    """
    session = session or uuid.uuid4().hex
    out.write(messages.text("chat_intro", "en") + "\n")
    while True:
        out.write(prompt)
        out.flush()
        line = await asyncio.to_thread(read_line)
        if not line:
            out.write("\n")
            return
        line = line.strip()
        if not line:
            continue
        if line.lower() in QUIT:
            return
        reply = await service.handle(translate(line, session))
        if reply.kind is not ReplyKind.IGNORE:
            out.write(render(reply) + "\n")


def terminal_reader(history: Path | None, prompt: str = "> ") -> ReadLine:
    """input() with readline's line editing and a history kept between sessions; the prompt
    is readline's, so editing redraws it."""
    import readline

    if history is not None:
        with contextlib.suppress(OSError):  # no history yet
            readline.read_history_file(history)
        readline.set_history_length(HISTORY_LINES)

    def read() -> str:
        try:
            line = input(prompt)
        except EOFError:
            return ""
        if history is not None:
            with contextlib.suppress(OSError):  # history is a comfort, not a reason to stop
                history.parent.mkdir(parents=True, exist_ok=True)
                readline.write_history_file(history)
        return line + "\n"

    return read


@click.command()
@click.option("--record", is_flag=True,
              help="Record unanswered questions for `aibot knowledge gaps` and `report` (off: trying the bot "
                   "leaves the admin report to real users).")
def chat(record: bool) -> None:
    """Talk to the bot in this terminal, on the shipped fact base (help, /about, exit)."""
    with user_errors():
        settings = settings_and_logging()
        service = ConversationService.from_settings(build_engine(settings, record_unanswered=record), settings,
                                                  limits=False)
    if sys.stdin.isatty():
        asyncio.run(converse(service, terminal_reader(settings.data_dir / "chat_history"), sys.stdout, prompt=""))
    else:
        asyncio.run(converse(service, sys.stdin.readline, sys.stdout))
