"""Reads for cohorts and mentor dashboards: who may see what, the student × section matrix, the
cohort's completion history against its pace plan, headline figures and one student's record.

Every function here costs a fixed number of queries, whatever the number of students or sections:
rows for all students are fetched together and combined in memory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cohorts.models import Cohort, Enrollment, PaceMilestone
from cohorts.pace import PaceStatus, StudentPace, due_date, student_pace
from core.percent import percent_round
from curriculum.models import Section
from curriculum.selectors import CurriculumTree, curriculum_tree
from progress.models import ProgressEvent, TopicProgress
from progress.selectors import (
    Completion,
    activity_heatmap,
    completion_for_statuses,
    recent_activity,
    topic_statuses,
)

DONE = TopicProgress.Status.DONE
SKIPPED = TopicProgress.Status.SKIPPED

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
    """The active enrollment of student ``user_id`` in ``cohort`` (user and cohort loaded,
    ``last_activity`` annotated as in :func:`enrollments_with_activity`). Raises ``Http404`` when
    the student is not (or no longer) enrolled there, or for an id past the database's integer range."""
    qs = Enrollment.objects.select_related("user", "cohort").annotate(last_activity=Subquery(_latest_event_time()))
    # ``user__pk`` (not ``user_id``): the primary key's lookup turns an id past the integer range into
    # "no match", where a foreign-key lookup hands it to SQLite and fails (a 500).
    return get_object_or_404(qs, cohort=cohort, user__pk=user_id, is_active=True)


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
    def section_id(self) -> int:
        """The section's primary key."""
        return self.section.id

    @property
    def sort_key(self) -> str:
        """The ``?sort=`` value of this column."""
        return f"sec-{self.section.id}"


def _milestones_by_cohort(cohort_ids: Iterable[int], tree: CurriculumTree) -> dict[int, list[tuple[int, int]]]:
    """``{cohort_id: [(section_id, due_week), ...]}`` (one query).

    Only active top-level sections count: the plan is made of top-level sections (the admin offers
    nothing else), and a plan entry for an archived section could never be met.
    """
    out: dict[int, list[tuple[int, int]]] = {cid: [] for cid in cohort_ids}
    roots = {r.pk for r in tree.roots}
    rows = PaceMilestone.objects.filter(cohort_id__in=list(out)).values_list("cohort_id", "section_id", "due_week")
    for cohort_id, section_id, week in rows:
        if section_id in roots:
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


@dataclass(slots=True)
class HeatCell:
    """One matrix cell: a student's completion of one top-level section.

    Attributes:
        percent: completion in percent (0.0–100.0).
        bucket: :func:`heat_bucket` of it.
        label: the percentage as shown (:func:`core.percent.percent_round`).
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
        user: the student (:class:`StudentRef`, or the ``accounts.User`` on the student page).
        enrollment: the active enrollment (:class:`EnrolledStudent`, or the :class:`Enrollment`).
        completion: overall and per-top-level-section completion (:class:`progress.selectors.Completion`).
        columns: the matrix columns (:class:`SectionColumn`), shared by all rows.
        last_activity: aware datetime of the latest progress event, or ``None``.
        pace: the :class:`cohorts.pace.StudentPace`.
        best_quiz: the best score of any submitted quiz attempt, in percent, or ``None``.
        mastered: number of sections whose published quiz the student has passed.
    """

    user: StudentRef
    enrollment: EnrolledStudent
    completion: Completion
    columns: list[SectionColumn] = field(repr=False)
    last_activity: dt.datetime | None
    pace: StudentPace
    best_quiz: float | None = None
    mastered: int = 0

    @cached_property
    def cells(self) -> list[HeatCell]:
        """One :class:`HeatCell` per matrix column, in column order (built on first use: a page
        shows only some rows)."""
        overdue = set(self.pace.overdue_section_ids)
        cells = []
        for column in self.columns:
            percent = self.completion.by_section.get(column.section_id, 0.0)
            cells.append(HeatCell(percent, heat_bucket(percent), percent_round(percent), column.section_id in overdue))
        return cells

    def section_percent(self, section_id: int) -> float:
        """Completion of one top-level section, in percent."""
        return self.completion.by_section.get(section_id, 0.0)

    @property
    def overall(self) -> float:
        """Overall completion in percent."""
        return self.completion.overall

    @property
    def overall_label(self) -> int:
        """Overall completion as shown (:func:`core.percent.percent_round`)."""
        return percent_round(self.completion.overall)

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
        by_id = {c.section_id: c.section for c in self.columns}
        return [by_id[sid] for sid in self.pace.overdue_section_ids if sid in by_id]


@dataclass(frozen=True, slots=True)
class StudentRef:
    """The fields of a student the cohort pages show. Plain records rather than model instances:
    a cohort page handles hundreds of students per request.

    Attributes:
        pk: the ``accounts.User`` id.
        email: login address.
        display_name: display name (may be empty).
    """

    pk: int
    email: str
    display_name: str

    def __str__(self):
        # Same rule as accounts.User.__str__.
        return self.display_name or self.email


@dataclass(slots=True)
class EnrolledStudent:
    """An active enrollment as the cohort pages use it (see :func:`enrollments_with_activity`).

    Attributes:
        pk: the :class:`Enrollment` id.
        cohort_id: its cohort (``cohort`` is set by the caller).
        user_id, user: the student (:class:`StudentRef`).
        enrolled_on: enrollment date.
        last_activity: aware datetime of the student's latest ``ProgressEvent``, or ``None``.
    """

    pk: int
    cohort_id: int
    user_id: int
    user: StudentRef
    enrolled_on: dt.date
    last_activity: dt.datetime | None
    cohort: Cohort | None = None


def enrollments_with_activity(queryset) -> list[EnrolledStudent]:
    """Evaluate an :class:`Enrollment` queryset as :class:`EnrolledStudent` records, with each
    student's latest activity, in ONE query. The latest event is read per student through the
    index on (user, created), so the cost follows the number of students, not of events."""
    rows = (
        queryset.annotate(last_activity=Subquery(_latest_event_time()))
        .order_by()
        .values_list("pk", "cohort_id", "user_id", "user__email", "user__display_name", "enrolled_on", "last_activity")
    )
    return [
        EnrolledStudent(pk, cohort_id, user_id, StudentRef(user_id, email, name), enrolled_on, last_activity)
        for pk, cohort_id, user_id, email, name, enrolled_on, last_activity in rows
    ]


def _latest_event_time():
    """Subquery: the time of the latest ``ProgressEvent`` of the outer row's ``user_id``."""
    return ProgressEvent.objects.filter(user_id=OuterRef("user_id")).order_by("-created").values("created")[:1]


def completions_by_root(tree: CurriculumTree, users) -> dict[int, Completion]:
    """Overall and per-top-level-section completion of many students in ONE query.

    Only the students' "done" and "skipped" rows are read (every other status counts as not
    done); they are counted per top-level section in memory. The percentages follow the
    completion rule of :func:`progress.selectors.completion_percent` (see
    :func:`percent_from_counts`), over the active topics.

    Args:
        tree: the active curriculum.
        users: user ids, or a ``values("user_id")`` subquery selecting them.
    Returns:
        ``{user_id: Completion}`` whose ``by_section`` holds the top-level sections only; users
        without a done or skipped topic are absent (callers treat them as 0 %).
    """
    root_of_topic: dict[int, int] = {}
    topic_total: dict[int, int] = {}
    for root in tree.roots:
        topic_ids = tree.topic_ids_under(root.pk)
        topic_total[root.pk] = len(topic_ids)
        root_of_topic.update(dict.fromkeys(topic_ids, root.pk))
    all_topics = len(root_of_topic)
    counts: dict[int, dict[int, list[int]]] = {}
    rows = (
        TopicProgress.objects.filter(user_id__in=users, status__in=[DONE, SKIPPED])
        .order_by()
        .values_list("user_id", "section_id", "status")
    )
    for user_id, section_id, status in rows:
        root = root_of_topic.get(section_id)
        if root is None:
            continue  # an archived topic
        pair = counts.setdefault(user_id, {}).setdefault(root, [0, 0])
        pair[0 if status == DONE else 1] += 1
    out = {}
    for user_id, by_root in counts.items():
        done = sum(d for d, _s in by_root.values())
        skipped = sum(sk for _d, sk in by_root.values())
        out[user_id] = Completion(
            overall=percent_from_counts(done=done, skipped=skipped, total=all_topics),
            by_section={
                root: percent_from_counts(done=d, skipped=sk, total=topic_total[root])
                for root, (d, sk) in by_root.items()
            },
        )
    return out


_NO_PROGRESS = Completion(overall=0.0, by_section={})


def _student_rows(
    *,
    enrollments: Sequence[EnrolledStudent],
    completions: dict[int, Completion],
    milestones_by_cohort: dict[int, list[tuple[int, int]]],
    columns_by_cohort: dict[int, list[SectionColumn]],
    now: dt.datetime,
) -> list[StudentRow]:
    """Rows for ``enrollments`` (cohort set; from :func:`enrollments_with_activity`, or an
    :class:`Enrollment` annotated with ``last_activity``), given their completions (absent users
    have made no progress). No queries."""
    stalled_days = settings.COHORT_STALLED_DAYS
    today = timezone.localdate(now)
    # Only milestones already past due can make a student behind; the due dates are the same for
    # everyone in a cohort, so they are worked out once here rather than for every student.
    past_due = {
        cohort_id: [(sid, week) for sid, week in milestones if today > due_date(start, week)]
        for cohort_id, (milestones, start) in {
            e.cohort.pk: (milestones_by_cohort[e.cohort.pk], e.cohort.start_date) for e in enrollments
        }.items()
    }
    rows = []
    for enrollment in enrollments:
        cohort = enrollment.cohort
        completion = completions.get(enrollment.user_id, _NO_PROGRESS)
        pace = student_pace(
            completion_by_section=completion.by_section,
            milestones=past_due[cohort.pk],
            start_date=cohort.start_date,
            last_activity=enrollment.last_activity,
            now=now,
            stalled_days=stalled_days,
            enrolled_on=enrollment.enrolled_on,
        )
        rows.append(
            StudentRow(
                user=enrollment.user,
                enrollment=enrollment,
                completion=completion,
                columns=columns_by_cohort[cohort.pk],
                last_activity=enrollment.last_activity,
                pace=pace,
            )
        )
    return rows


def _published_quizzes(tree: CurriculumTree) -> dict[int, int]:
    """``{quiz id: section id}`` of the published quizzes of active sections (one query)."""
    from quizzes.models import Quiz

    rows = Quiz.objects.filter(is_published=True).order_by().values_list("pk", "section_id")
    return {pk: section_id for pk, section_id in rows if section_id in tree.by_id}


def _quiz_figures(users, published: dict[int, int]) -> tuple[dict[int, float], dict[int, set[int]]]:
    """Best submitted score per user and mastered sections per user (one query).

    Rules (issue "Cohorts and mentor dashboards"): best quiz score = max ``score_percent`` of the
    user's submitted attempts; a section is mastered when the user has a passed submitted attempt of
    a published quiz of that section.

    Args:
        users: user ids, or a ``values("user_id")`` subquery selecting them.
        published: from :func:`_published_quizzes`.
    """
    from quizzes.models import Attempt

    best: dict[int, float] = {}
    mastered: dict[int, set[int]] = {}
    rows = (
        Attempt.objects.filter(user_id__in=users, submitted_at__isnull=False)
        .values("user_id", "quiz_id")
        .order_by()
        .annotate(best=Max("score_percent"), passes=Count("pk", filter=Q(passed=True)))
        .values_list("user_id", "quiz_id", "best", "passes")
    )
    for user_id, quiz_id, score, passes in rows:
        if score is not None and (user_id not in best or score > best[user_id]):
            best[user_id] = score
        if passes and quiz_id in published:
            mastered.setdefault(user_id, set()).add(published[quiz_id])
    return {uid: float(score) for uid, score in best.items()}, mastered


def _cache_enabled() -> bool:
    """``settings.COHORT_CACHE_ENABLED`` (default ``True``), read per call: whether the cohort pages
    cache their figures and the settled weeks of their history in Django's cache."""
    return getattr(settings, "COHORT_CACHE_ENABLED", True)


#: How long a cohort's computed figures stay cached (seconds). The key changes whenever the
#: cohort's students, their progress events or quiz attempts, the curriculum or the quizzes change,
#: so this only bounds the life of entries nobody asks for again.
FIGURES_CACHE_SECONDS = 600


def cohort_data_signature(*, cohort: Cohort, users, student_ids: list[int], tree: CurriculumTree, published) -> str:
    """A digest that changes whenever the figures of ``cohort`` may change (three small queries).

    It covers the students, the curriculum tree, the published quizzes, the students' progress
    events (highest id, count), progress rows (latest ``modified``, count) and quiz attempts
    (highest id, counts, sum of scores). Progress rows change only together with a new event
    (``progress.services`` writes both; the log is append-only), and attempts only by being
    created or submitted, so these watermarks catch every change.

    Caveat for test suites: a database rolled back between tests (SQLite reuses ids) can repeat a
    signature with other data; clear the cache between tests or set ``COHORT_CACHE_ENABLED =
    False`` (see :func:`_cache_enabled`).
    """
    from quizzes.models import Attempt

    # Highest id and count catch every insert and delete (index-only scans, cheap); the progress
    # rows' latest change is a second watermark for the statuses themselves.
    events = ProgressEvent.objects.filter(user_id__in=users).aggregate(last=Max("pk"), n=Count("pk"))
    rows = TopicProgress.objects.filter(user_id__in=users).aggregate(changed=Max("modified"), n=Count("pk"))
    attempts = Attempt.objects.filter(user_id__in=users).aggregate(
        last=Max("pk"),
        n=Count("pk"),
        submitted=Count("pk", filter=Q(submitted_at__isnull=False)),
        passed=Count("pk", filter=Q(passed=True)),
        scores=Sum("score_percent"),
    )
    digest = hashlib.sha256()
    for part in (
        cohort.pk,
        sorted(student_ids),
        [(section.pk, section.parent_id) for section in tree.sections],
        sorted(published.items()),
        sorted(events.items()),
        sorted(rows.items()),
        sorted(attempts.items()),
    ):
        digest.update(repr(part).encode() + b"|")
    return digest.hexdigest()


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
        counts: ``{PaceStatus value: number of students}``.
        signature: :func:`cohort_data_signature` of the data the figures come from.
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
    signature: str = ""

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
        A :class:`CohortMatrix` whose rows cover the active enrollments, however many students
        and sections in a fixed number of queries: plan, enrollments with last activity, published
        quizzes, the data signature (two), and, unless cached under that signature, statuses and
        quiz attempts (plus the curriculum without ``tree``). Pace (behind, stalled) is always
        worked out afresh for ``now``.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    tree = tree or curriculum_tree()
    milestones = _milestones_by_cohort([cohort.pk], tree)
    columns = _columns(cohort, tree, milestones[cohort.pk], today)
    active = Enrollment.objects.filter(cohort=cohort, is_active=True)
    users = active.values("user_id")
    enrollments = enrollments_with_activity(active)
    for enrollment in enrollments:
        enrollment.cohort = cohort
    published = _published_quizzes(tree)
    signature = cohort_data_signature(
        cohort=cohort, users=users, student_ids=[e.user_id for e in enrollments], tree=tree, published=published
    )
    key = f"cohorts:figures:v1:{cohort.pk}:{signature}"
    figures = cache.get(key) if _cache_enabled() else None
    if figures is None:
        figures = (completions_by_root(tree, users), *_quiz_figures(users, published))
        if _cache_enabled():
            cache.set(key, figures, FIGURES_CACHE_SECONDS)
    completions, best, mastered = figures
    rows = _student_rows(
        enrollments=enrollments,
        completions=completions,
        milestones_by_cohort=milestones,
        columns_by_cohort={cohort.pk: columns},
        now=now,
    )
    for row in rows:
        row.best_quiz = best.get(row.user.pk)
        row.mastered = len(mastered.get(row.user.pk, ()))
    return CohortMatrix(
        cohort=cohort,
        tree=tree,
        columns=columns,
        rows=rows,
        milestones=milestones[cohort.pk],
        quiz_sections=len(set(published.values())),
        now=now,
        week=cohort_week(cohort, today),
        total_weeks=cohort_total_weeks(cohort),
        counts=_status_counts(rows),
        signature=signature,
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
        section_id = int(key.removeprefix("sec-"))

        def value(r):
            return r.section_percent(section_id)
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

    Costs a fixed number of queries (cohorts with pending counts, mentors, curriculum, plans,
    enrollments with last activity, statuses) whatever the number of cohorts and students.
    """
    from django.contrib.auth import get_user_model

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
    active = Enrollment.objects.filter(cohort_id__in=list(by_id), is_active=True)
    enrollments = enrollments_with_activity(active)
    for enrollment in enrollments:
        enrollment.cohort = by_id[enrollment.cohort_id]
    rows = _student_rows(
        enrollments=enrollments,
        completions=completions_by_root(tree, active.values("user_id")),
        milestones_by_cohort=milestones,
        columns_by_cohort=columns,
        now=now,
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


#: How long the settled weeks of a cohort's history stay cached (seconds). They only change when
#: events are back-dated (imports), so this bounds how long such a change may take to show.
HISTORY_CACHE_SECONDS = 3600


def _history_cache_key(cohort: Cohort, cutoffs: list[dt.datetime], student_ids: list[int], topic_ids: list[int]) -> str:
    """Cache key of the settled history: the cohort, its week ends, its students and the topics."""
    digest = hashlib.sha256()
    digest.update(f"{cohort.pk}|{[c.isoformat() for c in cutoffs]}|".encode())
    digest.update(",".join(map(str, sorted(student_ids))).encode() + b"|")
    digest.update(",".join(map(str, sorted(topic_ids))).encode())
    return f"cohorts:history:v1:{cohort.pk}:{digest.hexdigest()}"


def _history_deltas(events, counts: dict, cutoffs: list[dt.datetime], key: str):
    """Per-student (done, skipped) changes per week bucket: ``(settled, live)`` where ``settled``
    maps a user to one pair per settled bucket and ``live`` to the pair of the current bucket.
    The settled buckets are read from / written to the cache under ``key``; one query."""
    live = len(cutoffs)
    settled: dict[int, list[tuple[int, int]]] | None = cache.get(key) if _cache_enabled() else None
    live_deltas: dict[int, tuple[int, int]] = {}
    if settled is None:
        settled = {}
        bucket = Case(*[When(created__lt=c, then=Value(b)) for b, c in enumerate(cutoffs)], default=Value(live))
        rows = (
            events.annotate(bucket=bucket)
            .values("user_id", "bucket")
            .order_by()
            .annotate(**counts)
            .values_list("user_id", "bucket", *counts)
        )
        for user_id, b, done_in, done_out, skipped_in, skipped_out in rows:
            delta = (done_in - done_out, skipped_in - skipped_out)
            if b == live:
                live_deltas[user_id] = delta
            else:
                settled.setdefault(user_id, [(0, 0)] * live)[b] = delta
        if _cache_enabled():
            cache.set(key, settled, HISTORY_CACHE_SECONDS)
    else:
        rows = (
            events.filter(created__gte=cutoffs[-1])
            .values("user_id")
            .order_by()
            .annotate(**counts)
            .values_list("user_id", *counts)
        )
        for user_id, done_in, done_out, skipped_in, skipped_out in rows:
            live_deltas[user_id] = (done_in - done_out, skipped_in - skipped_out)

    return settled, live_deltas


def cohort_progress_history(
    *,
    cohort: Cohort,
    now: dt.datetime | None = None,
    tree: CurriculumTree | None = None,
    milestones: list[tuple[int, int]] | None = None,
    student_ids: list[int] | None = None,
    signature: str = "",
) -> ProgressHistory:
    """Reconstruct the cohort's average overall completion week by week from the event log.

    ONE grouped query over the ``ProgressEvent`` rows of the cohort's active students: the
    database puts each topic event in its week (a ``CASE`` over the week ends: local midnights
    7 days apart from the start date, in the current time zone) and counts, per student and
    week, the events entering and leaving "done" and "skipped" (``to_status`` / ``from_status``;
    the event log records both for every change). Running sums give each student's done and
    skipped topics at each week end, hence their overall completion by the rule of
    :func:`progress.selectors.completion_percent`. Events of archived topics are ignored. Rows
    read: at most students × weeks, whatever the number of events.

    The weeks before the current one are settled (events are appended with the current time), so
    their counts are cached for :data:`HISTORY_CACHE_SECONDS` under a key made of the cohort, its
    week ends, its students and the active topics; with them cached the query reads only the
    current week's events.

    Args:
        cohort: the cohort.
        now: aware "now" (default ``timezone.now()``).
        tree, milestones, student_ids: reuse what the caller already loaded (see
            :func:`cohort_matrix`); ``student_ids`` are the users of the active enrollments.
        signature: :attr:`CohortMatrix.signature`; when given, the whole history is cached under
            it and read back without a query while nothing changed.
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
    active = Enrollment.objects.filter(cohort=cohort, is_active=True).order_by()
    if student_ids is None:
        student_ids = list(active.values_list("user_id", flat=True))
    if end <= start or not student_ids:
        return ProgressHistory(actual=[], planned=planned, weeks=weeks, students=len(student_ids))

    elapsed_weeks = (end - start) / dt.timedelta(weeks=1)
    # Points: the start (k = 0), each elapsed week end (k = 1 … K−1), and "now" or the end date.
    cutoffs = [start + dt.timedelta(weeks=k) for k in range(math.ceil(elapsed_weeks))]
    point_weeks = [float(k) for k in range(len(cutoffs))] + [elapsed_weeks]
    # Bucket b holds the events between cutoff b−1 and cutoff b; the state at point k is the sum
    # of buckets 0…k. The last bucket runs to "now" (included) or to the end date (excluded).
    live = len(cutoffs)
    topic_ids = [t.pk for t in tree.topics]
    total = len(topic_ids)
    events = (
        ProgressEvent.objects.filter(user_id__in=active.values("user_id"), section_id__in=topic_ids)
        .filter(Q(created__lte=end) if end == now else Q(created__lt=end))
        # Only events entering or leaving "done" or "skipped" change a completion.
        .filter(Q(to_status__in=[DONE, SKIPPED]) | Q(from_status__in=[DONE, SKIPPED]))
    )
    counts = {
        "done_in": Count("pk", filter=Q(to_status=DONE)),
        "done_out": Count("pk", filter=Q(from_status=DONE)),
        "skipped_in": Count("pk", filter=Q(to_status=SKIPPED)),
        "skipped_out": Count("pk", filter=Q(from_status=SKIPPED)),
    }
    # Buckets before the last cutoff are settled (the log is append-only: new events are stamped
    # "now"), so they are cached; only the live bucket is read on every request.
    key = _history_cache_key(cohort, cutoffs, student_ids, topic_ids)
    # With the data signature of the figures, the whole result is cached: nothing changed since.
    full_key = f"{key}:{signature}" if signature and _cache_enabled() else None
    cached = cache.get(full_key) if full_key else None
    if cached is not None:
        settled, live_deltas = cached
    else:
        settled, live_deltas = _history_deltas(events, counts, cutoffs, key)
        if full_key:
            cache.set(full_key, (settled, live_deltas), FIGURES_CACHE_SECONDS)

    points = len(point_weeks)
    sums = [0.0] * points
    idle = percent_from_counts(done=0, skipped=0, total=total)
    for user_id in student_ids:
        if user_id not in settled and user_id not in live_deltas:
            sums = [x + idle for x in sums]
            continue
        deltas = [*settled.get(user_id, [(0, 0)] * live), live_deltas.get(user_id, (0, 0))]
        done = skipped = 0
        for k, (done_delta, skipped_delta) in enumerate(deltas):
            # Clamp: a log that does not start from "not started" must not give negative counts.
            done = min(total, max(0, done + done_delta))
            skipped = min(total - done, max(0, skipped + skipped_delta))
            sums[k] += percent_from_counts(done=done, skipped=skipped, total=total)
    actual = [ChartPoint(point_weeks[k], sums[k] / len(student_ids)) for k in range(points)]
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
        activity: the student's latest progress events, newest first, described
            (:class:`progress.selectors.Activity`), at most 50.
        heatmap: the calendar of active days of the last 26 weeks
            (:func:`progress.selectors.activity_heatmap`, days in the viewer's time zone).
        quiz_sections: number of active sections with a published quiz.
    """

    enrollment: Enrollment
    row: StudentRow
    columns: list[SectionColumn]
    topics_by_root: dict[int, list[tuple[Section, str]]]
    attempts: list
    activity: list
    heatmap: object
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
        completions={enrollment.user_id: completion_for_statuses(tree, statuses)},
        milestones_by_cohort=milestones,
        columns_by_cohort={cohort.pk: columns},
        now=now,
    )[0]
    published = _published_quizzes(tree)
    best, mastered = _quiz_figures([enrollment.user_id], published)
    quiz_sections = len(set(published.values()))
    row.best_quiz = best.get(enrollment.user_id)
    row.mastered = len(mastered.get(enrollment.user_id, ()))
    labels = dict(TopicProgress.Status.choices)
    topics_by_root: dict[int, list] = {}
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
    activity = recent_activity(user_id=enrollment.user_id, limit=STUDENT_PAGE_LIMIT)
    heatmap = activity_heatmap(user_id=enrollment.user_id, today=today)
    return StudentRecord(
        enrollment=enrollment,
        row=row,
        columns=columns,
        topics_by_root=topics_by_root,
        attempts=attempts,
        activity=activity,
        heatmap=heatmap,
        quiz_sections=quiz_sections,
    )
