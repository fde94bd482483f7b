"""Logging set-up: plain text for a terminal, or one JSON object per line for a log platform.

``AIBOT_LOG_FORMAT=json`` gives lines such as::

    {"timestamp": "2026-01-05T09:00:00.123Z", "level": "INFO", "logger": "bot.metrics",
     "message": "question answered", "platform": "slack", "channel_id": "C0GENERAL", "user_id": "U1"}

The ids come from ``extra={...}`` on the logging call (see :data:`CONTEXT_FIELDS`), or from
:func:`log_ids`, which an adapter calls when it starts handling an event: every line logged
while that event is handled (in its asyncio task) then carries them. Two
guards hold in both formats: every secret setting's value, and anything shaped like a
Slack or Discord token, is replaced by ``[redacted]`` before a line is written.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from bot.settings import Settings

#: Record attributes copied into a JSON line when a logging call gives them in ``extra``.
CONTEXT_FIELDS = ("platform", "workspace_id", "channel_id", "user_id", "outcome", "lang", "latency_ms",
                  "subscription_id")
REDACTED = "[redacted]"
_ids: ContextVar[dict[str, str]] = ContextVar("aibot_log_ids", default={})  # noqa: B039 - never mutated


def log_ids(**ids: str | None) -> None:
    """Ids (platform, channel_id, user_id...) for every line the current task logs from now on."""
    _ids.set({name: value for name, value in ids.items() if value})
#: Slack tokens (xoxb-, xoxp-, xapp-...) and Discord bot tokens (three dot-separated base64 parts).
TOKEN_SHAPES = re.compile(r"\bx(?:ox[abposr]|app)-[\w-]{6,}|\b[\w-]{23,28}\.[\w-]{6,7}\.[\w-]{27,40}\b")
#: The password of a URL (``scheme://user:password@host``), up to its last ``@`` before a space or
#: quote, so one with an unencoded ``@`` or ``:`` is hidden whole even where the URL is malformed.
URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][\w+.-]*://[^\s:/@'\"]*:)[^\s'\"]*@")


class Redactor:
    """Removes known secrets, token-shaped strings and URL passwords from a finished log line."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret that contains another is removed whole.
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def __call__(self, line: str) -> str:
        for secret in self.secrets:
            line = line.replace(secret, REDACTED)
        line = URL_PASSWORD.sub(lambda match: f"{match['head']}{REDACTED}@", line)
        return TOKEN_SHAPES.sub(REDACTED, line)


class TextFormatter(logging.Formatter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line; a traceback goes in ``exception``, not on new lines."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC)
        item: dict[str, object] = {
            "timestamp": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        known = _ids.get()
        for name in CONTEXT_FIELDS:
            value = record.__dict__.get(name, known.get(name))
            if value is not None:
                item[name] = value
        if record.exc_info:
            item["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            item["exception"] = record.exc_text
        return self.redact(json.dumps(item, ensure_ascii=False, default=str))


class _AibotHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Ours, so that configuring twice replaces it instead of doubling every line."""


def secret_values(settings: Settings) -> list[str]:
    """Every secret setting's value, to be kept out of the logs."""
    values = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if hasattr(value, "get_secret_value"):
            values.append(str(value.get_secret_value()))
    if settings.database_url and "@" in settings.database_url:  # a password in the URL
        credentials = settings.database_url.split("://", 1)[-1].rsplit("@", 1)[0]
        if ":" in credentials:
            values.append(credentials.split(":", 1)[1])
    return values


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """One handler on the root logger writing the chosen format to ``stream`` (stderr).

    Like ``logging.basicConfig``, it leaves alone a root logger that someone else (a test
    runner, a program embedding the bot) has already given handlers; a second call
    replaces the handler of the first.
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _AibotHandler)]:
        root.removeHandler(old)
    if root.handlers and stream is None:
        return
    redact = Redactor(secret_values(settings))
    handler = _AibotHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(redact) if settings.log_format == "json" else TextFormatter(redact))
    root.addHandler(handler)
    root.setLevel(getattr(logging, settings.log_level.upper(), logging.INFO))
