"""Reads for cohorts and mentor dashboards: who may see what, the student × section matrix, the
cohort's completion history against its pace plan, headline figures and one student's record.

Every function here costs a fixed number of queries, whatever the number of students or sections:
rows for all students are fetched together and combined in memory.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Max, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cohorts.models import Cohort, Enrollment, PaceMilestone
from cohorts.pace import PaceStatus, StudentPace, due_date, student_pace
from curriculum.models import Section
from curriculum.selectors import CurriculumTree, curriculum_tree
from progress.models import PaperProgress, ProgressEvent, TopicProgress
from progress.selectors import (
    Completion,
    completion_for_statuses,
    completion_for_users,
    last_activity_for_users,
    topic_statuses,
)

# --- Who may see what ----------------------------------------------------------------------------


def mentor_area_allowed(user) -> bool:
    """Tell whether ``user`` may open the mentor pages at all: admins (``is_staff``), members of the
    ``mentor`` group, and anyone listed as a mentor of a cohort. Students and anonymous users may not."""
    if not user.is_authenticated:
        return False
    return bool(user.is_staff or user.is_mentor or user.mentored_cohorts.exists())


def cohorts_visible_to(user) -> QuerySet[Cohort]:
    """The cohorts ``user`` may see: all for admins, those they mentor for everyone else (none for
    students and anonymous users)."""
    if not user.is_authenticated:
        return Cohort.objects.none()
    if user.is_staff:
        return Cohort.objects.all()
    return Cohort.objects.filter(mentors=user)


def cohort_for_mentor(*, user, pk: int) -> Cohort:
    """The cohort ``pk`` if ``user`` may see it. Raises ``Http404`` otherwise (so a mentor cannot
    probe which other cohorts exist)."""
    return get_object_or_404(cohorts_visible_to(user), pk=pk)


def enrollment_for_mentor(*, cohort: Cohort, user_id: int) -> Enrollment:
    """The active enrollment of student ``user_id`` in ``cohort`` (user loaded). Raises ``Http404``
    when the student is not (or no longer) enrolled there."""
    qs = Enrollment.objects.select_related("user", "cohort")
    return get_object_or_404(qs, cohort=cohort, user_id=user_id, is_active=True)


# --- Pace plan columns ---------------------------------------------------------------------------


def cohort_week(cohort: Cohort, today: dt.date) -> int:
    """The cohort's week number on ``today``: 0 before the start, 1 in days 0–6, and so on; capped at
    :func:`cohort_total_weeks` after the end."""
    if today < cohort.start_date:
        return 0
    week = (today - cohort.start_date).days // 7 + 1
    return min(week, cohort_total_weeks(cohort))


def cohort_total_weeks(cohort: Cohort) -> int:
    """Number of (started) weeks from the start date to the end date, both included."""
    return max(1, math.ceil(((cohort.end_date - cohort.start_date).days + 1) / 7))


@dataclass(frozen=True)
class SectionColumn:
    """One top-level section of the matrix, with its place in the pace plan.

    Attributes:
        section: the top-level :class:`Section`.
        due_week: the plan's week (``None`` when the plan leaves the section out).
        due_on: last day of ``due_week`` (local date), or ``None``.
        is_overdue: ``today`` is after ``due_on``.
        topic_count: number of topics under the section.
    """

    section: Section
    due_week: int | None
    due_on: dt.date | None
    is_overdue: bool
    topic_count: int

    @property
    def sort_key(self) -> str:
        """The ``?sort=`` value of this column."""
        return f"sec-{self.section.pk}"


def _milestones_by_cohort(cohort_ids: Iterable[int], tree: CurriculumTree) -> dict[int, list[tuple[int, int]]]:
    """``{cohort_id: [(section_id, due_week), ...]}`` for active sections only (one query)."""
    out: dict[int, list[tuple[int, int]]] = {cid: [] for cid in cohort_ids}
    rows = PaceMilestone.objects.filter(cohort_id__in=list(out)).values_list("cohort_id", "section_id", "due_week")
    for cohort_id, section_id, week in rows:
        if section_id in tree.by_id:  # a plan entry for an archived section cannot be met
            out[cohort_id].append((section_id, week))
    return out


def _columns(cohort: Cohort, tree: CurriculumTree, milestones: list[tuple[int, int]], today: dt.date):
    weeks = dict(milestones)
    columns = []
    for root in tree.roots:
        week = weeks.get(root.pk)
        due_on = due_date(cohort.start_date, week) if week else None
        columns.append(
            SectionColumn(
                section=root,
                due_week=week,
                due_on=due_on,
                is_overdue=bool(due_on and today > due_on),
                topic_count=len(tree.topic_ids_under(root.pk)),
            )
        )
    return columns


# --- Student rows --------------------------------------------------------------------------------


#: The ``partials/pill.html`` tone of each pace status.
STATUS_TONES = {PaceStatus.ON_TRACK: "ok", PaceStatus.BEHIND: "warn", PaceStatus.STALLED: "bad"}


def heat_bucket(percent: float) -> int:
    """The 10 % bucket of a completion percentage for the heat-cell CSS class: 0 for 0–9.99 %,
    …, 9 for 90–99.99 %, 10 for 100 %."""
    return max(0, min(10, math.floor(percent / 10 + 1e-9)))


def percent_floor(percent: float | None) -> int | None:
    """A percentage rounded down for display, so 100 % is shown only when complete."""
    return None if percent is None else math.floor(percent + 1e-9)


@dataclass(frozen=True)
class HeatCell:
    """One matrix cell: a student's completion of one top-level section.

    Attributes:
        percent: completion in percent (0.0–100.0).
        bucket: :func:`heat_bucket` of it.
        label: the percentage rounded down, as shown.
        overdue: the section is past its due date and not complete.
    """

    percent: float
    bucket: int
    label: int
    overdue: bool


@dataclass
class StudentRow:
    """A student's line in the cohort matrix.

    Attributes:
        user: the student (``accounts.User``).
        enrollment: the active :class:`Enrollment`.
        completion: overall and per-section completion (:class:`progress.selectors.Completion`).
        cells: one :class:`HeatCell` per matrix column, in column order.
        last_activity: aware datetime of the latest progress event, or ``None``.
        pace: the :class:`cohorts.pace.StudentPace`.
        best_quiz: the best score of any submitted quiz attempt, in percent, or ``None``.
        mastered: number of sections whose published quiz the student has passed.
    """

    user: object
    enrollment: Enrollment
    completion: Completion
    cells: list[HeatCell]
    last_activity: dt.datetime | None
    pace: StudentPace
    best_quiz: float | None = None
    mastered: int = 0
    _columns: list = field(default_factory=list, repr=False)

    @property
    def overall(self) -> float:
        """Overall completion in percent."""
        return self.completion.overall

    @property
    def overall_label(self) -> int:
        """Overall completion rounded down, as shown."""
        return percent_floor(self.completion.overall)

    @property
    def status(self) -> str:
        """The :class:`PaceStatus` value."""
        return self.pace.status

    @property
    def name(self) -> str:
        """Display name, else email address."""
        return str(self.user)

    @property
    def status_label(self) -> str:
        """The translated label of :attr:`status`."""
        return PaceStatus(self.status).label

    @property
    def status_tone(self) -> str:
        """The ``partials/pill.html`` tone of :attr:`status`."""
        return STATUS_TONES[self.status]

    @property
    def overdue_sections(self) -> list[Section]:
        """The top-level sections past due and incomplete, in plan order."""
        by_id = {c.section.pk: c.section for c in self._columns}
        return [by_id[sid] for sid in self.pace.overdue_section_ids if sid in by_id]


def _student_rows(
    *,
    enrollments: Sequence[Enrollment],
    tree: CurriculumTree,
    milestones_by_cohort: dict[int, list[tuple[int, int]]],
    columns_by_cohort: dict[int, list[SectionColumn]],
    now: dt.datetime,
    statuses: dict[int, dict[int, str]] | None = None,
) -> list[StudentRow]:
    """Rows for ``enrollments`` (cohort and user loaded) in two queries: statuses (unless given as
    ``{user_id: {topic_id: status}}``) and last activity."""
    user_ids = [e.user_id for e in enrollments]
    if statuses is None:
        completions = completion_for_users(tree, user_ids)
    else:
        completions = {uid: completion_for_statuses(tree, statuses.get(uid, {})) for uid in user_ids}
    last = last_activity_for_users(user_ids)
    stalled_days = settings.COHORT_STALLED_DAYS
    rows = []
    for enrollment in enrollments:
        cohort = enrollment.cohort
        completion = completions[enrollment.user_id]
        pace = student_pace(
            completion_by_section=completion.by_section,
            milestones=milestones_by_cohort[cohort.pk],
            start_date=cohort.start_date,
            last_activity=last[enrollment.user_id],
            now=now,
            stalled_days=stalled_days,
            enrolled_on=enrollment.enrolled_on,
        )
        overdue = set(pace.overdue_section_ids)
        cells = []
        for column in columns_by_cohort[cohort.pk]:
            percent = completion.by_section.get(column.section.pk, 0.0)
            cells.append(
                HeatCell(
                    percent=percent,
                    bucket=heat_bucket(percent),
                    label=percent_floor(percent),
                    overdue=column.section.pk in overdue,
                )
            )
        rows.append(
            StudentRow(
                user=enrollment.user,
                enrollment=enrollment,
                completion=completion,
                cells=cells,
                last_activity=last[enrollment.user_id],
                pace=pace,
                _columns=columns_by_cohort[cohort.pk],
            )
        )
    return rows


def _quiz_figures(user_ids: list[int], tree: CurriculumTree) -> tuple[dict[int, float], dict[int, set[int]], int]:
    """Best submitted score per user, passed sections per user, and how many active sections have a
    published quiz (three queries).

    Rules (issue "Cohorts and mentor dashboards"): best quiz score = max ``score_percent`` of the
    user's submitted attempts; a section is mastered when the user has a passed submitted attempt of
    a published quiz of that section.
    """
    from quizzes.models import Attempt, Quiz

    submitted = Attempt.objects.filter(user_id__in=user_ids, submitted_at__isnull=False)
    best = {
        row["user_id"]: float(row["best"])
        for row in submitted.filter(score_percent__isnull=False).values("user_id").annotate(best=Max("score_percent"))
    }
    active = list(tree.by_id)
    mastered: dict[int, set[int]] = {}
    passed = (
        submitted.filter(passed=True, quiz__is_published=True, quiz__section_id__in=active)
        .values_list("user_id", "quiz__section_id")
        .order_by()  # the model's ordering would add started_at to DISTINCT
        .distinct()
    )
    for user_id, section_id in passed:
        mastered.setdefault(user_id, set()).add(section_id)
    quiz_sections = (
        Quiz.objects.filter(is_published=True, section_id__in=active).values_list("section_id").distinct().count()
    )
    return best, mastered, quiz_sections


# --- The cohort matrix ---------------------------------------------------------------------------


@dataclass
class CohortMatrix:
    """Everything the cohort page and its CSV export show.

    Attributes:
        cohort: the :class:`Cohort`.
        tree: the active curriculum.
        columns: one :class:`SectionColumn` per top-level section, in curriculum order.
        rows: one :class:`StudentRow` per active enrollment (unsorted: use :func:`matrix_rows`).
        milestones: ``(section_id, due_week)`` of the plan (active sections only).
        quiz_sections: number of active sections with a published quiz (the mastery denominator).
        now: the aware time the figures were computed for.
        week: the cohort's current week (:func:`cohort_week`).
        total_weeks: :func:`cohort_total_weeks`.
    """

    cohort: Cohort
    tree: CurriculumTree
    columns: list[SectionColumn]
    rows: list[StudentRow]
    milestones: list[tuple[int, int]]
    quiz_sections: int
    now: dt.datetime
    week: int
    total_weeks: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def average_overall(self) -> float | None:
        """Mean overall completion of the students, in percent (``None`` without students)."""
        if not self.rows:
            return None
        return sum(r.overall for r in self.rows) / len(self.rows)


def _status_counts(rows: Iterable[StudentRow]) -> dict[str, int]:
    counts = dict.fromkeys(PaceStatus.values, 0)
    for row in rows:
        counts[row.status] += 1
    return counts


def cohort_matrix(
    *, cohort: Cohort, now: dt.datetime | None = None, tree: CurriculumTree | None = None
) -> CohortMatrix:
    """Build the student × top-level-section matrix of ``cohort``.

    Args:
        cohort: the cohort.
        now: aware "now" (default ``timezone.now()``); its date in the current time zone decides
            what is overdue.
        tree: the active curriculum, when the caller already has it.
    Returns:
        A :class:`CohortMatrix` whose rows cover the active enrollments. Costs eight queries (seven
        with ``tree``), however many students and sections.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    tree = tree or curriculum_tree()
    milestones = _milestones_by_cohort([cohort.pk], tree)
    columns = _columns(cohort, tree, milestones[cohort.pk], today)
    enrollments = list(
        Enrollment.objects.filter(cohort=cohort, is_active=True).select_related("user").order_by("user__email")
    )
    for enrollment in enrollments:
        enrollment.cohort = cohort
    rows = _student_rows(
        enrollments=enrollments,
        tree=tree,
        milestones_by_cohort=milestones,
        columns_by_cohort={cohort.pk: columns},
        now=now,
    )
    best, mastered, quiz_sections = _quiz_figures([r.user.pk for r in rows], tree)
    for row in rows:
        row.best_quiz = best.get(row.user.pk)
        row.mastered = len(mastered.get(row.user.pk, ()))
    return CohortMatrix(
        cohort=cohort,
        tree=tree,
        columns=columns,
        rows=rows,
        milestones=milestones[cohort.pk],
        quiz_sections=quiz_sections,
        now=now,
        week=cohort_week(cohort, today),
        total_weeks=cohort_total_weeks(cohort),
        counts=_status_counts(rows),
    )


#: ``?status=`` values of the matrix filter; "attention" means behind or stalled.
STATUS_FILTERS = ("", "attention", PaceStatus.BEHIND, PaceStatus.STALLED, PaceStatus.ON_TRACK)
#: Sort keys other than the per-section ``sec-<id>`` ones.
SORT_FIELDS = ("name", "status", "overall", "quiz", "mastery", "activity")
#: The default order: most urgent first (stalled, then behind, then on track).
DEFAULT_SORT = "status"
_STATUS_RANK = {PaceStatus.STALLED: 0, PaceStatus.BEHIND: 1, PaceStatus.ON_TRACK: 2}


def sort_keys(columns: Iterable[SectionColumn]) -> set[str]:
    """Every valid ``?sort=`` value (each key, with or without a leading ``-``) for ``columns``."""
    keys = set(SORT_FIELDS) | {c.sort_key for c in columns}
    return keys | {f"-{k}" for k in keys}


def matrix_rows(matrix: CohortMatrix, *, sort: str = DEFAULT_SORT, status: str = "") -> list[StudentRow]:
    """The matrix rows filtered by ``status`` and ordered by ``sort``.

    Args:
        matrix: from :func:`cohort_matrix`.
        sort: a key from :func:`sort_keys`; ``-`` in front sorts descending. Ties are broken by
            name; empty values (no quiz, no activity) always come last.
        status: one of :data:`STATUS_FILTERS`.
    Raises:
        ValueError: for an unknown ``sort`` or ``status``.
    """
    if status not in STATUS_FILTERS:
        raise ValueError(f"Unknown status filter: {status!r}")
    if sort not in sort_keys(matrix.columns):
        raise ValueError(f"Unknown sort key: {sort!r}")
    rows = list(matrix.rows)
    if status == "attention":
        rows = [r for r in rows if r.status != PaceStatus.ON_TRACK]
    elif status:
        rows = [r for r in rows if r.status == status]
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    if key.startswith("sec-"):
        index = [c.sort_key for c in matrix.columns].index(key)

        def value(r):
            return r.cells[index].percent
    else:
        value = {
            "name": lambda r: r.name.casefold(),
            "overall": lambda r: r.overall,
            "quiz": lambda r: r.best_quiz,
            "mastery": lambda r: r.mastered,
            "activity": lambda r: r.last_activity,
            "status": lambda r: _STATUS_RANK[r.status],
        }[key]
    rows.sort(key=lambda r: (r.name.casefold(), r.user.email))
    present = [r for r in rows if value(r) is not None]
    empty = [r for r in rows if value(r) is None]
    present.sort(key=value, reverse=descending)  # stable: ties keep name order
    return present + empty


# --- Headline figures for the mentor's list ------------------------------------------------------


@dataclass
class CohortSummary:
    """Headline figures of one cohort for the mentor's list.

    Attributes:
        cohort: the :class:`Cohort` (mentors prefetched).
        students: number of active enrollments.
        average_overall: mean overall completion in percent, ``None`` without students.
        counts: ``{PaceStatus value: number of students}``.
        week, total_weeks: see :func:`cohort_week`.
        pending: addresses invited but not yet signed up.
    """

    cohort: Cohort
    students: int
    average_overall: float | None
    counts: dict[str, int]
    week: int
    total_weeks: int
    pending: int = 0

    @property
    def needs_attention(self) -> int:
        """Students behind or stalled."""
        return self.counts[PaceStatus.BEHIND] + self.counts[PaceStatus.STALLED]


def cohort_summaries(*, user, now: dt.datetime | None = None) -> list[CohortSummary]:
    """Headline figures of every cohort ``user`` may see, newest first.

    Costs a fixed number of queries (cohorts, mentors, pending counts, enrollments, curriculum,
    milestones, statuses, last activity) whatever the number of cohorts and students.
    """
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    now = now or timezone.now()
    today = timezone.localdate(now)
    cohorts = list(
        cohorts_visible_to(user)
        .annotate(pending_count=Count("pending_enrollments"))
        .prefetch_related(Prefetch("mentors", queryset=get_user_model().objects.order_by("display_name", "email")))
        .order_by("-start_date", "name")
    )
    if not cohorts:
        return []
    by_id = {c.pk: c for c in cohorts}
    tree = curriculum_tree()
    milestones = _milestones_by_cohort(by_id, tree)
    columns = {c.pk: _columns(c, tree, milestones[c.pk], today) for c in cohorts}
    enrollments = list(Enrollment.objects.filter(cohort_id__in=list(by_id), is_active=True).select_related("user"))
    for enrollment in enrollments:
        enrollment.cohort = by_id[enrollment.cohort_id]
    rows = _student_rows(
        enrollments=enrollments, tree=tree, milestones_by_cohort=milestones, columns_by_cohort=columns, now=now
    )
    rows_by_cohort: dict[int, list[StudentRow]] = {c.pk: [] for c in cohorts}
    for row in rows:
        rows_by_cohort[row.enrollment.cohort_id].append(row)
    out = []
    for cohort in cohorts:
        cohort_rows = rows_by_cohort[cohort.pk]
        out.append(
            CohortSummary(
                cohort=cohort,
                students=len(cohort_rows),
                average_overall=(sum(r.overall for r in cohort_rows) / len(cohort_rows)) if cohort_rows else None,
                counts=_status_counts(cohort_rows),
                week=cohort_week(cohort, today),
                total_weeks=cohort_total_weeks(cohort),
                pending=cohort.pending_count,
            )
        )
    return out


# --- Completion over time against the plan -------------------------------------------------------


@dataclass(frozen=True)
class ChartPoint:
    """A point of the completion chart: ``week`` counted from the cohort's start (0 = start; may be
    fractional for "now"), ``percent`` of overall completion."""

    week: float
    percent: float


@dataclass
class ProgressHistory:
    """The cohort's completion over time against its pace plan.

    Attributes:
        actual: average overall completion of the cohort's current students at the start (week 0),
            at the end of each elapsed week, and now (or at the end date, when over).
        planned: the plan's line: 0 % at week 0, then at each due week the share of all topics in
            sections due by then, linear in between.
        weeks: the x-axis extent (the cohort's length or the last due week, whichever is later).
        students: number of students averaged.
    """

    actual: list[ChartPoint]
    planned: list[ChartPoint]
    weeks: int
    students: int

    @property
    def actual_now(self) -> float | None:
        """The latest actual point's percent, ``None`` before the start."""
        return self.actual[-1].percent if self.actual else None

    @property
    def planned_now(self) -> float | None:
        """The plan's percent at the latest actual point's week (``None`` without both)."""
        if not self.actual or not self.planned:
            return None
        return planned_percent_at(self.planned, self.actual[-1].week)


def planned_points(tree: CurriculumTree, milestones: Iterable[tuple[int, int]]) -> list[ChartPoint]:
    """The plan's line (pure).

    Args:
        tree: the active curriculum (its topics are the denominator).
        milestones: ``(section_id, due_week)`` pairs.
    Returns:
        ``[(0, 0.0), (w1, p1), (w2, p2), ...]`` for the distinct due weeks in order, where ``p`` is
        100 × topics under sections due by that week ÷ all topics; ``[]`` without plan or topics.
    """
    total = len(tree.topics)
    by_week: dict[int, set[int]] = {}
    for section_id, week in milestones:
        if section_id in tree.by_id:
            by_week.setdefault(week, set()).update(tree.topic_ids_under(section_id))
    if not total or not by_week:
        return []
    points = [ChartPoint(0, 0.0)]
    covered: set[int] = set()
    for week in sorted(by_week):
        covered |= by_week[week]
        points.append(ChartPoint(week, 100.0 * len(covered) / total))
    return points


def planned_percent_at(points: Sequence[ChartPoint], week: float) -> float:
    """The plan's percent at ``week`` by linear interpolation of ``points`` (flat after the last)."""
    if not points:
        return 0.0
    previous = points[0]
    for point in points[1:]:
        if week <= point.week:
            span = point.week - previous.week
            return previous.percent + (point.percent - previous.percent) * (week - previous.week) / span
        previous = point
    return previous.percent


def percent_from_counts(*, done: int, skipped: int, total: int) -> float:
    """The completion rule of :func:`progress.selectors.completion_percent` from counts:
    ``100 × done ÷ (total − skipped)``; 100.0 when every topic is skipped, 0.0 for no topics."""
    counted = total - skipped
    if counted == 0:
        return 100.0 if skipped else 0.0
    return 100.0 * done / counted


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def cohort_progress_history(
    *,
    cohort: Cohort,
    now: dt.datetime | None = None,
    tree: CurriculumTree | None = None,
    milestones: list[tuple[int, int]] | None = None,
    student_ids: list[int] | None = None,
) -> ProgressHistory:
    """Reconstruct the cohort's average overall completion week by week from the event log.

    Each student's topic statuses are replayed from their ``ProgressEvent`` rows (``to_status`` of
    every topic event, oldest first), read in ONE query for all of the cohort's active students;
    at each week end (local midnight after day 7k−1, in the current time zone) the students'
    overall completions are averaged. Events of archived topics are ignored.

    Args:
        cohort: the cohort.
        now: aware "now" (default ``timezone.now()``).
        tree, milestones, student_ids: reuse what the caller already loaded (see
            :func:`cohort_matrix`); ``student_ids`` are the users of the active enrollments.
    Returns:
        A :class:`ProgressHistory`.
    """
    now = now or timezone.now()
    tree = tree or curriculum_tree()
    if milestones is None:
        milestones = _milestones_by_cohort([cohort.pk], tree)[cohort.pk]
    planned = planned_points(tree, milestones)
    last_due = max((w for _s, w in milestones), default=0)
    weeks = max(cohort_total_weeks(cohort), last_due)
    start = _local_midnight(cohort.start_date)
    end = min(now, _local_midnight(cohort.end_date + dt.timedelta(days=1)))
    if student_ids is None:
        student_ids = list(
            Enrollment.objects.filter(cohort=cohort, is_active=True).order_by().values_list("user_id", flat=True)
        )
    if end <= start or not student_ids:
        return ProgressHistory(actual=[], planned=planned, weeks=weeks, students=len(student_ids))

    elapsed_weeks = (end - start) / dt.timedelta(weeks=1)
    cutoffs = [(float(k), start + dt.timedelta(weeks=k)) for k in range(math.ceil(elapsed_weeks))]
    cutoffs.append((elapsed_weeks, end))

    topic_ids = {t.pk for t in tree.topics}
    total = len(topic_ids)
    done = dict.fromkeys(student_ids, 0)
    skipped = dict.fromkeys(student_ids, 0)
    state: dict[tuple[int, int], str] = {}
    events = (
        ProgressEvent.objects.filter(
            user_id__in=Enrollment.objects.filter(cohort=cohort, is_active=True).values("user_id"),
            section_id__isnull=False,
        )
        # "now" is included (an event recorded this instant counts); a past end date is not.
        .filter(Q(created__lte=end) if end == now else Q(created__lt=end))
        .order_by("created", "pk")
        .values_list("user_id", "section_id", "to_status", "created")
    )

    def average() -> float:
        return sum(percent_from_counts(done=done[u], skipped=skipped[u], total=total) for u in student_ids) / len(
            student_ids
        )

    actual: list[ChartPoint] = []
    index = 0
    for user_id, section_id, to_status, created in events.iterator(chunk_size=5000):
        while index < len(cutoffs) - 1 and created >= cutoffs[index][1]:
            actual.append(ChartPoint(cutoffs[index][0], average()))
            index += 1
        if section_id not in topic_ids:
            continue
        key = (user_id, section_id)
        old = state.get(key, TopicProgress.Status.NOT_STARTED)
        if old == to_status:
            continue
        state[key] = to_status
        if old == TopicProgress.Status.DONE:
            done[user_id] -= 1
        elif old == TopicProgress.Status.SKIPPED:
            skipped[user_id] -= 1
        if to_status == TopicProgress.Status.DONE:
            done[user_id] += 1
        elif to_status == TopicProgress.Status.SKIPPED:
            skipped[user_id] += 1
    while index < len(cutoffs):
        actual.append(ChartPoint(cutoffs[index][0], average()))
        index += 1
    return ProgressHistory(actual=actual, planned=planned, weeks=weeks, students=len(student_ids))


# --- One student, for mentors --------------------------------------------------------------------


@dataclass
class StudentRecord:
    """What the mentor's student page shows.

    Attributes:
        enrollment: the active :class:`Enrollment` (user and cohort loaded).
        row: the student's :class:`StudentRow` (completion, pace, quiz figures).
        columns: the cohort's :class:`SectionColumn` list (aligned with ``row.cells``).
        topics_by_root: ``{root section id: [(topic, status value, label, pill tone), ...]}`` in
            curriculum order.
        attempts: the student's quiz attempts, newest first (quiz and section loaded), at most 50.
        events: the student's latest progress events, newest first (section and paper loaded,
            translated ``from_label`` and ``to_label`` set), at most 50.
        quiz_sections: number of active sections with a published quiz.
    """

    enrollment: Enrollment
    row: StudentRow
    columns: list[SectionColumn]
    topics_by_root: dict[int, list[tuple[Section, str]]]
    attempts: list
    events: list
    quiz_sections: int


#: The ``partials/pill.html`` tone of each topic status.
TOPIC_STATUS_TONES = {
    TopicProgress.Status.DONE: "ok",
    TopicProgress.Status.IN_PROGRESS: "info",
    TopicProgress.Status.SKIPPED: "muted",
    TopicProgress.Status.NOT_STARTED: "muted",
}

#: How many attempts and events the student page lists.
STUDENT_PAGE_LIMIT = 50


def student_record(*, enrollment: Enrollment, now: dt.datetime | None = None) -> StudentRecord:
    """One student's progress, quiz attempts and activity for the mentor's read-only page."""
    from quizzes.models import Attempt

    now = now or timezone.now()
    today = timezone.localdate(now)
    cohort = enrollment.cohort
    tree = curriculum_tree()
    milestones = _milestones_by_cohort([cohort.pk], tree)
    columns = _columns(cohort, tree, milestones[cohort.pk], today)
    all_statuses = topic_statuses([enrollment.user_id])
    statuses = all_statuses[enrollment.user_id]
    row = _student_rows(
        enrollments=[enrollment],
        tree=tree,
        milestones_by_cohort=milestones,
        columns_by_cohort={cohort.pk: columns},
        now=now,
        statuses=all_statuses,
    )[0]
    best, mastered, quiz_sections = _quiz_figures([enrollment.user_id], tree)
    row.best_quiz = best.get(enrollment.user_id)
    row.mastered = len(mastered.get(enrollment.user_id, ()))
    labels = dict(TopicProgress.Status.choices)
    topics_by_root = {}
    for root in tree.roots:
        topics_by_root[root.pk] = []
        for tid in tree.topic_ids_under(root.pk):
            status = statuses.get(tid, TopicProgress.Status.NOT_STARTED)
            topics_by_root[root.pk].append((tree.by_id[tid], status, labels[status], TOPIC_STATUS_TONES[status]))
    attempts = list(
        Attempt.objects.filter(user_id=enrollment.user_id)
        .select_related("quiz__section")
        .order_by("-started_at", "-pk")[:STUDENT_PAGE_LIMIT]
    )
    events = list(
        ProgressEvent.objects.filter(user_id=enrollment.user_id)
        .select_related("section", "paper")
        .order_by("-created", "-pk")[:STUDENT_PAGE_LIMIT]
    )
    labels = {**labels, **dict(PaperProgress.Status.choices)}
    for event in events:
        event.from_label = labels.get(event.from_status, event.from_status)
        event.to_label = labels.get(event.to_status, event.to_status)
    return StudentRecord(
        enrollment=enrollment,
        row=row,
        columns=columns,
        topics_by_root=topics_by_root,
        attempts=attempts,
        events=events,
        quiz_sections=quiz_sections,
    )
