"""``aibot ask``: one question, or a batch, answered for a person or as JSON (DESIGN.md).

Answers go through the conversation service, as in chat: small talk and help get their
replies, and every JSON object says its ``intent``. With ``--conversation`` the batch is
one conversation, each line read with the earlier ones as context; without it every line
stands alone.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterable
from typing import BinaryIO

import click

from bot.cli.common import build_engine, settings_and_logging, user_errors
from bot.conversation import ConversationService, Message, Reply
from bot.language import Lang


@click.command()
@click.argument("question", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per answer.")
@click.option("--batch", type=click.File("rb"), default=None,
              help="Answer one question per line of FILE ('-' for standard input), one output line each.")
@click.option("--lang", type=click.Choice(["en", "fr"]), default=None,
              help="Answer in this language instead of the question's.")
@click.option("--conversation", is_flag=True,
              help="With --batch: the lines are one conversation, each read with the earlier ones as context.")
@click.option("--record", is_flag=True,
              help="Record unanswered questions for `aibot knowledge gaps` and `report` (off: trying the bot "
                   "leaves the admin report to real users).")
def ask(question: tuple[str, ...], as_json: bool, batch: BinaryIO | None, lang: str | None,
        conversation: bool, record: bool) -> None:
    """Answer QUESTION about AI investment."""
    if batch is None and not question:
        raise click.UsageError("give a QUESTION, or --batch FILE")
    if conversation and batch is None:
        raise click.UsageError("--conversation reads the lines of --batch FILE as one conversation")
    with user_errors():
        settings = settings_and_logging()
        service = ConversationService.from_settings(build_engine(settings, record_unanswered=record), settings,
                                                  limits=False)
        chosen: Lang | None = "fr" if lang == "fr" else "en" if lang == "en" else None
        if batch is not None:
            asyncio.run(_answer_lines(service, _lines(batch), as_json, chosen, one_conversation=conversation))
        else:
            reply = asyncio.run(service.handle(_message(" ".join(question), "ask", chosen)))
            click.echo(_render(reply, as_json))


def _message(text: str, conversation: str, lang: Lang | None) -> Message:
    return Message(text=text, conversation=conversation, user_id="cli", lang=lang, platform="cli")


def _lines(stream: BinaryIO) -> Iterable[str]:
    """Every line, undecodable bytes replaced, so output stays aligned with input."""
    for raw in stream:
        yield raw.decode("utf-8", errors="replace").rstrip("\r\n")


async def _answer_lines(service: ConversationService, lines: Iterable[str], as_json: bool, lang: Lang | None,
                        *, one_conversation: bool) -> None:
    for number, line in enumerate(lines):
        key = "batch" if one_conversation else f"line:{number}"
        reply = await service.handle(_message(line, key, lang))
        if not one_conversation:
            service.memory.forget(key)
        rendered = _render(reply, as_json)
        sys.stdout.write((rendered if as_json else rendered.replace("\n", " | ")) + "\n")
        sys.stdout.flush()


def _render(reply: Reply, as_json: bool) -> str:
    if as_json:
        return json.dumps(reply.contract(), ensure_ascii=False)
    return reply.answer.answer or "" if reply.answer is not None else reply.text
