"""When a subscription fires: daily, weekly or cron, in the channel's IANA time zone.

Every schedule is a wall-clock rule ("09:00 in Europe/Paris"), so it is turned into a
five-field cron expression and iterated over *naive local* times with croniter; each local
time is then placed on the UTC time line by one deliberate rule for daylight saving:

- **Spring gap** (a local time that does not exist, e.g. 02:30 on the last Sunday of March
  in Paris): it fires once, at the end of the gap, the first instant that exists after it
  (03:00 CEST), the way cron runs jobs of the skipped hour right after the change.
- **Autumn repeat** (a local time that happens twice, e.g. 02:30 on the last Sunday of
  October in Paris): it fires once, on its first occurrence (02:30 CEST, fold=0).

This mapping never goes backwards in time, so "the next run after T" is simply the first
mapped local time later than T, and a run is identified by its UTC instant (the period
key a claim is made on).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from croniter import croniter

from knowledge.errors import AibotError

ScheduleKind = Literal["daily", "weekly", "cron"]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: French day names and full names are accepted too; all map to Monday=0.
_DAY_ALIASES = {
    **{d: i for i, d in enumerate(DAYS)},
    **{d: i for i, d in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))},
    **{d: i for i, d in enumerate(("lun", "mar", "mer", "jeu", "ven", "sam", "dim"))},
    **{d: i for i, d in enumerate(("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"))},
}
_TIME = re.compile(r"^([01]?\d|2[0-3])[:hH]([0-5]\d)$")
#: A cron expression may not post more often than this (a digest is not a chat flood).
MIN_CRON_INTERVAL = timedelta(hours=1)
#: How far around a moment to look for the local times that may map onto it (DST shifts are < 3 h).
_SLACK = timedelta(hours=3)


class ScheduleError(AibotError):
    """A time, day, zone or cron expression was not understood; ``key`` names the message to show."""

    def __init__(self, key: str, value: str) -> None:
        super().__init__(f"{key}: {value}")
        self.key = key
        self.value = value


def parse_time(value: str) -> tuple[int, int]:
    """ "09:00", "9:00" or "9h00" -> (9, 0)."""
    match = _TIME.match(value.strip())
    if match is None:
        raise ScheduleError("digest_bad_time", value)
    return int(match.group(1)), int(match.group(2))


def parse_day(value: str) -> int:
    """ "mon", "monday", "lundi" -> 0."""
    day = _DAY_ALIASES.get(value.strip().lower().rstrip("."))
    if day is None:
        raise ScheduleError("digest_bad_day", value)
    return day


def parse_zone(value: str) -> ZoneInfo:
    """An IANA zone name such as Europe/Paris or UTC (case as in the database)."""
    name = value.strip()
    if not name or ".." in name or name.startswith("/"):
        raise ScheduleError("digest_bad_zone", value)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ScheduleError("digest_bad_zone", value) from None


def zone_suggestions(typed: str, limit: int = 25) -> list[str]:
    """IANA zones matching what was typed so far (Discord autocomplete): prefix matches first."""
    wanted = typed.strip().lower().replace(" ", "_")
    zones = sorted(z for z in available_timezones() if not z.startswith(("Etc/", "SystemV/", "posix/", "right/")))
    starts = [z for z in zones if z.lower().startswith(wanted) or z.lower().split("/")[-1].startswith(wanted)]
    inside = [z for z in zones if wanted in z.lower() and z not in starts]
    return (starts + inside)[:limit]


@dataclass(frozen=True)
class Schedule:
    """One subscription's rule: ``kind`` plus its ``time``/``day`` or ``cron``, in ``zone``."""

    kind: ScheduleKind
    zone: str
    time: str | None = None  # "HH:MM" for daily and weekly
    day: int | None = None  # 0 = Monday, for weekly
    cron: str | None = None  # five fields, for cron

    @classmethod
    def daily(cls, time: str, zone: str) -> Schedule:
        hour, minute = parse_time(time)
        parse_zone(zone)
        return cls("daily", zone, time=f"{hour:02d}:{minute:02d}")

    @classmethod
    def weekly(cls, day: str, time: str, zone: str) -> Schedule:
        number = parse_day(day)
        hour, minute = parse_time(time)
        parse_zone(zone)
        return cls("weekly", zone, time=f"{hour:02d}:{minute:02d}", day=number)

    @classmethod
    def from_cron(cls, expression: str, zone: str) -> Schedule:
        expression = " ".join(expression.split())
        if len(expression.split()) != 5 or not croniter.is_valid(expression):
            raise ScheduleError("digest_bad_cron", expression)
        parse_zone(zone)
        schedule = cls("cron", zone, cron=expression)
        schedule._check_interval()
        return schedule

    @property
    def tz(self) -> ZoneInfo:
        return parse_zone(self.zone)

    @property
    def expression(self) -> str:
        """The five-field cron expression every kind is iterated with."""
        if self.kind == "cron":
            assert self.cron is not None
            return self.cron
        assert self.time is not None
        hour, minute = parse_time(self.time)
        if self.kind == "weekly":
            assert self.day is not None
            return f"{minute} {hour} * * {(self.day + 1) % 7}"  # cron counts Sunday as 0
        return f"{minute} {hour} * * *"

    def describe(self) -> str:
        """A short language-neutral summary: "daily 09:00 Europe/Paris", "cron '0 9 * * 1-5' UTC"."""
        if self.kind == "daily":
            return f"daily {self.time} {self.zone}"
        if self.kind == "weekly":
            assert self.day is not None
            return f"weekly {DAYS[self.day]} {self.time} {self.zone}"
        return f"cron '{self.cron}' {self.zone}"

    def next_after(self, moment: datetime) -> datetime:
        """The first run strictly after ``moment`` (aware), in UTC."""
        _require_aware(moment)
        tz = self.tz
        start = (moment.astimezone(tz) - _SLACK).replace(tzinfo=None)
        runs = croniter(self.expression, start)
        while True:
            candidate = to_utc(runs.get_next(datetime), tz)
            if candidate > moment:
                return candidate

    def previous_at_or_before(self, moment: datetime) -> datetime:
        """The latest run at or before ``moment`` (aware), in UTC."""
        _require_aware(moment)
        tz = self.tz
        start = (moment.astimezone(tz) + _SLACK).replace(tzinfo=None)
        runs = croniter(self.expression, start)
        while True:
            candidate = to_utc(runs.get_prev(datetime), tz)
            if candidate <= moment:
                return candidate

    def _check_interval(self) -> None:
        """Refuse cron expressions that would post more than once an hour."""
        moment = datetime(2025, 1, 6, tzinfo=UTC)
        previous = self.next_after(moment)
        for _ in range(48):
            following = self.next_after(previous)
            if following - previous < MIN_CRON_INTERVAL:
                raise ScheduleError("digest_cron_too_often", self.cron or "")
            previous = following


def to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """A naive local wall-clock time in ``tz`` -> its UTC instant, by the module's DST rule."""
    first = local.replace(tzinfo=tz, fold=0)
    instant = first.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == local:
        return instant  # exists (the first occurrence when it is repeated)
    # In the spring gap: fold=0 read it with the offset before the change, fold=1 with the
    # offset after; the change itself lies between the two, find it to the second.
    low = local.replace(tzinfo=tz, fold=1).astimezone(UTC)  # before the change
    high = instant  # after the change
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).replace(tzinfo=None) < local:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("schedule times must be timezone-aware")
