"""The pace rule: due dates, on track / behind / stalled, at Asia/Shanghai day boundaries."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone
from freezegun import freeze_time

from cohorts.pace import PaceStatus, due_date, student_pace

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
START = dt.date(2026, 9, 7)  # a Monday
A, B = 101, 102  # section ids
PLAN = [(A, 1), (B, 3)]


def sh(*args) -> dt.datetime:
    """An aware datetime in Asia/Shanghai."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("week", "expected"),
    [(1, dt.date(2026, 9, 13)), (2, dt.date(2026, 9, 20)), (3, dt.date(2026, 9, 27)), (10, dt.date(2026, 11, 15))],
)
def test_due_date_is_last_day_of_the_week(week, expected):
    assert due_date(START, week) == expected


CASES = [
    # id, now (Shanghai), completion, last activity, enrolled_on, expected status, overdue, days inactive
    ("fresh-no-activity", sh(2026, 9, 8, 12), {}, None, None, PaceStatus.ON_TRACK, (), None),
    # Section A is due on Sunday 13 September: still on time at 23:59:59 Shanghai time ...
    ("due-day-last-second", sh(2026, 9, 13, 23, 59, 59), {A: 50.0}, sh(2026, 9, 13, 20), None,
     PaceStatus.ON_TRACK, (), 0),
    # ... and overdue from 00:00 on Monday (16:00 UTC on Sunday).
    ("day-after-due", sh(2026, 9, 14, 0, 0, 0), {A: 50.0}, sh(2026, 9, 13, 20), None,
     PaceStatus.BEHIND, (A,), 0),
    ("complete-on-time", sh(2026, 9, 14, 9), {A: 100.0}, sh(2026, 9, 13, 20), None, PaceStatus.ON_TRACK, (), 0),
    ("two-overdue-in-plan-order", sh(2026, 9, 28, 9), {A: 99.0, B: 10.0}, sh(2026, 9, 27, 9), None,
     PaceStatus.BEHIND, (A, B), 1),
    ("missing-section-counts-as-zero", sh(2026, 9, 14, 9), {}, sh(2026, 9, 14, 8), None, PaceStatus.BEHIND, (A,), 0),
    # Stalled after 7 whole days (24-hour periods) without an event.
    ("six-days-23h-idle", sh(2026, 9, 14, 9, 59), {A: 100.0}, sh(2026, 9, 7, 10), None,
     PaceStatus.ON_TRACK, (), 6),
    ("seven-days-idle", sh(2026, 9, 14, 10, 0), {A: 100.0}, sh(2026, 9, 7, 10), None, PaceStatus.STALLED, (), 7),
    # Stalled wins over behind.
    ("stalled-and-behind", sh(2026, 9, 21, 10), {A: 0.0}, sh(2026, 9, 8, 10), None, PaceStatus.STALLED, (A,), 13),
    # Without any event, inactivity counts in calendar days (Shanghai) from the later of start and enrollment.
    ("no-event-day-6", sh(2026, 9, 13, 23, 59), {A: 100.0}, None, None, PaceStatus.ON_TRACK, (), None),
    ("no-event-day-7", sh(2026, 9, 14, 0, 0), {A: 100.0}, None, None, PaceStatus.STALLED, (), None),
    ("late-enrollment-not-stalled", sh(2026, 9, 16, 9), {A: 100.0}, None, dt.date(2026, 9, 15),
     PaceStatus.ON_TRACK, (), None),
    ("late-enrollment-still-behind", sh(2026, 9, 16, 9), {}, None, dt.date(2026, 9, 15),
     PaceStatus.BEHIND, (A,), None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("now", "completion", "last", "enrolled_on", "status", "overdue", "days"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_student_pace(settings, now, completion, last, enrolled_on, status, overdue, days):
    settings.TIME_ZONE = "Asia/Shanghai"
    with freeze_time(now), timezone.override(SHANGHAI):
        result = student_pace(
            completion_by_section=completion,
            milestones=PLAN,
            start_date=START,
            last_activity=last,
            now=timezone.now(),
            stalled_days=7,
            enrolled_on=enrolled_on,
        )
    assert (result.status, result.overdue_section_ids, result.days_inactive) == (status, overdue, days)


def test_day_boundary_follows_the_active_time_zone():
    """At 2026-09-13 17:00 UTC it is already Monday in Shanghai (overdue) but still Sunday in London."""
    now = dt.datetime(2026, 9, 13, 17, 0, tzinfo=dt.UTC)
    kwargs = {
        "completion_by_section": {},
        "milestones": [(A, 1)],
        "start_date": START,
        "last_activity": now,
        "now": now,
        "stalled_days": 7,
    }
    with timezone.override(SHANGHAI):
        assert student_pace(**kwargs).status == PaceStatus.BEHIND
    with timezone.override(zoneinfo.ZoneInfo("Europe/London")):
        assert student_pace(**kwargs).status == PaceStatus.ON_TRACK
