"""When a reminder is due, in the recipient's own time zone. Pure functions: no queries.

Rules (issue "Reminders"):

* A run happens every 15 minutes. A user's message for a period goes out in the first run at or
  after their preferred hour (``User.reminder_hour``, local) on the period's *send day*: the local
  day itself for daily kinds, the digest weekday (setting ``REMINDERS_DIGEST_WEEKDAY``) of the
  local ISO week for the weekly digest.
* Daylight saving, with :mod:`zoneinfo` and PEP 495 ``fold=0``:

  - an hour that does not exist that day (clocks jump forward) is moved forward by the length of
    the gap: 02:00 on 2026-03-08 in America/New_York is 03:00 EDT, so the 03:00 run sends;
  - an hour that happens twice (clocks fall back) means its first occurrence: 01:00 on
    2026-11-01 in New York is 01:00 EDT (05:00 UTC); the run at the repeated 01:00 EST finds the
    period already used and sends nothing.

* Quiet hours (``quiet_hours_start``–``quiet_hours_end``, local, end excluded; the window may
  cross midnight; equal start and end mean no window): no message goes out inside them. A send
  time that falls inside the window moves to its end, keeping its period, even when that end is on
  the next local day (preferred hour 23:00 with quiet hours 22:00–07:00 sends at 07:00 next morning
  under the previous day's period). A message is never dropped for being due in quiet hours.
* A message may go out from its send time until the end of that local day (outside quiet
  hours). A day on which no run succeeded before the end of the day is not caught up later: the
  next period brings its own message.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.conf import settings

UTC = dt.UTC


@dataclass(frozen=True)
class Schedule:
    """A user's delivery preferences, as read from ``accounts.User``.

    Attributes:
        tz: the user's time zone.
        hour: preferred local hour, 0–23.
        quiet_start, quiet_end: local wall-clock times; ``None`` when quiet hours are off.
    """

    tz: zoneinfo.ZoneInfo
    hour: int
    quiet_start: dt.time | None = None
    quiet_end: dt.time | None = None

    @classmethod
    def for_user(cls, user) -> Schedule:
        """Build from a user; an unknown time zone name falls back to ``settings.TIME_ZONE``."""
        quiet = bool(user.quiet_hours_enabled) and user.quiet_hours_start != user.quiet_hours_end
        return cls(
            tz=user_zone(user.time_zone),
            hour=int(user.reminder_hour),
            quiet_start=_as_time(user.quiet_hours_start) if quiet else None,
            quiet_end=_as_time(user.quiet_hours_end) if quiet else None,
        )


@dataclass(frozen=True)
class Slot:
    """The period a run should send for, and when its message became sendable.

    Attributes:
        period_key: ``"2026-03-09"`` (local day) or ``"2026-W11"`` (local ISO week).
        send_at: aware UTC datetime of the send time (after any quiet-hours shift).
    """

    period_key: str
    send_at: dt.datetime


def user_zone(name: str) -> zoneinfo.ZoneInfo:
    """The :class:`~zoneinfo.ZoneInfo` for ``name``, else the portal's ``settings.TIME_ZONE``."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _as_time(value) -> dt.time:
    if isinstance(value, dt.time):
        return value
    return dt.time.fromisoformat(str(value))


def local_instant(day: dt.date, at: dt.time, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """The UTC instant of wall-clock ``at`` on local ``day`` in ``tz``.

    A time that does not exist (spring-forward gap) is moved forward by the gap's length; a time
    that happens twice (fall-back) means its first occurrence. Both follow from PEP 495's
    ``fold=0``, which uses the offset in force before the transition.
    """
    return dt.datetime.combine(day, at, tzinfo=tz).replace(fold=0).astimezone(UTC)


def in_quiet_hours(moment: dt.datetime, schedule: Schedule) -> bool:
    """True when ``moment`` (aware) falls inside the user's quiet window, end excluded."""
    if schedule.quiet_start is None or schedule.quiet_end is None:
        return False
    wall = moment.astimezone(schedule.tz).time().replace(tzinfo=None)
    start, end = schedule.quiet_start, schedule.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end


def quiet_hours_end_after(moment: dt.datetime, schedule: Schedule) -> dt.datetime:
    """The UTC instant at which the quiet window containing ``moment`` ends.

    Call only when :func:`in_quiet_hours` is true for ``moment``.
    """
    local = moment.astimezone(schedule.tz)
    wall = local.time().replace(tzinfo=None)
    day = local.date()
    crosses_midnight = schedule.quiet_start > schedule.quiet_end
    if crosses_midnight and wall >= schedule.quiet_start:
        day += dt.timedelta(days=1)
    return local_instant(day, schedule.quiet_end, schedule.tz)


def send_time(send_day: dt.date, schedule: Schedule) -> dt.datetime:
    """When the message whose send day is ``send_day`` may first go out (aware UTC).

    The preferred hour on ``send_day``; moved to the end of the quiet window when it falls inside.
    """
    moment = local_instant(send_day, dt.time(schedule.hour), schedule.tz)
    if in_quiet_hours(moment, schedule):
        moment = quiet_hours_end_after(moment, schedule)
    return moment


def daily_key(day: dt.date) -> str:
    """Period key of a local day: ``"2026-03-09"``."""
    return day.isoformat()


def weekly_key(day: dt.date) -> str:
    """Period key of the local ISO week containing ``day``: ``"2026-W11"``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _due(candidates: list[tuple[str, dt.date]], now: dt.datetime, schedule: Schedule) -> Slot | None:
    if in_quiet_hours(now, schedule):
        return None
    today = now.astimezone(schedule.tz).date()
    for key, send_day in candidates:  # latest period first
        at = send_time(send_day, schedule)
        if at <= now and at.astimezone(schedule.tz).date() == today:
            return Slot(period_key=key, send_at=at)
    return None


def due_daily(now: dt.datetime, schedule: Schedule) -> Slot | None:
    """The daily period a run at ``now`` (aware) should send for, or ``None`` when nothing is due.

    Today's period once its send time has passed; yesterday's when quiet hours pushed its send
    time into today. ``None`` inside quiet hours.
    """
    today = now.astimezone(schedule.tz).date()
    yesterday = today - dt.timedelta(days=1)
    return _due([(daily_key(today), today), (daily_key(yesterday), yesterday)], now, schedule)


def due_weekly(now: dt.datetime, schedule: Schedule, *, weekday: int) -> Slot | None:
    """The weekly period a run at ``now`` should send for, or ``None``.

    Args:
        weekday: ISO weekday of the send day (1 = Monday).
    """
    today = now.astimezone(schedule.tz).date()
    this_week = today - dt.timedelta(days=today.isoweekday() - 1)  # Monday
    candidates = []
    for monday in (this_week, this_week - dt.timedelta(days=7)):
        send_day = monday + dt.timedelta(days=weekday - 1)
        candidates.append((weekly_key(send_day), send_day))
    return _due(candidates, now, schedule)


def current_key(now: dt.datetime, schedule: Schedule, *, weekly: bool) -> str:
    """The period key of ``now``'s local day or ISO week (used by previews and dry runs)."""
    today = now.astimezone(schedule.tz).date()
    return weekly_key(today) if weekly else daily_key(today)
