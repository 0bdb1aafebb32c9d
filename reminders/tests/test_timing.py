"""The timing rules: preferred hour in the user's zone, daylight saving, quiet hours, weekly slot."""

import datetime as dt
import zoneinfo

import pytest

from reminders.timing import (
    Schedule,
    Slot,
    due_daily,
    due_weekly,
    in_quiet_hours,
    local_instant,
    send_time,
    weekly_key,
)

UTC = dt.UTC
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
QUIET = {"quiet_start": dt.time(22), "quiet_end": dt.time(7)}


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


# --- preferred hour, Asia/Shanghai (no daylight saving) ---------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(2026, 3, 9, 0, 45), None),  # 08:45 local: before the hour
        (utc(2026, 3, 9, 1, 0), Slot("2026-03-09", utc(2026, 3, 9, 1, 0))),  # 09:00 local: the first run
        (utc(2026, 3, 9, 1, 15), Slot("2026-03-09", utc(2026, 3, 9, 1, 0))),  # later runs: same period
        (utc(2026, 3, 9, 13, 45), Slot("2026-03-09", utc(2026, 3, 9, 1, 0))),  # 21:45 local
        (utc(2026, 3, 9, 14, 0), None),  # 22:00 local: quiet hours
        (utc(2026, 3, 9, 16, 30), None),  # 00:30 on the 10th: a new day, before its hour
    ],
)
def test_due_daily_shanghai(now, expected):
    assert due_daily(now, Schedule(tz=SHANGHAI, hour=9, **QUIET)) == expected


def test_due_daily_without_quiet_hours_lasts_until_local_midnight():
    schedule = Schedule(tz=SHANGHAI, hour=9)
    assert due_daily(utc(2026, 3, 9, 15, 59), schedule) == Slot("2026-03-09", utc(2026, 3, 9, 1, 0))
    assert due_daily(utc(2026, 3, 9, 16, 0), schedule) is None  # 00:00 local on the 10th


# --- daylight saving: America/New_York and Europe/Berlin on the days the clocks change ---------


def test_new_york_spring_forward_preferred_hour_moves_with_the_clock():
    schedule = Schedule(tz=NEW_YORK, hour=9)
    # The day before (EST, UTC-5) 09:00 is 14:00 UTC; on 8 March (EDT, UTC-4) it is 13:00 UTC.
    assert send_time(dt.date(2026, 3, 7), schedule) == utc(2026, 3, 7, 14, 0)
    assert send_time(dt.date(2026, 3, 8), schedule) == utc(2026, 3, 8, 13, 0)
    assert due_daily(utc(2026, 3, 8, 12, 45), schedule) is None
    assert due_daily(utc(2026, 3, 8, 13, 0), schedule) == Slot("2026-03-08", utc(2026, 3, 8, 13, 0))


def test_new_york_nonexistent_hour_sends_when_the_clock_jumps():
    """02:00 does not exist on 2026-03-08 in New York (01:59 EST → 03:00 EDT): the 03:00 run sends."""
    schedule = Schedule(tz=NEW_YORK, hour=2)
    assert local_instant(dt.date(2026, 3, 8), dt.time(2), NEW_YORK) == utc(2026, 3, 8, 7, 0)
    assert due_daily(utc(2026, 3, 8, 6, 45), schedule) is None  # 01:45 EST
    assert due_daily(utc(2026, 3, 8, 7, 0), schedule) == Slot("2026-03-08", utc(2026, 3, 8, 7, 0))  # 03:00 EDT


def test_new_york_repeated_hour_means_its_first_occurrence():
    """01:00 happens twice on 2026-11-01 in New York; the message belongs to the first (EDT)."""
    schedule = Schedule(tz=NEW_YORK, hour=1)
    assert due_daily(utc(2026, 11, 1, 4, 45), schedule) is None  # 00:45 EDT
    first = due_daily(utc(2026, 11, 1, 5, 0), schedule)  # 01:00 EDT
    second = due_daily(utc(2026, 11, 1, 6, 0), schedule)  # 01:00 EST, the repeat
    assert first == Slot("2026-11-01", utc(2026, 11, 1, 5, 0))
    # Same period key, so the log row written at the first occurrence stops a second message.
    assert second == first


def test_new_york_fall_back_ordinary_hour():
    schedule = Schedule(tz=NEW_YORK, hour=9)
    assert send_time(dt.date(2026, 10, 31), schedule) == utc(2026, 10, 31, 13, 0)  # EDT
    assert send_time(dt.date(2026, 11, 1), schedule) == utc(2026, 11, 1, 14, 0)  # EST


def test_berlin_spring_forward():
    assert send_time(dt.date(2026, 3, 29), Schedule(tz=BERLIN, hour=9)) == utc(2026, 3, 29, 7, 0)  # CEST
    assert send_time(dt.date(2026, 3, 28), Schedule(tz=BERLIN, hour=9)) == utc(2026, 3, 28, 8, 0)  # CET
    # 02:00 does not exist on 29 March in Berlin: 03:00 CEST.
    assert send_time(dt.date(2026, 3, 29), Schedule(tz=BERLIN, hour=2)) == utc(2026, 3, 29, 1, 0)


def test_berlin_fall_back_repeated_hour_first_occurrence():
    # 02:00–02:59 happens twice on 25 October 2026; the first is CEST (00:00 UTC).
    assert send_time(dt.date(2026, 10, 25), Schedule(tz=BERLIN, hour=2)) == utc(2026, 10, 25, 0, 0)


# --- quiet hours -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local_time", "quiet"),
    [
        (dt.time(21, 59), False),
        (dt.time(22, 0), True),
        (dt.time(23, 30), True),
        (dt.time(0, 0), True),
        (dt.time(6, 59), True),
        (dt.time(7, 0), False),  # the end is excluded
        (dt.time(12, 0), False),
    ],
)
def test_quiet_window_crossing_midnight(local_time, quiet):
    moment = dt.datetime.combine(dt.date(2026, 3, 9), local_time, tzinfo=SHANGHAI)
    assert in_quiet_hours(moment, Schedule(tz=SHANGHAI, hour=9, **QUIET)) is quiet


def test_quiet_window_within_a_day_and_empty_window():
    lunch = Schedule(tz=SHANGHAI, hour=13, quiet_start=dt.time(12), quiet_end=dt.time(14))
    assert send_time(dt.date(2026, 3, 9), lunch) == utc(2026, 3, 9, 6, 0)  # 14:00 local
    empty = Schedule(tz=SHANGHAI, hour=13, quiet_start=dt.time(12), quiet_end=dt.time(12))
    assert in_quiet_hours(dt.datetime(2026, 3, 9, 12, 0, tzinfo=SHANGHAI), empty) is False


def test_hour_inside_quiet_hours_waits_until_they_end_next_morning_same_period():
    """Preferred 23:00 with quiet 22:00–07:00: sent at 07:00 the next day, under the day it was due."""
    schedule = Schedule(tz=SHANGHAI, hour=23, **QUIET)
    assert due_daily(utc(2026, 3, 9, 15, 0), schedule) is None  # 23:00 on the 9th: quiet
    assert due_daily(utc(2026, 3, 9, 22, 45), schedule) is None  # 06:45 on the 10th: still quiet
    expected = Slot("2026-03-09", utc(2026, 3, 9, 23, 0))  # 07:00 on the 10th
    assert due_daily(utc(2026, 3, 9, 23, 0), schedule) == expected
    assert due_daily(utc(2026, 3, 10, 6, 0), schedule) == expected  # 14:00 on the 10th: still that period
    # From 07:00 on the 11th the period of the 10th is due.
    assert due_daily(utc(2026, 3, 10, 23, 0), schedule) == Slot("2026-03-10", utc(2026, 3, 10, 23, 0))


def test_early_hour_inside_quiet_hours_moves_to_the_end_of_the_window_same_day():
    schedule = Schedule(tz=SHANGHAI, hour=6, **QUIET)
    assert due_daily(utc(2026, 3, 8, 22, 45), schedule) is None  # 06:45 on the 9th
    assert due_daily(utc(2026, 3, 8, 23, 0), schedule) == Slot("2026-03-09", utc(2026, 3, 8, 23, 0))


# --- weekly digest --------------------------------------------------------------------------------


def test_weekly_slot_on_the_digest_weekday_only():
    schedule = Schedule(tz=SHANGHAI, hour=9, **QUIET)
    monday_9 = utc(2026, 3, 9, 1, 0)
    assert due_weekly(monday_9, schedule, weekday=1) == Slot("2026-W11", monday_9)
    assert due_weekly(utc(2026, 3, 9, 0, 45), schedule, weekday=1) is None
    assert due_weekly(utc(2026, 3, 10, 1, 0), schedule, weekday=1) is None  # Tuesday
    assert due_weekly(utc(2026, 3, 10, 1, 0), schedule, weekday=2) == Slot("2026-W11", utc(2026, 3, 10, 1, 0))


def test_weekly_key_uses_iso_weeks():
    assert weekly_key(dt.date(2026, 1, 1)) == "2026-W01"
    assert weekly_key(dt.date(2027, 1, 1)) == "2026-W53"


def test_unknown_time_zone_falls_back_to_portal_zone(settings):
    from types import SimpleNamespace

    user = SimpleNamespace(
        time_zone="Mars/Olympus",
        reminder_hour=9,
        quiet_hours_enabled=True,
        quiet_hours_start=dt.time(22),
        quiet_hours_end=dt.time(7),
    )
    assert Schedule.for_user(user).tz == zoneinfo.ZoneInfo(settings.TIME_ZONE)
