"""Every setting, read from the environment (Heroku style) into one object built in ``main``.

Platform tokens and URLs keep the names their platforms' docs use (DISCORD_TOKEN,
SLACK_BOT_TOKEN, DATABASE_URL, PORT); the bot's own settings start with ``AIBOT_``.
Secrets are ``SecretStr`` so that printing or logging the settings never shows them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, BeforeValidator, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from knowledge.errors import AibotError
from knowledge.loader import DEFAULT_DATA_DIR


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "aibot"


def _comma_list(value: object) -> object:
    """ "U1, U2" -> ["U1", "U2"]: lists in the environment are written comma-separated."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


CommaList = Annotated[list[str], NoDecode, BeforeValidator(_comma_list)]
CommaInts = Annotated[list[int], NoDecode, BeforeValidator(_comma_list)]


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


_SUPPORTED_DATABASES = ("postgresql+asyncpg://", "sqlite+aiosqlite://")
_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(AibotError):
    """A setting is missing or malformed; the message names it in one line."""


class Settings(BaseSettings):
    """The bot's configuration; see the README's settings table for each one."""

    # A `.env` in the working directory is read when present; the environment wins over it.
    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore", env_ignore_empty=True,
                                      env_file=".env", env_file_encoding="utf-8")

    # where things live
    data_dir: Path = Field(default_factory=_default_data_dir, validation_alias=_env("AIBOT_DATA_DIR"))
    knowledge_dir: Path = Field(default=DEFAULT_DATA_DIR, validation_alias=_env("AIBOT_KNOWLEDGE_DIR"))
    watch_knowledge: bool = Field(default=True, validation_alias=_env("AIBOT_WATCH_KNOWLEDGE"))
    database_url: str | None = Field(default=None, validation_alias=_env("DATABASE_URL"))
    log_level: str = Field(default="INFO", validation_alias=_env("AIBOT_LOG_LEVEL"))
    port: int | None = Field(default=None, ge=1, le=65535, validation_alias=_env("PORT"))
    #: Seconds any one database call may take before the bot gives up on it (connect included):
    #: a stalled database must not stall answers, digests or shutdown.
    database_timeout: float = Field(default=5.0, gt=0, le=300, validation_alias=_env("AIBOT_DATABASE_TIMEOUT"))
    #: Writes (unanswered questions, question counts, votes) kept for retry while the database
    #: cannot take them; distinct entries, each under 3 KB, so at most about 15 MB.
    store_queue_limit: int = Field(default=5000, ge=1, validation_alias=_env("AIBOT_STORE_QUEUE_LIMIT"))

    # operating: logs, health checks, metrics, start-up
    log_format: Literal["text", "json"] = Field(default="text", validation_alias=_env("AIBOT_LOG_FORMAT"))
    health_port: int | None = Field(default=None, ge=0, le=65535, validation_alias=_env("AIBOT_HEALTH_PORT"))
    health_host: str = Field(default="0.0.0.0", validation_alias=_env("AIBOT_HEALTH_HOST"))
    #: /readyz waits this long for the store before calling it unreachable.
    ready_timeout: float = Field(default=2.0, gt=0, validation_alias=_env("AIBOT_READY_TIMEOUT"))
    #: How long start-up keeps retrying a platform or the database it cannot reach before giving
    #: up with one line and exit status 75: long enough for a database booting with the machine.
    start_timeout: float = Field(default=60.0, gt=0, validation_alias=_env("AIBOT_START_TIMEOUT"))
    #: A client of the bot's HTTP server gets this long to send a request's line and headers (from
    #: connecting, or from its last reply on a kept-alive connection), then is closed: Slack, a
    #: health checker and Prometheus send theirs at once; a slow or silent client is not held.
    #: Behind a proxy that keeps idle connections to the bot, set it above the proxy's idle timeout.
    http_header_timeout: float = Field(default=10.0, gt=0, le=300, validation_alias=_env("AIBOT_HTTP_HEADER_TIMEOUT"))
    #: Then this long for the whole body: Slack sends a few KB at once and gives up on an
    #: acknowledgement after 3 s, so a body still arriving after 5 s is never worth waiting for.
    http_body_timeout: float = Field(default=5.0, gt=0, le=300, validation_alias=_env("AIBOT_HTTP_BODY_TIMEOUT"))
    #: /metrics on the bot's HTTP ports only for ``Authorization: Bearer <token>``; unset, it is not
    #: served there (what people ask shapes the counts, and the port is public).
    metrics_token: SecretStr | None = Field(default=None, validation_alias=_env("AIBOT_METRICS_TOKEN"))
    #: /metrics alone on a server of its own, bound to AIBOT_METRICS_HOST (loopback by default, for a
    #: Prometheus on the same host or a sidecar); the token, when set, is asked there too.
    metrics_port: int | None = Field(default=None, ge=0, le=65535, validation_alias=_env("AIBOT_METRICS_PORT"))
    metrics_host: str = Field(default="127.0.0.1", validation_alias=_env("AIBOT_METRICS_HOST"))
    #: On SIGTERM, answers already acknowledged (Slack never sends those events again) get this long
    #: to finish; what is left is cancelled and counted in the log. 8 s leaves the rest of the 10 s
    #: that `docker stop` (and so many hosts) waits before SIGKILL for closing the server and the store.
    drain_timeout: float = Field(default=8.0, ge=0, le=300, validation_alias=_env("AIBOT_DRAIN_TIMEOUT"))

    # state shared by replicas (bot.shared_state): conversation context and per-user rate limits
    #: redis://[:password@]host:port[/db] or rediss:// (TLS); unset, each process keeps its own.
    #: A secret: the URL usually carries the password, so it is never printed or logged.
    redis_url: SecretStr | None = Field(default=None, validation_alias=_env("REDIS_URL"))
    #: Longest any one Redis call may take before the message is answered from this process's own
    #: state: an answer takes milliseconds, so a few hundred more is the most a stalled Redis may cost.
    redis_timeout: float = Field(default=0.25, gt=0, le=5, validation_alias=_env("AIBOT_REDIS_TIMEOUT"))
    #: After a failure Redis is left alone (no message waits on it) and pinged this often until it
    #: answers: often enough that replicas share again within seconds, rare enough to cost nothing.
    redis_retry_seconds: float = Field(default=2.0, gt=0, le=300, validation_alias=_env("AIBOT_REDIS_RETRY_SECONDS"))
    #: Every key starts with it, so two bots (or a test) can share one Redis without meeting.
    redis_prefix: str = Field(default="aibot:", min_length=1, max_length=100,
                              validation_alias=_env("AIBOT_REDIS_PREFIX"))

    # answering
    rate_limit_count: int = Field(default=5, ge=1, validation_alias=_env("AIBOT_RATE_LIMIT_COUNT"))
    rate_limit_seconds: float = Field(default=30.0, gt=0, validation_alias=_env("AIBOT_RATE_LIMIT_SECONDS"))
    # a fact reported longer ago than this is stale (`aibot knowledge list --stale`)
    stale_after_months: int = Field(default=12, ge=1, validation_alias=_env("AIBOT_STALE_AFTER_MONTHS"))
    # conversations: a follow-up is read with the last topic for this long; at most this many are kept
    conversation_ttl_seconds: float = Field(default=600.0, gt=0,
                                            validation_alias=_env("AIBOT_CONVERSATION_TTL_SECONDS"))
    conversation_limit: int = Field(default=10_000, ge=1, validation_alias=_env("AIBOT_CONVERSATION_LIMIT"))

    # privacy: rows about people are deleted after these many days (README, "Privacy"; bot.retention)
    #: A vote names who pressed 👍 / 👎, where, and the question. 90 days is a quarter of weekly
    #: reports, enough votes to see which answers keep disappointing on a fact base that changes
    #: slowly; past that a vote only adds a person's id to what the daily counts already say.
    vote_retention_days: int = Field(default=90, ge=1, validation_alias=_env("AIBOT_VOTE_RETENTION_DAYS"))
    #: Unanswered questions are free text (people type names, e-mail addresses), kept without who
    #: asked. They are the admins' to-do list for the fact base, which a month covers (the report is
    #: weekly); the period runs from the last time anyone asked, so a gap still asked stays listed.
    unanswered_retention_days: int = Field(default=30, ge=1,
                                           validation_alias=_env("AIBOT_UNANSWERED_RETENTION_DAYS"))

    # Discord
    discord_token: SecretStr | None = Field(default=None, validation_alias=_env("DISCORD_TOKEN"))
    discord_message_content: bool = Field(default=True, validation_alias=_env("DISCORD_MESSAGE_CONTENT"))
    discord_api_url: str | None = Field(default=None, validation_alias=_env("DISCORD_API_URL"))
    discord_gateway_url: str | None = Field(default=None, validation_alias=_env("DISCORD_GATEWAY_URL"))
    discord_shard_count: int | None = Field(default=None, ge=1, validation_alias=_env("DISCORD_SHARD_COUNT"))
    discord_shard_ids: CommaInts | None = Field(default=None, validation_alias=_env("DISCORD_SHARD_IDS"))

    # Slack
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias=_env("SLACK_BOT_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(default=None, validation_alias=_env("SLACK_SIGNING_SECRET"))
    slack_app_token: SecretStr | None = Field(default=None, validation_alias=_env("SLACK_APP_TOKEN"))
    slack_api_url: str | None = Field(default=None, validation_alias=_env("SLACK_API_URL"))
    slack_admin_user_ids: CommaList = Field(default_factory=list, validation_alias=_env("SLACK_ADMIN_USER_IDS"))

    # digests
    digest_grace_hours: float = Field(default=6.0, ge=0, validation_alias=_env("AIBOT_DIGEST_GRACE_HOURS"))
    digest_max_failures: int = Field(default=5, ge=1, validation_alias=_env("AIBOT_DIGEST_MAX_FAILURES"))

    @field_validator("database_url")
    @classmethod
    def _sqlalchemy_url(cls, value: str | None) -> str | None:
        """Heroku's postgres://... becomes the async driver's URL; its libpq parameters
        (``sslmode``...) are translated when the store opens (:func:`bot.store.database.asyncpg_arguments`)."""
        if value and value.startswith(("postgres://", "postgresql://")):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value and value.startswith("sqlite://"):
            value = "sqlite+aiosqlite://" + value.split("://", 1)[1]
        if value and not value.startswith(_SUPPORTED_DATABASES):
            # The value is not repeated: it may hold a password.
            raise ValueError("expected a postgres://, postgresql:// or sqlite:/// URL (PostgreSQL or SQLite)")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        """A URL redis-py cannot open fails at start, naming the setting (never repeating the value)."""
        if value is not None and not value.get_secret_value().startswith(_REDIS_SCHEMES):
            raise ValueError("expected a redis://, rediss:// or unix:// URL")
        return value

    @field_validator("data_dir", "knowledge_dir")
    @classmethod
    def _home(cls, value: Path) -> Path:
        """``~/...`` (as in .env.example) means the home folder: a .env file is not read by a shell,
        so nothing else expands it, and a folder literally named ``~`` would appear instead."""
        return value.expanduser()

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        """A typo in the level would otherwise silently mean INFO."""
        if value.upper() not in _LOG_LEVELS:
            raise ValueError(f"expected one of {', '.join(_LOG_LEVELS)}")
        return value.upper()


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning a validation error into one line that names the setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        alias = Settings.model_fields[field].validation_alias if field in Settings.model_fields else None
        name = alias.choices[0] if isinstance(alias, AliasChoices) else field
        raise SettingsError(f"setting {name} is invalid: {first['msg']}") from None
