"""``aibot ask``: one question, or a batch, answered for a person or as JSON (DESIGN.md)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterable
from typing import BinaryIO

import click

from bot.cli.common import build_engine, settings_and_logging, user_errors
from bot.core import Answer, AnswerEngine, Question


@click.command()
@click.argument("question", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per answer.")
@click.option("--batch", type=click.File("rb"), default=None,
              help="Answer one question per line of FILE ('-' for standard input), one output line each.")
@click.option("--lang", type=click.Choice(["en", "fr"]), default=None,
              help="Answer in this language instead of the question's.")
def ask(question: tuple[str, ...], as_json: bool, batch: BinaryIO | None, lang: str | None) -> None:
    """Answer QUESTION about AI investment."""
    if batch is None and not question:
        raise click.UsageError("give a QUESTION, or --batch FILE")
    with user_errors():
        settings = settings_and_logging()
        engine = build_engine(settings)
        if batch is not None:
            asyncio.run(_answer_lines(engine, _lines(batch), as_json, lang))
        else:
            answer = asyncio.run(engine.answer(Question(text=" ".join(question), lang=lang)))  # type: ignore[arg-type]
            click.echo(_render(answer, as_json))


def _lines(stream: BinaryIO) -> Iterable[str]:
    """Every line, undecodable bytes replaced, so output stays aligned with input."""
    for raw in stream:
        yield raw.decode("utf-8", errors="replace").rstrip("\r\n")


async def _answer_lines(engine: AnswerEngine, lines: Iterable[str], as_json: bool, lang: str | None) -> None:
    for line in lines:
        answer = await engine.answer(Question(text=line, lang=lang))  # type: ignore[arg-type]
        rendered = _render(answer, as_json)
        sys.stdout.write((rendered if as_json else rendered.replace("\n", " | ")) + "\n")
        sys.stdout.flush()


def _render(answer: Answer, as_json: bool) -> str:
    if as_json:
        return json.dumps(answer.model_dump(mode="json"), ensure_ascii=False)
    return answer.answer or ""
