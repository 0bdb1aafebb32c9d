"""Writes about cohorts: enrollments (one active per student), bulk enrollment by email, pending
enrollments of invited addresses, and the demo cohort.

Every enrollment row is written here; views, admin and signals call these functions.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, field
from email.utils import getaddresses

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.models import Cohort, Enrollment, PaceMilestone, PendingEnrollment


class EnrollmentConflictError(Exception):
    """The student already has an active enrollment in another cohort.

    Attributes:
        existing: that other active :class:`Enrollment`.
    """

    def __init__(self, existing: Enrollment):
        self.existing = existing
        super().__init__(
            _(
                "%(student)s is already enrolled in the cohort “%(cohort)s” (since %(date)s). "
                "End that enrollment first, or choose to move the student."
            )
            % {"student": existing.user.email, "cohort": existing.cohort.name, "date": existing.enrolled_on.isoformat()}
        )


def enrollment_create(*, cohort: Cohort, user, enrolled_on: dt.date | None = None, move: bool = False) -> Enrollment:
    """Enroll ``user`` in ``cohort``, keeping at most one active enrollment per student.

    Args:
        cohort: the cohort.
        user: the student (an ``accounts.User``).
        enrolled_on: enrollment date; default today in the current time zone.
        move: when the student is actively enrolled in another cohort, end that enrollment
            (``is_active=False``) instead of refusing.
    Returns:
        The active :class:`Enrollment`. Idempotent: an existing active enrollment in ``cohort`` is
        returned unchanged; an ended one in ``cohort`` is reactivated with the new date.
    Raises:
        EnrollmentConflictError: the student is active in another cohort and ``move`` is false.
    """
    enrolled_on = enrolled_on or timezone.localdate()
    with transaction.atomic():
        # Lock the student's enrollments so two concurrent calls cannot both pass the check; the
        # partial unique constraint "one_active_enrollment_per_student" is the final guard.
        current = list(
            Enrollment.objects.select_for_update().select_related("cohort", "user").filter(user=user, is_active=True)
        )
        for other in current:
            if other.cohort_id == cohort.pk:
                return other
            if not move:
                raise EnrollmentConflictError(other)
            other.is_active = False
            other.save(update_fields=["is_active", "modified"])
        existing = Enrollment.objects.filter(cohort=cohort, user=user).first()
        if existing is not None:
            existing.is_active = True
            existing.enrolled_on = enrolled_on
            existing.save(update_fields=["is_active", "enrolled_on", "modified"])
            return existing
        try:
            with transaction.atomic():
                return Enrollment.objects.create(cohort=cohort, user=user, enrolled_on=enrolled_on)
        except IntegrityError:
            other = Enrollment.objects.select_related("cohort", "user").filter(user=user, is_active=True).first()
            if other is None or other.cohort_id == cohort.pk:
                raise
            raise EnrollmentConflictError(other) from None


def enrollment_end(*, enrollment: Enrollment) -> Enrollment:
    """End an enrollment (``is_active=False``); the row stays for history. Idempotent."""
    if enrollment.is_active:
        enrollment.is_active = False
        enrollment.save(update_fields=["is_active", "modified"])
    return enrollment


# --- Bulk enrollment by pasted email addresses -------------------------------------------------

_ENTRY_SEPARATORS = re.compile(r"[\n\r;；]+")
_WORD_SEPARATORS = re.compile(r"[\s,，、]+")


def emails_parse(text: str) -> list[str]:
    """Split pasted text into candidate addresses, in order, without duplicates (case-insensitive).

    Accepts one address per line, or separated by commas, semicolons (ASCII or full-width),
    spaces or tabs, and ``"Name" <address>`` forms as copied from a mail client (a quoted name
    may contain commas). Returns lower-cased strings; they are not validated here.
    """
    out: list[str] = []
    seen: set[str] = set()
    for entry in _ENTRY_SEPARATORS.split(text or ""):
        if "<" in entry and ">" in entry:
            candidates = [addr for _name, addr in getaddresses([entry]) if addr]
        else:
            candidates = _WORD_SEPARATORS.split(entry)
        for candidate in candidates:
            value = candidate.strip().strip("<>\"'").lower()
            if value and value not in seen:
                seen.add(value)
                out.append(value)
    return out


@dataclass
class BulkEnrollReport:
    """What :func:`cohort_bulk_enroll` did, address by address (each list keeps input order).

    Attributes:
        enrolled: existing users now enrolled in the cohort.
        moved: existing users moved here from another cohort (only with ``move=True``).
        invited: unknown addresses that got an invitation and a pending enrollment.
        already_enrolled: users already active in this cohort, or addresses already pending for it.
        conflicts: ``(email, other cohort name)`` for users active in another cohort (not moved).
        invalid: strings that are not valid email addresses (or that cannot be invited).
    """

    enrolled: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    invited: list[str] = field(default_factory=list)
    already_enrolled: list[str] = field(default_factory=list)
    conflicts: list[tuple[str, str]] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Number of distinct input strings handled."""
        return sum(
            len(x)
            for x in (self.enrolled, self.moved, self.invited, self.already_enrolled, self.conflicts, self.invalid)
        )


def cohort_bulk_enroll(*, cohort: Cohort, text: str, invited_by, move: bool = False) -> BulkEnrollReport:
    """Enroll every address pasted in ``text`` in ``cohort``.

    Existing users (matched case-insensitively on their login address or any of their allauth
    email addresses) are enrolled with :func:`enrollment_create`. Unknown addresses get a student
    invitation (``accounts.services.invitation_create``; a pending invitation is kept as it is,
    role included) and a :class:`PendingEnrollment`, turned into an enrollment when they sign up.
    Invitation emails (new invitations and pending ones never sent) go out after the commit
    through ``accounts.tasks.invitations_send_task``. Each address is handled in its own
    transaction, so one failure does not undo the others.

    Args:
        cohort: the target cohort.
        text: the pasted addresses (see :func:`emails_parse`).
        invited_by: the admin or mentor doing it (recorded on invitations).
        move: move students active in another cohort instead of reporting a conflict.
    Returns:
        A :class:`BulkEnrollReport`.
    """
    from accounts.services import InvitationError
    from accounts.tasks import invitations_send_task

    report = BulkEnrollReport()
    valid: list[str] = []
    for value in emails_parse(text):
        try:
            validate_email(value)
        except ValidationError:
            report.invalid.append(value)
        else:
            valid.append(value)
    users = _users_by_email(valid)
    active_by_user = {
        e.user_id: e
        for e in Enrollment.objects.select_related("cohort").filter(user__in=list(users.values()), is_active=True)
    }
    to_send: list[int] = []
    for email in valid:
        user = users.get(email)
        if user is None:
            try:
                invited, invitation = _pending_enrollment_ensure(cohort=cohort, email=email, invited_by=invited_by)
            except InvitationError:
                report.invalid.append(email)
                continue
            if not invited:
                report.already_enrolled.append(email)
                continue
            report.invited.append(email)
            if invitation is not None and invitation.sent_at is None:
                to_send.append(invitation.pk)
            continue
        active = active_by_user.get(user.pk)
        if active is not None and active.cohort_id == cohort.pk:
            report.already_enrolled.append(email)
            continue
        try:
            enrollment_create(cohort=cohort, user=user, move=move)
        except EnrollmentConflictError as exc:
            report.conflicts.append((email, exc.existing.cohort.name))
            continue
        (report.moved if active is not None else report.enrolled).append(email)
    if to_send:
        invitations_send_task.delay_on_commit(to_send)
    return report


def _users_by_email(emails: list[str]) -> dict:
    """``{lower-case address: User}`` for the addresses that belong to an account: its login
    address or one of its allauth ``EmailAddress`` rows (two queries)."""
    from allauth.account.models import EmailAddress

    from accounts.models import User

    # Case-insensitive: the account manager lower-cases addresses, rows created otherwise may not.
    users = {u.email_lower: u for u in User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=emails)}
    missing = [e for e in emails if e not in users]
    if missing:
        extra = EmailAddress.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=missing)
        for address in extra.select_related("user"):
            users.setdefault(address.email_lower, address.user)
    return users


def _pending_enrollment_ensure(*, cohort: Cohort, email: str, invited_by):
    """Invite ``email`` and record its pending enrollment in ``cohort``.

    Returns:
        ``(False, None)`` when the address was already pending for this cohort (nothing to do),
        else ``(True, invitation)``: a new or moved pending enrollment and the address's pending
        invitation (``None`` if it was accepted already).
    Raises:
        accounts.services.InvitationError: the address cannot be invited.
    """
    from accounts.models import Invitation
    from accounts.services import invitation_create

    with transaction.atomic():
        pending = PendingEnrollment.objects.select_for_update().filter(email=email).first()
        if pending is not None and pending.cohort_id == cohort.pk:
            return False, None
        invitation = Invitation.objects.filter(email__iexact=email, accepted_at__isnull=True).first()
        if invitation is None:
            invitation = invitation_create(email=email, role="student", invited_by=invited_by)
        if pending is None:
            PendingEnrollment.objects.create(cohort=cohort, email=email, invited_by=invited_by)
        else:
            pending.cohort = cohort
            pending.invited_by = invited_by
            pending.save(update_fields=["cohort", "invited_by"])
    return True, (invitation if invitation.accepted_at is None else None)


def pending_enrollments_resolve(*, user) -> Enrollment | None:
    """Turn the pending enrollment of ``user``'s email address into an enrollment.

    Called when an account is created (``cohorts.signals``). The pending row is deleted once the
    student is enrolled. If the student is already active in another cohort the pending row is
    kept, so an admin can see and settle it.

    Returns:
        The new :class:`Enrollment`, or ``None`` when nothing was pending (or on conflict).
    """
    email = (user.email or "").strip().lower()
    if not email:
        return None
    with transaction.atomic():
        pending = PendingEnrollment.objects.select_for_update().select_related("cohort").filter(email=email).first()
        if pending is None:
            return None
        try:
            enrollment = enrollment_create(cohort=pending.cohort, user=user)
        except EnrollmentConflictError:
            return None
        pending.delete()
    return enrollment


# --- Demo data ---------------------------------------------------------------------------------

#: Name of the demo cohort created by ``setup_demo``.
DEMO_COHORT_NAME = "2026 秋季"
#: Pace plan of the demo cohort: (top-level section slug, due week).
DEMO_PACE_PLAN = (
    ("prompt-engineering", 2),
    ("nn-basics", 5),
    ("pytorch", 8),
    ("huggingface", 11),
    ("advanced-llm", 15),
)
DEMO_MENTOR_EMAIL = "mentor@coin.local"
DEMO_STUDENT_EMAIL = "student@coin.local"


def cohort_demo_ensure(*, today: dt.date | None = None) -> Cohort:
    """Create the demo cohort "2026 秋季" (idempotent) and return it.

    On first run the cohort starts three weeks before ``today`` (default: today in the current
    time zone) and lasts 16 weeks; later runs keep its dates. Pace milestones are added for the
    sections of :data:`DEMO_PACE_PLAN` that exist (missing ones are skipped, existing milestones are
    left as edited). mentor@coin.local becomes a mentor and student@coin.local is enrolled, when
    those accounts exist (``accounts.services.demo_accounts_ensure`` creates them; run it first).
    A student already active in another cohort is left there.
    """
    from accounts.models import User
    from curriculum.models import Section

    today = today or timezone.localdate()
    start = today - dt.timedelta(weeks=3)
    with transaction.atomic():
        cohort, _created = Cohort.objects.get_or_create(
            name=DEMO_COHORT_NAME, defaults={"start_date": start, "end_date": start + dt.timedelta(weeks=16, days=-1)}
        )
        sections = {
            s.slug: s
            for s in Section.objects.filter(
                slug__in=[slug for slug, _w in DEMO_PACE_PLAN], parent__isnull=True, is_archived=False
            )
        }
        planned = set(cohort.milestones.values_list("section_id", flat=True))
        PaceMilestone.objects.bulk_create(
            [
                PaceMilestone(cohort=cohort, section=sections[slug], due_week=week)
                for slug, week in DEMO_PACE_PLAN
                if slug in sections and sections[slug].pk not in planned
            ]
        )
        mentor = User.objects.filter(email=DEMO_MENTOR_EMAIL).first()
        if mentor is not None:
            cohort.mentors.add(mentor)
        student = User.objects.filter(email=DEMO_STUDENT_EMAIL).first()
        if student is not None:
            with contextlib.suppress(EnrollmentConflictError):  # the student stays in their cohort
                enrollment_create(cohort=cohort, user=student, enrolled_on=cohort.start_date)
    return cohort
