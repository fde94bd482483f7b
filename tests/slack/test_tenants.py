"""Two Slack workspaces, one app: each workspace's admins see only their workspace's questions,
in ``/aibot digest preview`` and in the posted digest's report. The real bolt adapter over HTTP
against the fake Slack, the real services of ``aibot run`` on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.slack import translate
from bot.platforms import Services
from bot.runtime import open_services
from bot.store import Store
from tests.clocks import JumpClock
from tests.digest import conftest as digest_fixtures
from tests.digest.conftest import PG_DSN, Database
from tests.slack.conftest import slack_settings
from tests.slack.fake_slack import (
    TEAM_ID,
    FakeSlack,
    all_strings,
    direct_message,
    event_callback,
    mention,
    slash_command,
)
from tests.slack.helpers import send_event, send_form
from tests.waiting import until

database = digest_fixtures.database

OTHER_TEAM = "T0TEAMB02"
ASKED_IN_A = "Who won the 1998 football world cup?"
ASKED_IN_B = "What is the capital of Australia?"
ADMIN_A, ADMIN_B = "UADMIN001", "UADMINB02"


def url_of(database: Database) -> str | None:
    return None if database.schema is None else f"{PG_DSN}?search_path={database.schema}"


@pytest.fixture
async def services(fake: FakeSlack, database: Database) -> AsyncIterator[Services]:
    fake.admins.add(ADMIN_B)
    async with open_services(slack_settings(fake, database_url=url_of(database))) as opened:
        yield opened


def in_team(body: dict[str, Any], team: str) -> dict[str, Any]:
    """An event envelope as Slack sends it to the installation in ``team``."""
    body = {**body, "team_id": team, "authorizations": [{**body["authorizations"][0], "team_id": team}]}
    body["event"] = {**body["event"], "team": team}
    return body


async def ask(fake: FakeSlack, http: aiohttp.ClientSession, port: int, event: dict[str, Any], team: str) -> None:
    before = len(fake.posts())
    status, _ = await send_event(http, port, in_team(event_callback(event), team))
    assert status == 200
    await fake.wait_until(lambda: len(fake.posts()) > before)


async def command(fake: FakeSlack, http: aiohttp.ClientSession, port: int, text: str, *, user: str, channel: str,
                  team: str) -> str:
    name = f"r{len(fake.responses)}"
    form = {**slash_command(text, fake.response_url(name), user=user, channel=channel), "team_id": team}
    status, _ = await send_form(http, port, form)
    assert status == 200
    await fake.wait_until(lambda: any(n == name for n, _ in fake.responses))
    body = next(body for n, body in fake.responses if n == name)
    return " ".join(all_strings(body))


async def written(store: Store, questions: int) -> None:
    async def counted() -> int:
        return sum(c.count for c in await store.question_counts())

    seen: list[int] = []

    async def all_counted() -> bool:
        seen.append(await counted())
        return seen[-1] >= questions

    await until(all_counted, within=4, what=lambda: f"{seen[-1]} of {questions} questions counted")


async def test_each_workspaces_admins_see_only_their_workspaces_questions(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession, services: Services,
) -> None:
    bot = await start_bot(services=services)
    port = bot.bound_port
    await ask(fake, http, port, mention(ASKED_IN_A, channel="C0GENERALA"), TEAM_ID)
    await ask(fake, http, port, direct_message(ASKED_IN_A, channel="D0DIRECTA"), TEAM_ID)  # a DM: still team A's
    await ask(fake, http, port, mention(ASKED_IN_B, channel="C0GENERALB"), OTHER_TEAM)
    await ask(fake, http, port, mention("How much is Meta investing in AI?", channel="C0GENERALB"), OTHER_TEAM)
    store = services.store
    assert store is not None
    await written(store, 4)
    assert {(c.tenant, c.outcome, c.count) for c in await store.question_counts()} == {
        (OTHER_TEAM, "answered", 1), (OTHER_TEAM, "unanswered", 1), (TEAM_ID, "unanswered", 2)}

    previews = {}
    for team, admin, channel in ((TEAM_ID, ADMIN_A, "C0ADMINA"), (OTHER_TEAM, ADMIN_B, "C0ADMINB")):
        said = await command(fake, http, port, "digest daily 09:00 Europe/Paris en report", user=admin,
                             channel=channel, team=team)
        assert said.startswith("Done:"), said
        previews[team] = await command(fake, http, port, "digest preview", user=admin, channel=channel, team=team)
    in_a, in_b = previews[TEAM_ID], previews[OTHER_TEAM]
    assert "2 question(s) asked, 0 answered" in in_a and f"{ASKED_IN_A}\" (2 time(s))" in in_a
    assert ASKED_IN_B not in in_a
    assert "2 question(s) asked, 1 answered" in in_b and ASKED_IN_B in in_b
    assert ASKED_IN_A not in in_b

    assert services.digests is not None
    nine_paris = (datetime.now(UTC) + timedelta(days=1)).astimezone(ZoneInfo("Europe/Paris")).replace(
        hour=9, minute=1, second=0, microsecond=0)
    assert await services.digests.scheduler({"slack": bot}, clock=JumpClock(nine_paris)).run_once() == 2
    [posted_a] = [p for p in fake.posts() if p["channel"] == "C0ADMINA"]
    [posted_b] = [p for p in fake.posts() if p["channel"] == "C0ADMINB"]
    assert ASKED_IN_A in posted_a["text"] and ASKED_IN_B not in posted_a["text"]
    assert ASKED_IN_B in posted_b["text"] and ASKED_IN_A not in posted_b["text"]


def test_the_tenant_is_the_org_for_an_org_wide_install_else_the_workspace() -> None:
    event = event_callback(mention("hi"))
    assert translate.tenant_of(event) == TEAM_ID
    org_wide = {**event, "enterprise_id": "E0ORG0001", "authorizations": [
        {"enterprise_id": "E0ORG0001", "team_id": None, "user_id": "U0BOT", "is_bot": True,
         "is_enterprise_install": True}]}
    assert translate.tenant_of(org_wide) == "E0ORG0001"
    in_grid = {**event, "enterprise_id": "E0ORG0001", "authorizations": [
        {"enterprise_id": "E0ORG0001", "team_id": TEAM_ID, "user_id": "U0BOT", "is_bot": True,
         "is_enterprise_install": False}]}
    assert translate.tenant_of(in_grid) == TEAM_ID  # installed in one workspace of the org: that workspace's
    typed = slash_command("digest show", "http://127.0.0.1/r") | {"enterprise_id": "E0ORG0001",
                                                                   "is_enterprise_install": "true"}
    assert translate.command(typed).tenant == "E0ORG0001"
    assert translate.command(slash_command("digest show", "http://127.0.0.1/r")).tenant == TEAM_ID
    assert translate.tenant_of({}) == translate.UNKNOWN_TENANT


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=12),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner,
                                                                                        max_size=3), max_leaves=10)


@given(st.dictionaries(st.sampled_from(["team", "team_id", "enterprise", "enterprise_id", "authorizations",
                                        "is_enterprise_install", "event", "user", "view"]), json_values))
def test_any_payload_has_a_tenant_and_never_raises(body: dict[str, Any]) -> None:
    tenant = translate.tenant_of(body)
    assert isinstance(tenant, str) and tenant
