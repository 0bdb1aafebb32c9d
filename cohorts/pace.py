"""Pace rules of a cohort: when a section is due and whether a student is on track, behind or stalled.

Rules (issue "Cohorts and mentor dashboards"): for each top-level section the pace plan gives the
week, counted from the cohort's start, by which it should be complete. A student is *behind* when a
section is past its due week and not complete, *stalled* when they have no progress event in the last
N days (setting ``COHORT_STALLED_DAYS``, default 7), otherwise *on track*. Stalled wins over behind
when both hold, because it is the more urgent signal for a mentor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class PaceStatus(models.TextChoices):
    """A student's standing against the cohort's pace plan."""

    ON_TRACK = "on_track", _("On track")
    BEHIND = "behind", _("Behind")
    STALLED = "stalled", _("Stalled")


def due_date(start_date: dt.date, due_week: int) -> dt.date:
    """The last day of week ``due_week`` counted from ``start_date`` (week 1 = days 0–6).

    A section due in week 1 of a cohort starting on Monday 2026-09-07 is due by Sunday 2026-09-13;
    it becomes overdue on 2026-09-14.
    """
    return start_date + dt.timedelta(days=7 * due_week - 1)


@dataclass(frozen=True)
class StudentPace:
    """Result of :func:`student_pace`.

    Attributes:
        status: the :class:`PaceStatus`.
        overdue_section_ids: top-level sections past their due date and below 100 % complete, in plan order.
        days_inactive: whole days since the last progress event (``None`` when there has been none).
    """

    status: str
    overdue_section_ids: tuple[int, ...]
    days_inactive: int | None


def student_pace(
    *,
    completion_by_section: Mapping[int, float],
    milestones: Iterable[tuple[int, int]],
    start_date: dt.date,
    last_activity: dt.datetime | None,
    now: dt.datetime,
    stalled_days: int,
    enrolled_on: dt.date | None = None,
) -> StudentPace:
    """Classify one student. Pure: no queries.

    Args:
        completion_by_section: percent complete per section id (from ``progress.selectors``).
        milestones: ``(section_id, due_week)`` pairs of the cohort's pace plan.
        start_date: the cohort's start date.
        last_activity: aware datetime of the latest progress event, or ``None``.
        now: aware "now"; its date in the current time zone decides what is overdue.
        stalled_days: N in "no progress event in the last N days".
        enrolled_on: enrollment date; with no activity at all, inactivity counts from this date
            (so a student enrolled yesterday is not stalled yet).
    Returns:
        A :class:`StudentPace`.
    """
    from django.utils import timezone

    today = timezone.localdate(now)
    overdue = tuple(
        section_id
        for section_id, week in sorted(milestones, key=lambda m: m[1])
        if today > due_date(start_date, week) and completion_by_section.get(section_id, 0.0) < 100.0
    )
    if last_activity is not None:
        days_inactive = (now - last_activity).days
        reference_days = days_inactive
    else:
        days_inactive = None
        since = max(d for d in (start_date, enrolled_on) if d is not None)
        reference_days = (today - since).days
    if reference_days >= stalled_days:
        status = PaceStatus.STALLED
    elif overdue:
        status = PaceStatus.BEHIND
    else:
        status = PaceStatus.ON_TRACK
    return StudentPace(status=status, overdue_section_ids=overdue, days_inactive=days_inactive)
