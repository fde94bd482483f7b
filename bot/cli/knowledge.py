"""``aibot knowledge``: check a fact base, list what the bot knows, see what it could not answer."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import sys
import time
from pathlib import Path

import click
from pydantic import TypeAdapter

from bot.answering.scale.flat_index import cache_key_of
from bot.answering.scale.index_cache import index_cache
from bot.assemble import index_base, read_base
from bot.cli.common import settings_and_logging, user_errors
from bot.computed import amount_text, period_text
from bot.feedback import disliked_by_fact, disliked_line, stored_feedback, weekly_report
from bot.gaps import group_gaps
from bot.tenants import MAX_TENANT
from knowledge.accept import AcceptRefused, accept_draft
from knowledge.coverage import coverage as document_coverage_of
from knowledge.coverage import read_skipped
from knowledge.draft import DraftLimits, DraftSource, DraftTooLarge, draft_article, read_article, recovery, write_draft
from knowledge.draft.reading import article_source_id
from knowledge.errors import FactBaseError
from knowledge.folder import SETTING as KNOWLEDGE_SETTING
from knowledge.folder import init_knowledge_dir, is_inside
from knowledge.freshness import months_old, stale_facts
from knowledge.loader import DEFAULT_DATA_DIR, LIMITS, bounded_problems, figure_disagreements, unfinished_fields
from knowledge.models import Fact, Lang


@click.group()
def knowledge() -> None:
    """Inspect and check the fact base."""


@knowledge.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def init(folder: Path) -> None:
    """Copy the shipped fact base into FOLDER, a knowledge folder of your own to edit."""
    settings_and_logging()
    with user_errors():
        init_knowledge_dir(folder)
        base = read_base(folder)
    target = folder.resolve()
    click.echo(f"Copied the shipped base ({len(base.facts)} facts, {len(base.entities)} entities) "
               f"from {DEFAULT_DATA_DIR} into {target}.")
    click.echo("Point the bot and every `aibot knowledge` command at it (in the environment or in .env):")
    click.echo(f"  {KNOWLEDGE_SETTING}={target}")
    click.echo(f"Then edit {target / 'facts'}, check with `aibot knowledge validate`; a running bot reloads it.")


@knowledge.command()
@click.argument("draft_dir", metavar="DRAFT", type=click.Path(exists=True, file_okay=False, path_type=Path))
def accept(draft_dir: Path) -> None:
    """Move the reviewed draft in DRAFT into the knowledge folder, once nothing is left to fill in."""
    settings = settings_and_logging()
    target = settings.knowledge_dir
    if is_inside(draft_dir, target):
        raise click.UsageError(f"{draft_dir} is inside the knowledge folder {target} already")
    try:
        done = accept_draft(draft_dir, target)
    except AcceptRefused as refused:
        for problem in refused.problems[:LIMITS.max_problems_per_file]:
            click.echo(str(problem), err=True)
        if len(refused.problems) > LIMITS.max_problems_per_file:
            click.echo(f"... and {len(refused.problems) - LIMITS.max_problems_per_file} more", err=True)
        click.echo(f"refused: {refused}; {target} is unchanged", err=True)
        sys.exit(1)
    except FactBaseError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"refused: {draft_dir} or {target} does not load; {target} is unchanged", err=True)
        sys.exit(1)
    click.echo(f"Accepted into {target}: {', '.join(p.name for p in done.fact_files)}; "
               f"{len(done.documents)} source document(s), {len(done.new_entities)} new entities"
               + (f" ({', '.join(done.new_entities)})" if done.new_entities else "")
               + f", {done.skipped} skipped sentence(s). A running bot reloads it.")


@knowledge.command()
@click.argument("path", type=click.Path(path_type=Path), default=None, required=False)
def validate(path: Path | None) -> None:
    """Check the fact base in PATH (default: AIBOT_KNOWLEDGE_DIR, else the shipped one); exit 1 if anything is
    wrong, with at most 20 problems a file shown and the rest counted."""
    target = path or settings_and_logging().knowledge_dir
    try:
        base = read_base(target)  # once: checking and loading are the same work
    except FactBaseError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(exc.problems)} problem(s) in {target}", err=True)
        sys.exit(1)
    # skipped.yaml does not feed the base but is data too; drafted fields wait for a person;
    # a statement's figure must agree with its amount and quotes
    found = read_skipped(target)[1] + unfinished_fields(target) + figure_disagreements(target)
    skipped_problems = bounded_problems(found, LIMITS.max_problems_per_file)
    if skipped_problems:
        for problem in skipped_problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(skipped_problems)} problem(s) in {target}", err=True)
        sys.exit(1)
    click.echo(f"OK: {len(base.facts)} facts, {len(base.entities)} entities, "
               f"{len(base.concepts)} concepts in {target}")


@knowledge.command()
def index() -> None:
    """Index the fact base into the data folder, so the bot's next start reads it back."""
    settings = settings_and_logging()
    cache = index_cache(settings)
    start = time.perf_counter()
    with user_errors():
        base, indexed = index_base(settings.knowledge_dir, cache)
    if base.digest is None or not cache.has(cache_key_of(base.digest)):
        click.echo(f"could not keep the index in {cache.folder} (see the log above); "
                   "the bot will index the base at each start", err=True)
        sys.exit(1)
    done = f"indexed in {time.perf_counter() - start:.1f} s" if indexed else "already indexed"
    click.echo(f"{len(base.facts)} facts from {settings.knowledge_dir}: {done}, kept in {cache.folder}")


@knowledge.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print the facts as a JSON array.")
@click.option("--stale", is_flag=True,
              help="Only facts reported longer ago than AIBOT_STALE_AFTER_MONTHS (12 by default), oldest first.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="With --stale: judge age on this day (YYYY-MM-DD) instead of today.")
def list_facts(as_json: bool, stale: bool, as_of: dt.datetime | None) -> None:
    """Show every fact the bot knows, with its amount and source."""
    with user_errors():
        settings = settings_and_logging()
        base = read_base(settings.knowledge_dir)
    click.echo(f"{len(base.facts)} facts in {settings.knowledge_dir}", err=True)
    facts = base.facts
    today = as_of.date() if as_of is not None else dt.date.today()
    if stale:
        facts = stale_facts(facts, max_age_months=settings.stale_after_months, today=lambda: today)
    if as_json:
        click.echo(json.dumps(TypeAdapter(list[Fact]).dump_python(facts, mode="json"), ensure_ascii=False, indent=2))
        return
    if stale:
        click.echo(f"{len(facts)} of {len(base.facts)} facts are older than {settings.stale_after_months} months "
                   f"on {today.isoformat()}:")
    for fact in facts:
        if stale:
            click.echo(f"{fact.id}  reported {fact.reported}, {months_old(fact, today)} months old")
            continue
        amount = ""
        if fact.amount:
            amount = f"  [{amount_text(fact.amount, 'en')} {period_text(fact.amount, 'en')}]"
        click.echo(f"{fact.id}{amount}")
        click.echo(f"    {fact.statement.en}")
        click.echo(f"    about: {', '.join(fact.entities)}; source: {fact.source.publisher}, {fact.source.date}")


def _tenant_id(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """``--tenant``: one id as the store keeps it, or a clear refusal."""
    if value is None:
        return None
    tenant = value.strip()
    if not tenant or len(tenant) > MAX_TENANT or any(c.isspace() for c in tenant):
        raise click.BadParameter(f"expected one tenant id of at most {MAX_TENANT} characters, without spaces "
                                 "(a Slack team or org id, a Discord server id, discord-dm, console or legacy)")
    return tenant


_TENANT_HELP = ("Only this tenant's data: a Slack team id (T0123ABCD) or org id (E0123ABCD), a Discord server id, "
                "discord-dm, console (the terminal) or legacy (stored before tenants). Default: every tenant.")


@knowledge.command()
@click.option("--limit", default=20, show_default=True, help="How many groups to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the groups as JSON.")
@click.option("--tenant", metavar="ID", callback=_tenant_id, help=_TENANT_HELP)
def gaps(limit: int, as_json: bool, tenant: str | None) -> None:
    """The questions the bot could not answer, grouped when near-identical, most asked first;
    then the answers people voted down, grouped by fact (the JSON lists the questions only).
    Every tenant's, each question with the tenants that asked it, or one tenant's with --tenant."""
    with user_errors():
        settings = settings_and_logging()
        feedback = asyncio.run(stored_feedback(settings, tenant=tenant))
    grouped = group_gaps(feedback.unanswered, limit=limit)
    if as_json:
        click.echo(json.dumps([
            {"text": g.text, "count": g.count, "lang": g.lang, "best_score": g.best_score,
             "last_asked": g.last_asked.isoformat(), "variants": list(g.variants), "tenants": list(g.tenants)}
            for g in grouped
        ], ensure_ascii=False))
        return
    if not grouped:
        click.echo("No unanswered questions recorded" + (f" for tenant {tenant}." if tenant else "."))
    several = len({name for gap in grouped for name in gap.tenants}) > 1  # one tenant: nothing to tell apart
    for gap in grouped:
        whose = f", tenants {', '.join(gap.tenants)}" if several else ""
        click.echo(f"{gap.count:4d}x  {gap.text}  (lang {gap.lang}, best score {gap.best_score:.0f}{whose})")
        for variant in gap.variants[:3]:
            click.echo(f"        also: {variant}")
    disliked = disliked_by_fact(feedback.votes, limit=limit)
    click.echo("Answers voted down, by fact:" if disliked else "No answers voted down.")
    for item in disliked:
        click.echo(disliked_line(item))


@knowledge.command()
@click.option("--days", default=7, show_default=True, type=click.IntRange(min=1),
              help="How many days back (questions are counted per UTC day, today included).")
@click.option("--limit", default=5, show_default=True, type=click.IntRange(min=1), help="How many of each top list.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option("--tenant", metavar="ID", callback=_tenant_id, help=_TENANT_HELP)
def report(days: int, limit: int, as_json: bool, tenant: str | None) -> None:
    """A summary for admins over the last DAYS days: questions asked and the answered share
    (in all, per language and per platform), unanswered questions, votes, the most asked
    unanswered questions and the most disliked answers. Questions asked are those that asked
    the chat platforms for a fact (answered or not), counted per UTC day, today included;
    small talk, help and charts are listed apart and left out of the share. Every tenant's, with
    the questions per tenant, or one tenant's with --tenant (what that community's admins see)."""
    until = dt.datetime.now(dt.UTC)
    since = until - dt.timedelta(days=days)
    with user_errors():
        settings = settings_and_logging()
        feedback = asyncio.run(stored_feedback(settings, since=since, until=until, tenant=tenant))
    summary = weekly_report(feedback, since=since, until=until, limit=limit)
    if as_json:
        click.echo(json.dumps(summary.as_json(), ensure_ascii=False))
        return
    for line in summary.lines():
        click.echo(line)


@knowledge.command()
@click.argument("path", type=click.Path(path_type=Path), default=None, required=False)
@click.option("--json", "as_json", is_flag=True, help="Print every sentence with what covers it, as JSON.")
def coverage(path: Path | None, as_json: bool) -> None:
    """List, per source document, each sentence no fact quotes; exit 1 if any is left that
    skipped.yaml does not mark as deliberately skipped."""
    target = path or settings_and_logging().knowledge_dir
    with user_errors():
        base = read_base(target)
    reports, problems = document_coverage_of(base, target)
    click.echo(f"sources of the base in {target}", err=True)
    for problem in problems:
        click.echo(str(problem), err=True)
    if as_json:
        click.echo(json.dumps([
            {"document": report.document, "sentences": [
                {"line": item.sentence.line, "text": item.sentence.text, "status": item.status,
                 "fact_ids": item.fact_ids, "skipped": item.skip_reasons, "uncovered": item.uncovered}
                for item in report.sentences]} for report in reports
        ], ensure_ascii=False, indent=2))
    else:
        for report in reports:
            click.echo(f"{report.document}: {len(report.sentences)} sentences, {report.count('quoted')} quoted, "
                       f"{report.count('skipped')} skipped, {len(report.uncovered)} not covered")
            for item in report.uncovered:
                click.echo(f"  line {item.sentence.line} ({item.status}): {item.sentence.text}")
                if item.fact_ids:
                    click.echo(f"      not quoted: {item.uncovered}  (quoted in part by {', '.join(item.fact_ids)})")
        if not reports:
            click.echo(f"No source documents in {target / 'sources'}.")
    if problems or any(report.uncovered for report in reports):
        sys.exit(1)


@knowledge.command()
@click.argument("article", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source-id", help="Id of the article as a source (default: from its file name).")
@click.option("--publisher", help="Who published it (default: the dateline, or what the HTML says, else left for "
                                  "a person).")
@click.option("--date", "date", help="Its date, YYYY-MM-DD or YYYY-MM (default: what the article says).")
@click.option("--url", help="Where it was published.")
@click.option("--title", help="Its title (default: what the article says, else left for a person).")
@click.option("--lang", type=click.Choice(["en", "fr"]), help="Its language (default: detected).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the draft (default: drafts/SOURCE-ID); never inside the live knowledge folder.")
@click.option("--force", is_flag=True,
              help="Overwrite a draft already in the --out folder (a person's edits are lost).")
@click.option("--compare", is_flag=True, help="Print how much of the base's facts on this article the draft recovers.")
def draft(article: Path, source_id: str | None, publisher: str | None, date: str | None, url: str | None,
          title: str | None, lang: Lang | None, out_dir: Path | None, force: bool, compare: bool) -> None:
    """Draft facts from ARTICLE (text, Markdown or HTML) for a person to review, apart from the base."""
    with user_errors():
        settings = settings_and_logging()
    identifier = source_id or article_source_id(article)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", identifier):
        raise click.UsageError(f"--source-id {identifier!r}: use lower-case letters, digits and dashes")
    target = out_dir or Path("drafts") / identifier
    if is_inside(target, settings.knowledge_dir):
        raise click.UsageError(f"--out {target} is inside the live knowledge folder {settings.knowledge_dir}: "
                               "a draft is reviewed apart, then moved in; give another folder")
    if not force and target.is_dir() and any(target.iterdir()):
        raise click.UsageError(f"{target} already holds a draft (perhaps with a person's edits): "
                               "give another --out, or --force to overwrite it")
    with user_errors():
        base = read_base(settings.knowledge_dir)
    limits = DraftLimits()
    try:
        text = read_article(article, lang=lang, limits=limits)
    except (ValueError, DraftTooLarge) as exc:
        raise click.UsageError(f"{article}: {exc}") from exc
    when = date or text.date
    if when is None or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?", when):
        raise click.UsageError("--date YYYY-MM-DD (or YYYY-MM) is needed: the article gives no date"
                               if when is None else f"--date {when!r} is not YYYY-MM-DD or YYYY-MM")
    source = DraftSource(source_id=identifier, date=when, publisher=publisher, title=title, url=url)
    try:
        result = draft_article(text, base.entities, source, added=dt.date.today(), limits=limits)
    except DraftTooLarge as exc:
        raise click.UsageError(f"{article}: {exc}") from exc
    written = write_draft(result, target, settings.knowledge_dir)
    amounts = sum(1 for fact in result.facts if "amount" in fact)
    click.echo(f"{len(result.facts)} draft facts ({amounts} with an amount), {len(result.new_entities)} new names, "
               f"{len(result.passed_over)} sentences passed over; article read as {text.lang}; "
               f"drafted against the base in {settings.knowledge_dir}")
    for warning in text.warnings:
        click.echo(f"  warning: {warning}", err=True)
    for path in written:
        click.echo(f"  wrote {path}")
    for entity in result.new_entities:
        click.echo(f"  new name: {entity['name']} ({entity['kind']}, id {entity['id']})")
    click.echo(f"Next: fill in each field `aibot knowledge validate {target}` names, "
               "then move the files into the base.")
    if compare:
        for line in recovery(result, base.facts).lines():
            click.echo(line)
