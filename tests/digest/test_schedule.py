"""Run times in the channel's zone, across daylight-saving changes, and clear errors for bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.digest.schedule import Schedule, ScheduleError, to_utc, zone_suggestions

PARIS = ZoneInfo("Europe/Paris")


def runs(schedule: Schedule, start: datetime, end: datetime) -> list[datetime]:
    found, moment = [], start
    while (moment := schedule.next_after(moment)) < end:
        found.append(moment)
    return found


def test_daily_paris_across_march_change_fires_once_a_day_at_nine_local() -> None:
    fired = runs(Schedule.daily("09:00", "Europe/Paris"), datetime(2025, 3, 28, tzinfo=UTC),
                 datetime(2025, 4, 2, tzinfo=UTC))
    assert [f.astimezone(PARIS).strftime("%d %H:%M") for f in fired] == [
        "28 09:00", "29 09:00", "30 09:00", "31 09:00", "01 09:00"]
    # one hour less between the Saturday and Sunday runs, in UTC: 08:00Z then 07:00Z
    assert [f.strftime("%H:%M") for f in fired] == ["08:00", "08:00", "07:00", "07:00", "07:00"]


def test_daily_paris_across_october_change_fires_once_a_day_at_nine_local() -> None:
    fired = runs(Schedule.daily("09:00", "Europe/Paris"), datetime(2025, 10, 24, tzinfo=UTC),
                 datetime(2025, 10, 29, tzinfo=UTC))
    assert [f.astimezone(PARIS).strftime("%d %H:%M") for f in fired] == [
        "24 09:00", "25 09:00", "26 09:00", "27 09:00", "28 09:00"]
    assert [f.strftime("%H:%M") for f in fired] == ["07:00", "07:00", "08:00", "08:00", "08:00"]


def test_time_in_the_spring_gap_fires_once_at_the_end_of_the_gap() -> None:
    fired = runs(Schedule.daily("02:30", "Europe/Paris"), datetime(2025, 3, 29, tzinfo=UTC),
                 datetime(2025, 4, 1, tzinfo=UTC))
    local = [f.astimezone(PARIS).strftime("%d %H:%M %Z") for f in fired]
    assert local == ["29 02:30 CET", "30 03:00 CEST", "31 02:30 CEST"]


def test_time_in_the_repeated_autumn_hour_fires_once_on_its_first_occurrence() -> None:
    fired = runs(Schedule.daily("02:30", "Europe/Paris"), datetime(2025, 10, 25, tzinfo=UTC),
                 datetime(2025, 10, 28, tzinfo=UTC))
    assert [f.isoformat() for f in fired] == [
        "2025-10-25T00:30:00+00:00",  # 02:30 CEST
        "2025-10-26T00:30:00+00:00",  # 02:30 CEST, the first of the two 02:30s; not again at 01:30Z
        "2025-10-27T01:30:00+00:00",  # 02:30 CET
    ]


def test_hourly_cron_through_the_autumn_night_fires_each_local_hour_once() -> None:
    fired = runs(Schedule.from_cron("0 * * * *", "Europe/Paris"), datetime(2025, 10, 25, 22, tzinfo=UTC),
                 datetime(2025, 10, 26, 4, tzinfo=UTC))
    local = [f.astimezone(PARIS).strftime("%H:%M") for f in fired]
    assert local == ["01:00", "02:00", "03:00", "04:00"]  # five real hours, four local hours: 02:00 once
    assert fired[2] - fired[1] == timedelta(hours=2)


def test_hourly_cron_through_the_spring_night_skips_nothing_and_doubles_nothing() -> None:
    fired = runs(Schedule.from_cron("0 * * * *", "Europe/Paris"), datetime(2025, 3, 29, 22, tzinfo=UTC),
                 datetime(2025, 3, 30, 3, tzinfo=UTC))
    local = [f.astimezone(PARIS).strftime("%H:%M") for f in fired]
    assert local == ["00:00", "01:00", "03:00", "04:00"]  # 02:00 does not exist; it is the 03:00 run


def test_previous_and_next_agree() -> None:
    schedule = Schedule.weekly("mon", "08:30", "America/New_York")
    moment = datetime(2025, 11, 5, 12, tzinfo=UTC)
    previous = schedule.previous_at_or_before(moment)
    assert previous.astimezone(ZoneInfo("America/New_York")).strftime("%a %H:%M") == "Mon 08:30"
    assert schedule.next_after(previous - timedelta(seconds=1)) == previous
    assert schedule.previous_at_or_before(previous) == previous
    assert schedule.next_after(previous) - previous == timedelta(days=7)


def test_weekly_accepts_french_and_full_day_names() -> None:
    assert Schedule.weekly("lundi", "8h30", "UTC") == Schedule.weekly("Monday", "08:30", "UTC")
    assert Schedule.weekly("dim", "18:00", "UTC").expression == "0 18 * * 0"


@pytest.mark.parametrize(("build", "key"), [
    (lambda: Schedule.daily("25:00", "UTC"), "digest_bad_time"),
    (lambda: Schedule.daily("9am", "UTC"), "digest_bad_time"),
    (lambda: Schedule.daily("09:00", "Mars/Olympus"), "digest_bad_zone"),
    (lambda: Schedule.daily("09:00", "../../etc/passwd"), "digest_bad_zone"),
    (lambda: Schedule.weekly("funday", "09:00", "UTC"), "digest_bad_day"),
    (lambda: Schedule.from_cron("0 9 * *", "UTC"), "digest_bad_cron"),
    (lambda: Schedule.from_cron("0 25 * * *", "UTC"), "digest_bad_cron"),
    (lambda: Schedule.from_cron("*/5 * * * *", "UTC"), "digest_cron_too_often"),
])
def test_bad_input_names_what_is_wrong(build: object, key: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        build()  # type: ignore[operator]
    assert caught.value.key == key


def test_to_utc_needs_no_search_outside_the_gap() -> None:
    assert to_utc(datetime(2025, 7, 1, 9, 0), PARIS) == datetime(2025, 7, 1, 7, 0, tzinfo=UTC)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        Schedule.daily("09:00", "UTC").next_after(datetime(2025, 1, 1))


def test_zone_suggestions_for_autocomplete() -> None:
    assert zone_suggestions("europe/pa")[:1] == ["Europe/Paris"]
    assert "Europe/Paris" in zone_suggestions("paris")
    assert "America/New_York" in zone_suggestions("new york")
    assert len(zone_suggestions("", limit=25)) == 25
