"""Sending signed requests to the adapter as Slack does, over HTTP and Socket Mode."""

from __future__ import annotations

import itertools
import json
import re
import urllib.parse
from typing import Any

import aiohttp

from tests.slack.fake_slack import FakeSlack, sign

#: Anything that would ping a whole channel or group if Slack rendered it.
BROADCAST = re.compile(r"<!(channel|here|everyone|subteam)|@(channel|here|everyone)\b", re.IGNORECASE)

_envelopes = itertools.count(1)


async def send_event(session: aiohttp.ClientSession, port: int, payload: dict[str, Any], *,
                     retry: int | None = None, **sign_options: Any) -> tuple[int, str]:
    body = json.dumps(payload)
    headers = {"Content-Type": "application/json", **sign(body, **sign_options)}
    if retry is not None:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    async with session.post(f"http://127.0.0.1:{port}/slack/events", data=body.encode(), headers=headers) as resp:
        return resp.status, await resp.text()


async def send_form(session: aiohttp.ClientSession, port: int, fields: dict[str, str],
                    **sign_options: Any) -> tuple[int, str]:
    body = urllib.parse.urlencode(fields)
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body, **sign_options)}
    async with session.post(f"http://127.0.0.1:{port}/slack/events", data=body.encode(), headers=headers) as resp:
        return resp.status, await resp.text()


async def send_action(session: aiohttp.ClientSession, port: int, payload: dict[str, Any]) -> tuple[int, str]:
    return await send_form(session, port, {"payload": json.dumps(payload)})


async def push_envelope(fake: FakeSlack, kind: str, payload: dict[str, Any], *,
                        retry_attempt: int = 0) -> str:
    """One Socket Mode delivery; returns its envelope id so tests can wait for the ack."""
    envelope_id = f"env-{next(_envelopes)}"
    envelope: dict[str, Any] = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                                "accepts_response_payload": kind != "events_api"}
    if kind == "events_api":
        envelope |= {"retry_attempt": retry_attempt, "retry_reason": "timeout" if retry_attempt else ""}
    await fake.push(envelope)
    return envelope_id


async def acked(fake: FakeSlack, envelope_id: str, within: float = 3.0) -> dict[str, Any]:
    await fake.wait_until(lambda: any(a.get("envelope_id") == envelope_id for a in fake.acks), within)
    return next(a for a in fake.acks if a.get("envelope_id") == envelope_id)
