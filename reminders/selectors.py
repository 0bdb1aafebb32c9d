"""Reads for reminders: who may get which message (eligibility), what is due now, and the facts a
message reports.

Eligibility is defined once, one pure function per kind (:func:`inactivity_verdict`,
:func:`behind_verdict`, :func:`digest_verdict`), over facts loaded in bulk by
:func:`student_facts_for` / :func:`mentor_facts_for`. The batch selection
(:func:`reminders_due`) and the check just before each message is sent
(:func:`reminder_verdict_now`) both go through them, so a student who finished, opted out or was
deactivated between the two gets nothing.

Behind/stalled come from :func:`cohorts.pace.student_pace` (the one pace rule); completion from
:mod:`progress.selectors`.

Selection costs a fixed number of queries per chunk of :data:`CHUNK` users, never one per user.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cohorts.models import Cohort, Enrollment, PaceMilestone
from cohorts.pace import PaceStatus, StudentPace, due_date, student_pace
from core.percent import percent_round
from curriculum.selectors import CurriculumTree, curriculum_tree
from progress.models import ProgressEvent
from progress.selectors import (  # _StudentTree: the dashboard's "study next" rule, reused by next_topics
    Completion,
    _StudentTree,
    completion_for_statuses,
    last_activity_for_users,
    topic_statuses,
)
from quizzes.models import Attempt
from reminders.models import PREFERENCE_FIELD, ReminderKind, ReminderLog
from reminders.timing import Schedule, Slot, due_daily, due_weekly
from reminders.tokens import InvalidUnsubscribeToken, unsubscribe_token_read

#: Users whose facts are loaded per round of queries (keeps ``IN`` lists well under the
#: parameter limits of SQLite, 32766, and PostgreSQL, 65535).
CHUNK = 2000

STUDENT_KINDS = (ReminderKind.INACTIVITY, ReminderKind.BEHIND)


class Reason(models.TextChoices):
    """Why a user gets no message of a kind now. Stored in ``ReminderLog.error`` for skipped rows."""

    ELIGIBLE = "eligible", _("Eligible")
    INACTIVE_USER = "inactive_user", _("The account is deactivated")
    UNVERIFIED = "unverified", _("No verified email address")
    OPTED_OUT = "opted_out", _("Turned off by the user")
    NO_ENROLLMENT = "no_enrollment", _("No active enrollment")
    FINISHED = "finished", _("Finished the curriculum")
    NOT_IDLE = "not_idle", _("Not inactive long enough")
    RECENTLY_NUDGED = "recently_nudged", _("Nudged recently")
    NOT_BEHIND = "not_behind", _("Not behind schedule")
    ALREADY_ANNOUNCED = "already_announced", _("Overdue sections already announced")
    NO_STUDENTS = "no_students", _("No mentored cohort with active students")


@dataclass(frozen=True)
class Verdict:
    """Result of an eligibility function: ``ok`` and the :class:`Reason` (``ELIGIBLE`` when ok)."""

    ok: bool
    reason: str

    @property
    def reason_label(self) -> str:
        """The reason in the active language."""
        return str(Reason(self.reason).label)


ELIGIBLE = Verdict(True, Reason.ELIGIBLE)


@dataclass
class StudentFacts:
    """What eligibility and the student mails need to know about one student.

    Attributes:
        user: the user (with ``verified_email`` annotated).
        email: the verified address to write to (primary first), or ``""``.
        enrollment: the active enrollment with its cohort, or ``None``.
        statuses: ``{topic_id: status}``.
        completion: :class:`progress.selectors.Completion` over the active tree.
        last_activity: aware datetime of the latest progress event, or ``None``.
        milestones: ``(section_id, due_week)`` of the cohort's pace plan, active sections only.
        last_nudge_at: ``{period_key: sent_at}`` of sent inactivity nudges.
        announced: ``{period_key: section ids}`` of sent behind notices in this enrollment.
    """

    user: User
    email: str
    enrollment: Enrollment | None
    statuses: dict[int, str]
    completion: Completion
    last_activity: dt.datetime | None
    milestones: list[tuple[int, int]]
    last_nudge_at: dict[str, dt.datetime] = field(default_factory=dict)
    announced: dict[str, set[int]] = field(default_factory=dict)

    def pace(self, now: dt.datetime, *, stalled_days: int) -> StudentPace:
        """The student's pace at ``now``, with "today" taken in the student's own time zone."""
        with timezone.override(Schedule.for_user(self.user).tz):
            return student_pace(
                completion_by_section=self.completion.by_section,
                milestones=self.milestones,
                start_date=self.enrollment.cohort.start_date,
                last_activity=self.last_activity,
                now=now,
                stalled_days=stalled_days,
                enrolled_on=self.enrollment.enrolled_on,
            )


@dataclass
class MentorFacts:
    """What eligibility and the digest need about one mentor.

    Attributes:
        user: the mentor.
        email: verified address or ``""``.
        cohort_ids: cohorts they mentor that have at least one active enrollment.
    """

    user: User
    email: str
    cohort_ids: list[int]


@dataclass(frozen=True)
class DueReminder:
    """One message a run should send: who, which kind, which period, to which address."""

    user: User
    kind: str
    period_key: str
    email: str


# --------------------------------------------------------------------------- facts, in bulk


def _chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def with_verified_email(qs):
    """Annotate ``verified_email``: the user's verified address, primary first (allauth's EmailAddress)."""
    address = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True).order_by("-primary", "pk")
    return qs.annotate(verified_email=Subquery(address.values("email")[:1]))


def milestones_by_cohort(tree: CurriculumTree, cohort_ids: Iterable[int] | None = None) -> dict[int, list]:
    """The pace plans: ``{cohort_id: [(section_id, due_week), ...]}`` for active sections (one query).

    All cohorts when ``cohort_ids`` is ``None`` (a run loads them once; plans are small).
    """
    qs = PaceMilestone.objects.all() if cohort_ids is None else PaceMilestone.objects.filter(cohort_id__in=cohort_ids)
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for cohort_id, section_id, week in qs.values_list("cohort_id", "section_id", "due_week"):
        if section_id in tree.by_id:
            out[cohort_id].append((section_id, week))
    return dict(out)


def student_facts_for(
    users: Sequence[User],
    *,
    tree: CurriculumTree,
    milestones: dict[int, list] | None = None,
    enrollments: dict[int, Enrollment] | None = None,
) -> dict[int, StudentFacts]:
    """Load :class:`StudentFacts` for ``users`` (annotated with ``verified_email``).

    Args:
        milestones: the pace plans from :func:`milestones_by_cohort`, when the caller has them.
        enrollments: ``{user_id: active enrollment with cohort}`` for these users, when the caller
            has them (users missing from it have none).
    Five queries per :data:`CHUNK` users, whatever their number (active enrollments with cohorts,
    topic statuses, last activity, pace milestones, earlier reminder logs), fewer when the caller
    passes ``milestones`` or ``enrollments``.
    """
    out: dict[int, StudentFacts] = {}
    for chunk in _chunks(list(users)):
        ids = [u.pk for u in chunk]
        if enrollments is None:
            active = {
                e.user_id: e
                for e in Enrollment.objects.filter(is_active=True, user_id__in=ids).select_related("cohort")
            }
        else:
            active = {uid: enrollments[uid] for uid in ids if uid in enrollments}
        statuses = topic_statuses(ids)
        activity = last_activity_for_users(ids)
        plans = milestones
        if plans is None:
            plans = milestones_by_cohort(tree, {e.cohort_id for e in active.values()})
        logs = ReminderLog.objects.filter(
            user_id__in=ids, status=ReminderLog.Status.SENT, kind__in=list(STUDENT_KINDS)
        ).values_list("user_id", "kind", "period_key", "sent_at", "created", "detail")
        nudges: dict[int, dict[str, dt.datetime]] = defaultdict(dict)
        announced: dict[int, dict[str, set[int]]] = defaultdict(dict)
        for user_id, kind, key, sent_at, created, detail in logs:
            if kind == ReminderKind.INACTIVITY:
                nudges[user_id][key] = sent_at or created
            else:
                enrollment = active.get(user_id)
                if enrollment is not None and created >= enrollment.created:
                    announced[user_id][key] = set((detail or {}).get("section_ids", []))
        for user in chunk:
            enrollment = active.get(user.pk)
            out[user.pk] = StudentFacts(
                user=user,
                email=user.verified_email or "",
                enrollment=enrollment,
                statuses=statuses[user.pk],
                completion=completion_for_statuses(tree, statuses[user.pk]),
                last_activity=activity[user.pk],
                milestones=plans.get(enrollment.cohort_id, []) if enrollment else [],
                last_nudge_at=nudges.get(user.pk, {}),
                announced=announced.get(user.pk, {}),
            )
    return out


def mentor_facts_for(users: Sequence[User]) -> dict[int, MentorFacts]:
    """Load :class:`MentorFacts` for ``users`` (annotated with ``verified_email``): one query per chunk."""
    out: dict[int, MentorFacts] = {}
    through = Cohort.mentors.through
    for chunk in _chunks(list(users)):
        ids = [u.pk for u in chunk]
        cohorts: dict[int, list[int]] = defaultdict(list)
        pairs = (
            through.objects.filter(user_id__in=ids, cohort__enrollments__is_active=True)
            .values_list("user_id", "cohort_id")
            .order_by("user_id", "cohort_id")
            .distinct()
        )
        for user_id, cohort_id in pairs:
            cohorts[user_id].append(cohort_id)
        for user in chunk:
            out[user.pk] = MentorFacts(user=user, email=user.verified_email or "", cohort_ids=cohorts.get(user.pk, []))
    return out


# --------------------------------------------------------------------------- eligibility


def _basic(user: User, email: str, kind: str) -> str | None:
    if not user.is_active:
        return Reason.INACTIVE_USER
    if not email:
        return Reason.UNVERIFIED
    if not getattr(user, PREFERENCE_FIELD[kind]):
        return Reason.OPTED_OUT
    return None


def _student_basic(facts: StudentFacts, kind: str) -> str | None:
    reason = _basic(facts.user, facts.email, kind)
    if reason:
        return reason
    if facts.enrollment is None:
        return Reason.NO_ENROLLMENT
    if facts.completion.overall >= 100.0:
        return Reason.FINISHED
    return None


def inactivity_verdict(facts: StudentFacts, *, now: dt.datetime, period_key: str) -> Verdict:
    """May ``facts.user`` get an inactivity nudge for ``period_key`` at ``now``?

    Rule: an active user with a verified address and nudges on, with an active enrollment, who has
    not finished the curriculum, and who is *stalled* by :func:`cohorts.pace.student_pace` with
    N = ``settings.REMINDERS_INACTIVITY_DAYS`` (no progress event for N days; with none at all,
    N days since the cohort started or they enrolled, whichever is later). At most one nudge
    every N days: none if another period's nudge was sent less than N days before ``now``.
    """
    reason = _student_basic(facts, ReminderKind.INACTIVITY)
    if reason:
        return Verdict(False, reason)
    days = settings.REMINDERS_INACTIVITY_DAYS
    if facts.pace(now, stalled_days=days).status != PaceStatus.STALLED:
        return Verdict(False, Reason.NOT_IDLE)
    recent = now - dt.timedelta(days=days)
    if any(key != period_key and sent > recent for key, sent in facts.last_nudge_at.items()):
        return Verdict(False, Reason.RECENTLY_NUDGED)
    return ELIGIBLE


def new_overdue_sections(facts: StudentFacts, *, now: dt.datetime, period_key: str) -> list[int]:
    """Overdue top-level sections (plan order) not yet announced by an earlier behind notice."""
    overdue = facts.pace(now, stalled_days=settings.REMINDERS_INACTIVITY_DAYS).overdue_section_ids
    announced: set[int] = set()
    for key, ids in facts.announced.items():
        if key != period_key:
            announced |= ids
    return [s for s in overdue if s not in announced]


def behind_verdict(facts: StudentFacts, *, now: dt.datetime, period_key: str) -> Verdict:
    """May ``facts.user`` get a behind-schedule notice for ``period_key`` at ``now``?

    Rule: the same account conditions as nudges (with behind notices on), and a top-level section
    is past its due week in the cohort's pace plan and below 100 % (:func:`cohorts.pace.student_pace`,
    today in the student's time zone) that no earlier behind notice in this enrollment announced.
    Each overdue section is announced once; the mentor digest keeps reporting who is behind.
    """
    reason = _student_basic(facts, ReminderKind.BEHIND)
    if reason:
        return Verdict(False, reason)
    if not facts.pace(now, stalled_days=settings.REMINDERS_INACTIVITY_DAYS).overdue_section_ids:
        return Verdict(False, Reason.NOT_BEHIND)
    if not new_overdue_sections(facts, now=now, period_key=period_key):
        return Verdict(False, Reason.ALREADY_ANNOUNCED)
    return ELIGIBLE


def digest_verdict(facts: MentorFacts, *, now: dt.datetime, period_key: str) -> Verdict:
    """May ``facts.user`` get the weekly digest? Active, verified, digest on, and mentoring at
    least one cohort with an active enrollment. (``now`` and ``period_key`` are for symmetry.)"""
    reason = _basic(facts.user, facts.email, ReminderKind.DIGEST)
    if reason:
        return Verdict(False, reason)
    if not facts.cohort_ids:
        return Verdict(False, Reason.NO_STUDENTS)
    return ELIGIBLE


VERDICTS = {
    ReminderKind.INACTIVITY: inactivity_verdict,
    ReminderKind.BEHIND: behind_verdict,
    ReminderKind.DIGEST: digest_verdict,
}


def reminder_facts(*, user_id: int, kind: str, tree: CurriculumTree, milestones: dict | None = None):
    """Fresh facts for one user and kind (:class:`StudentFacts` or :class:`MentorFacts`), or ``None``
    when the user no longer exists. Two queries for a mentor; four for an enrolled student when
    ``milestones`` (:func:`milestones_by_cohort`) is given."""
    if kind == ReminderKind.DIGEST:
        user = with_verified_email(User.objects.filter(pk=user_id)).first()
        return None if user is None else mentor_facts_for([user])[user.pk]
    address = EmailAddress.objects.filter(user=OuterRef("user_id"), verified=True).order_by("-primary", "pk")
    enrollment = (
        Enrollment.objects.filter(user_id=user_id, is_active=True)
        .select_related("user", "cohort")
        .annotate(verified_email=Subquery(address.values("email")[:1]))
        .first()
    )
    if enrollment is not None:
        user = enrollment.user
        user.verified_email = enrollment.verified_email
        active = {user.pk: enrollment}
    else:
        user = with_verified_email(User.objects.filter(pk=user_id)).first()
        if user is None:
            return None
        active = {}
    return student_facts_for([user], tree=tree, milestones=milestones, enrollments=active)[user.pk]


def reminder_verdict_now(
    *, user_id: int, kind: str, period_key: str, tree: CurriculumTree, now: dt.datetime, milestones: dict | None = None
):
    """Re-check eligibility from fresh rows just before sending.

    Returns ``(verdict, facts)``; ``facts`` is ``None`` (and the verdict not ok) when the user is gone.
    """
    facts = reminder_facts(user_id=user_id, kind=kind, tree=tree, milestones=milestones)
    if facts is None:
        return Verdict(False, Reason.INACTIVE_USER), None
    return VERDICTS[kind](facts, now=now, period_key=period_key), facts


# --------------------------------------------------------------------------- what is due now


def _open_logs(user_ids: Iterable[int], keys: Iterable[str], kinds: Iterable[str]) -> dict[tuple, ReminderLog]:
    rows = ReminderLog.objects.filter(user_id__in=list(user_ids), period_key__in=set(keys), kind__in=list(kinds))
    return {(r.user_id, r.kind, r.period_key): r for r in rows}


def log_needs_sending(log: ReminderLog | None, *, now: dt.datetime) -> bool:
    """Should a run (still) send for this period, given its log row?

    ``None`` (no row yet), ``pending`` rows never handed to the mail server (a worker stopped after
    claiming), and ``failed`` rows with attempts left: yes. ``sent``, ``skipped``, exhausted rows and
    rows another worker is sending right now: no. A ``pending`` row with attempts whose claim has
    timed out is handled (given up) by :func:`reminders.services.reminder_deliver`, so: yes.
    """
    if log is None:
        return True
    status = log.status
    if status in (ReminderLog.Status.SENT, ReminderLog.Status.SKIPPED):
        return False
    if log.attempts >= settings.REMINDERS_MAX_ATTEMPTS:
        return False
    if status == ReminderLog.Status.FAILED or log.attempts == 0:
        return True
    # pending with attempts: in flight elsewhere, unless the claim timed out.
    return log.attempted_at is None or log.attempted_at <= now - dt.timedelta(seconds=settings.REMINDERS_CLAIM_TIMEOUT)


def reminders_due(*, now: dt.datetime, kinds: Iterable[str] | None = None) -> list[DueReminder]:
    """Every message a run at ``now`` (aware) should send, in a fixed number of queries per chunk.

    A message is due when the user's local send time for the period has come (:mod:`reminders.timing`:
    preferred hour, quiet hours, daylight saving), its kind's eligibility function says yes, and
    its log row (if any) still needs sending (:func:`log_needs_sending`).

    Returns the list ordered by kind, then user id.
    """
    wanted = set(kinds or ReminderKind.values)
    tree = curriculum_tree()
    due: list[DueReminder] = []
    if wanted & set(STUDENT_KINDS):
        students = list(with_verified_email(User.objects.filter(enrollments__is_active=True)).order_by("pk"))
        slots: dict[int, Slot] = {}
        for user in students:
            slot = due_daily(now, Schedule.for_user(user))
            if slot is not None:
                slots[user.pk] = slot
        ready = [u for u in students if u.pk in slots]
        kinds_here = [k for k in STUDENT_KINDS if k in wanted]
        plans = milestones_by_cohort(tree) if ready else {}
        for chunk in _chunks(ready):
            facts = student_facts_for(chunk, tree=tree, milestones=plans)
            logs = _open_logs(facts, {s.period_key for s in (slots[u.pk] for u in chunk)}, kinds_here)
            for user in chunk:
                key = slots[user.pk].period_key
                for kind in kinds_here:
                    verdict = VERDICTS[kind](facts[user.pk], now=now, period_key=key)
                    if verdict.ok and log_needs_sending(logs.get((user.pk, kind, key)), now=now):
                        due.append(DueReminder(user, kind, key, facts[user.pk].email))
    if ReminderKind.DIGEST in wanted:
        mentors = list(
            with_verified_email(User.objects.filter(mentored_cohorts__enrollments__is_active=True))
            .distinct()
            .order_by("pk")
        )
        weekday = settings.REMINDERS_DIGEST_WEEKDAY
        slots = {}
        for user in mentors:
            slot = due_weekly(now, Schedule.for_user(user), weekday=weekday)
            if slot is not None:
                slots[user.pk] = slot
        ready = [u for u in mentors if u.pk in slots]
        for chunk in _chunks(ready):
            facts = mentor_facts_for(chunk)
            logs = _open_logs(facts, {slots[u.pk].period_key for u in chunk}, [ReminderKind.DIGEST])
            for user in chunk:
                key = slots[user.pk].period_key
                verdict = digest_verdict(facts[user.pk], now=now, period_key=key)
                if verdict.ok and log_needs_sending(logs.get((user.pk, ReminderKind.DIGEST, key)), now=now):
                    due.append(DueReminder(user, ReminderKind.DIGEST, key, facts[user.pk].email))
    order = {k: i for i, k in enumerate(ReminderKind.values)}
    due.sort(key=lambda d: (order[d.kind], d.user.pk))
    return due


# --------------------------------------------------------------------------- what a message says


#: How many topics a nudge suggests.
NEXT_TOPICS_LIMIT = 3


def next_topics(
    tree: CurriculumTree, statuses: dict[int, str], edges: dict[int, set[int]], *, limit: int = NEXT_TOPICS_LIMIT
) -> list:
    """The student's next topics: the first ``limit`` topics in curriculum order that are neither
    done nor skipped and whose prerequisite sections (of the topic and of every part containing it)
    are complete. Pure: no queries.

    The rule is the progress dashboard's "what to study next" (``progress.selectors``), called here
    so that the nudge and the dashboard always agree. Returns :class:`curriculum.models.Section` topics.
    """
    return [state.section for state in _StudentTree(tree, statuses, edges).study_next(limit)]


def last_event_for_user(user_id: int) -> ProgressEvent | None:
    """The student's latest progress event with its topic or paper (one query), or ``None``."""
    return (
        ProgressEvent.objects.filter(user_id=user_id)
        .select_related("section", "paper")
        .order_by("-created", "-pk")
        .first()
    )


@dataclass
class DigestStudent:
    """One student's line in a mentor digest."""

    user: User
    pace: StudentPace
    overdue_titles: list[str]
    completion: float
    finished_topics: list[str]
    attempts: list[Attempt]


@dataclass
class CohortDigest:
    """A cohort's section of the mentor digest; lists are in student email order."""

    cohort: Cohort
    students: list[DigestStudent]

    @property
    def behind(self) -> list[DigestStudent]:
        return [s for s in self.students if s.pace.status == PaceStatus.BEHIND]

    @property
    def stalled(self) -> list[DigestStudent]:
        return [s for s in self.students if s.pace.status == PaceStatus.STALLED]

    @property
    def finishers(self) -> list[DigestStudent]:
        return [s for s in self.students if s.finished_topics]

    @property
    def quiz_takers(self) -> list[DigestStudent]:
        return [s for s in self.students if s.attempts]


def digest_for_mentor(
    *, cohort_ids: list[int], tree: CurriculumTree, now: dt.datetime, tz, days: int = 7
) -> list[CohortDigest]:
    """The weekly digest of the given cohorts over the ``days`` days before ``now``: who is behind,
    who is stalled (``cohorts.pace`` with ``settings.COHORT_STALLED_DAYS``, as the cohort
    dashboards), who finished which topics and the quiz attempts submitted. Seven queries.

    Args:
        tz: the mentor's time zone; "today" for the pace rule is taken there.
    """
    since = now - dt.timedelta(days=days)
    cohorts = list(Cohort.objects.filter(pk__in=cohort_ids).order_by("start_date", "name"))
    enrollments = list(
        Enrollment.objects.filter(cohort_id__in=cohort_ids, is_active=True)
        .select_related("user")
        .order_by("user__email")
    )
    ids = [e.user_id for e in enrollments]
    statuses = topic_statuses(ids)
    activity = last_activity_for_users(ids)
    milestones: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for cohort_id, section_id, week in PaceMilestone.objects.filter(cohort_id__in=cohort_ids).values_list(
        "cohort_id", "section_id", "due_week"
    ):
        if section_id in tree.by_id:
            milestones[cohort_id].append((section_id, week))
    finished: dict[int, list[str]] = defaultdict(list)
    done_events = (
        ProgressEvent.objects.filter(
            user_id__in=ids, created__gte=since, created__lt=now, section__isnull=False, to_status="done"
        )
        .select_related("section")
        .order_by("created", "pk")
    )
    for event in done_events:
        title = event.section.title
        if title not in finished[event.user_id]:
            finished[event.user_id].append(title)
    attempts: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in (
        Attempt.objects.filter(user_id__in=ids, submitted_at__gte=since, submitted_at__lt=now)
        .select_related("quiz")
        .order_by("submitted_at", "pk")
    ):
        attempts[attempt.user_id].append(attempt)
    by_cohort = {c.pk: c for c in cohorts}
    students: dict[int, list[DigestStudent]] = defaultdict(list)
    with timezone.override(tz):
        for e in enrollments:
            cohort = by_cohort[e.cohort_id]
            completion = completion_for_statuses(tree, statuses[e.user_id])
            pace = student_pace(
                completion_by_section=completion.by_section,
                milestones=milestones.get(cohort.pk, []),
                start_date=cohort.start_date,
                last_activity=activity[e.user_id],
                now=now,
                stalled_days=settings.COHORT_STALLED_DAYS,
                enrolled_on=e.enrolled_on,
            )
            students[cohort.pk].append(
                DigestStudent(
                    user=e.user,
                    pace=pace,
                    overdue_titles=[tree.by_id[s].title for s in pace.overdue_section_ids],
                    completion=completion.overall,
                    finished_topics=finished.get(e.user_id, []),
                    attempts=attempts.get(e.user_id, []),
                )
            )
    return [CohortDigest(cohort=c, students=students.get(c.pk, [])) for c in cohorts]


def overdue_details(facts: StudentFacts, section_ids: Iterable[int], tree: CurriculumTree) -> list[dict]:
    """Title, due date and completion of each section id (for the behind notice). Pure."""
    weeks = dict(facts.milestones)
    start = facts.enrollment.cohort.start_date
    return [
        {
            "section": tree.by_id[s],
            "due": due_date(start, weeks[s]),
            "percent": percent_round(facts.completion.by_section.get(s, 0.0)),
        }
        for s in section_ids
        if s in tree.by_id and s in weeks
    ]


def user_for_preview(query: str) -> User | None:
    """The user the staff preview page asks for: an exact email (case-insensitive) or a numeric id."""
    query = query.strip()
    lookup = {"pk": int(query)} if query.isdigit() else {"email__iexact": query}
    return User.objects.filter(**lookup).first()


def unsubscribe_target(token: str) -> tuple[User, str]:
    """The user and kind an unsubscribe token names.

    Raises :class:`reminders.tokens.InvalidUnsubscribeToken` for a bad or expired token, or when
    the user no longer exists.
    """
    user_id, kind = unsubscribe_token_read(token)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise InvalidUnsubscribeToken("unknown user")
    return user, kind


def reminder_logs_for_user(user_id: int, *, limit: int = 20) -> list[ReminderLog]:
    """The user's latest reminder log rows, newest first (one query)."""
    return list(ReminderLog.objects.filter(user_id=user_id).order_by("-created", "-pk")[:limit])
