"""``aibot data``: remove one person's data, or prune what is past its retention period now.

The running bot prunes on its own (at start, then hourly: bot.retention); these commands are
for a request to be forgotten, and for an operator who wants the periods applied at once
(after shortening them, say).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import click

from bot.cli.common import settings_and_logging, user_errors
from bot.retention import PLATFORMS, Forgotten, Pruned, Retention, prune, user_id_from
from bot.settings import Settings

#: The longest user id the store keeps (the columns' width): a longer one cannot be in it.
_MAX_USER_ID = 64


@click.group()
def data() -> None:
    """What the bot keeps about people: forget a person, prune old rows."""


@data.command()
@click.option("--user", "user", metavar="ID",
              help="A Slack or Discord user id (U0123ABCD, 123456789012345678; a pasted <@mention> works too).")
@click.option("--platform", type=click.Choice(PLATFORMS),
              help="Only this platform's rows for that id (default: every platform).")
@click.option("--question", metavar="TEXT",
              help="An unanswered question, by its words (they are kept without who asked them).")
def forget(user: str | None, platform: str | None, question: str | None) -> None:
    """Delete one person's rows (--user) or one question (--question), and print what was deleted.

    A person's votes are deleted on every platform (or on --platform); the digest schedules they
    set up stay with their channel, without their id. Unanswered questions are kept without who
    asked them, so one is removed by its words: any wording with the same words matches (case,
    accents and punctuation aside), and the votes on an answer to it go too.
    """
    if (user is None) == (question is None):
        raise click.UsageError("give --user ID or --question TEXT (one of them)")
    if platform is not None and user is None:
        raise click.UsageError("--platform goes with --user")
    if user is not None:
        user = user_id_from(user)
        if not user or len(user) > _MAX_USER_ID or any(c.isspace() for c in user):
            raise click.BadParameter(f"expected one user id of at most {_MAX_USER_ID} characters, without spaces",
                                     param_hint="--user")
    elif question is not None and not question.strip():
        raise click.BadParameter("the question is empty", param_hint="--question")
    with user_errors():
        settings = settings_and_logging()
        done = asyncio.run(_forget(settings, user, platform, question))
    for line in forgotten_lines(done, user=user, platform=platform, question=question):
        click.echo(line)


@data.command(name="prune")
def prune_now() -> None:
    """Delete the votes and unanswered questions older than their retention periods, now."""
    with user_errors():
        settings = settings_and_logging()
        retention = Retention.from_settings(settings)
        pruned = asyncio.run(_prune(settings, retention))
    click.echo(f"Deleted {_rows(pruned.votes, 'vote')} older than {retention.votes.days} days "
               f"(AIBOT_VOTE_RETENTION_DAYS) and {_rows(pruned.unanswered, 'unanswered question')} not asked "
               f"for {retention.unanswered.days} days (AIBOT_UNANSWERED_RETENTION_DAYS).")


def forgotten_lines(done: Forgotten, *, user: str | None, platform: str | None, question: str | None) -> list[str]:
    """What ``forget`` prints: each table it changed, with how many rows, and what it left and why."""
    if user is not None:
        where = f"on {platform}" if platform else "on every platform"
        return [
            f"Forgot user {user} {where}:",
            f"  votes deleted: {done.votes} (answer_votes)",
            f"  digest schedules they set up: {done.subscriptions_anonymised} kept for their channel, "
            "their id removed (subscriptions.created_by)",
            "  nothing else names a person (unanswered questions and question counts keep no user id, "
            "seen events hold Slack event ids)",
            "  to remove an unanswered question, give its words: aibot data forget --question TEXT",
        ]
    return [
        f"Forgot the question {question!r}:",
        f"  unanswered questions deleted: {done.unanswered} (unanswered_counts)",
        f"  votes on an answer to it deleted: {done.votes} (answer_votes)",
    ]


async def _forget(settings: Settings, user: str | None, platform: str | None, question: str | None) -> Forgotten:
    from bot.gaps import jsonl_path
    from bot.store import open_store

    async with open_store(settings) as store:
        if user is not None:
            return await store.forget_user(user, platform)
        assert question is not None
        # `aibot ask`'s file of unanswered questions moves into the store first, so its lines are found too
        await store.import_unanswered_jsonl(jsonl_path(settings))
        return await store.forget_question(question)


async def _prune(settings: Settings, retention: Retention) -> Pruned:
    from bot.gaps import jsonl_path
    from bot.store import open_store

    async with open_store(settings) as store:
        pruned = await prune(store, retention, datetime.now(UTC))
        await store.import_unanswered_jsonl(jsonl_path(settings))  # `aibot ask`'s lines: the old ones are dropped
        return pruned


def _rows(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
