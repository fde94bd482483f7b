"""The console adapter: ``aibot chat``, the embedded default (no token, no network).

Same contract as Discord and Slack: ``translate`` turns a typed line into a core
:class:`Question`, ``render`` turns a core :class:`Answer` into what the terminal shows;
both are pure, and ``chat`` only wires them to standard input and output.
"""

from __future__ import annotations

import asyncio
from typing import TextIO

import click

from bot import messages
from bot.cli.common import build_engine, settings_and_logging, user_errors
from bot.core import Answer, AnswerEngine, Question
from bot.language import detect_language

QUIT = {"/quit", "/exit", "/q"}


def translate(line: str, user: str = "console") -> Question:
    return Question(text=line, user_id=user, channel_id="console", platform="console")


def render(answer: Answer) -> str:
    if answer.matched:
        return f"{answer.body}\n  ({answer.source_line})"
    lines = [answer.body or ""]
    if answer.suggestions:
        lines.append(messages.text("did_you_mean", answer.lang))
        lines += [f"  - {s}" for s in answer.suggestions]
    return "\n".join(lines)


async def converse(engine: AnswerEngine, lines: TextIO, out: TextIO, *, prompt: str = "> ") -> None:
    """Answer every line until end of input or /quit; /help and /about answer locally."""
    out.write(messages.text("chat_intro", "en") + "\n")
    while True:
        out.write(prompt)
        out.flush()
        line = await asyncio.to_thread(lines.readline)
        if not line:
            out.write("\n")
            return
        line = line.strip()
        if line in QUIT:
            return
        if line == "/help":
            out.write(messages.text("help", detect_language(line)) + "\n")
            continue
        answer = await engine.answer(translate(line))
        out.write(render(answer) + "\n")


@click.command()
def chat() -> None:
    """Talk to the bot in this terminal, on the shipped fact base."""
    import sys

    with user_errors():
        engine = build_engine(settings_and_logging())
    asyncio.run(converse(engine, sys.stdin, sys.stdout))
