"""Enrollment services: one active enrollment per student, bulk enrollment parsing and reporting,
pending enrollments, and the demo cohort."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation
from freezegun import freeze_time

from accounts.tests.factories import MentorFactory, StudentFactory, UserFactory
from cohorts.models import Cohort, Enrollment, PaceMilestone, PendingEnrollment
from cohorts.services import (
    DEMO_COHORT_NAME,
    EnrollmentConflictError,
    cohort_bulk_enroll,
    cohort_demo_ensure,
    emails_parse,
    enrollment_create,
    enrollment_end,
    pending_enrollments_resolve,
)
from cohorts.tests.factories import CohortFactory, EnrollmentFactory
from curriculum.tests.factories import SectionFactory

pytestmark = pytest.mark.django_db


@freeze_time("2026-09-10 03:00:00")  # 11:00 in Shanghai
def test_enrollment_create_defaults_to_today_in_local_time():
    cohort, student = CohortFactory(), StudentFactory()
    enrollment = enrollment_create(cohort=cohort, user=student)
    assert (enrollment.cohort, enrollment.user, enrollment.enrolled_on, enrollment.is_active) == (
        cohort,
        student,
        dt.date(2026, 9, 10),
        True,
    )


def test_enrollment_create_is_idempotent_in_the_same_cohort():
    cohort, student = CohortFactory(), StudentFactory()
    first = enrollment_create(cohort=cohort, user=student, enrolled_on=dt.date(2026, 9, 7))
    again = enrollment_create(cohort=cohort, user=student, enrolled_on=dt.date(2026, 9, 20))
    assert again.pk == first.pk
    assert again.enrolled_on == dt.date(2026, 9, 7)
    assert Enrollment.objects.count() == 1


def test_second_active_enrollment_is_refused_with_a_clear_error():
    autumn, spring = CohortFactory(name="2026 秋季"), CohortFactory(name="2027 春季")
    student = StudentFactory(email="li@example.org")
    enrollment_create(cohort=autumn, user=student, enrolled_on=dt.date(2026, 9, 7))
    with pytest.raises(EnrollmentConflictError) as info:
        enrollment_create(cohort=spring, user=student)
    assert info.value.existing.cohort == autumn
    assert "li@example.org" in str(info.value)
    assert "2026 秋季" in str(info.value)
    assert list(Enrollment.objects.values_list("cohort__name", "is_active")) == [("2026 秋季", True)]


def test_move_ends_the_other_enrollment():
    autumn, spring = CohortFactory(), CohortFactory()
    student = StudentFactory()
    old = enrollment_create(cohort=autumn, user=student)
    new = enrollment_create(cohort=spring, user=student, move=True)
    old.refresh_from_db()
    assert (old.is_active, new.is_active, new.cohort) == (False, True, spring)


def test_an_ended_enrollment_is_reactivated_with_the_new_date():
    cohort, student = CohortFactory(), StudentFactory()
    enrollment = enrollment_create(cohort=cohort, user=student, enrolled_on=dt.date(2026, 9, 7))
    enrollment_end(enrollment=enrollment)
    again = enrollment_create(cohort=cohort, user=student, enrolled_on=dt.date(2026, 9, 21))
    assert (again.pk, again.is_active, again.enrolled_on) == (enrollment.pk, True, dt.date(2026, 9, 21))


def test_the_database_refuses_two_active_enrollments():
    """The partial unique constraint guards writes that bypass the service."""
    student = StudentFactory()
    EnrollmentFactory(user=student)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(cohort=CohortFactory(), user=student, enrolled_on=dt.date(2026, 9, 7))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a@x.org\nb@x.org", ["a@x.org", "b@x.org"], id="lines"),
        pytest.param("a@x.org, b@x.org; c@x.org", ["a@x.org", "b@x.org", "c@x.org"], id="commas-semicolons"),
        pytest.param(
            "a@x.org，b@x.org；c@x.org、d@x.org", ["a@x.org", "b@x.org", "c@x.org", "d@x.org"], id="full-width"
        ),
        pytest.param("a@x.org b@x.org\ta@x.org", ["a@x.org", "b@x.org"], id="spaces-and-duplicates"),
        pytest.param('张三 <Zhang@X.org>; "Li, Si" <li@x.org>', ["zhang@x.org", "li@x.org"], id="mail-client"),
        pytest.param("A@X.ORG\na@x.org", ["a@x.org"], id="case-insensitive-duplicates"),
        pytest.param("  \n ,; ", [], id="empty"),
        pytest.param("not-an-email\na@x.org", ["not-an-email", "a@x.org"], id="invalid-kept-for-report"),
    ],
)
def test_emails_parse(text, expected):
    assert emails_parse(text) == expected


def test_bulk_enroll_reports_each_address():
    cohort, other = CohortFactory(name="本期"), CohortFactory(name="上期")
    new = StudentFactory(email="new@x.org")
    already = StudentFactory(email="already@x.org")
    elsewhere = StudentFactory(email="elsewhere@x.org")
    enrollment_create(cohort=cohort, user=already)
    enrollment_create(cohort=other, user=elsewhere)
    text = "New@X.org\nalready@x.org\nelsewhere@x.org\nnot-an-address\n@x.org"
    report = cohort_bulk_enroll(cohort=cohort, text=text, invited_by=MentorFactory())
    assert report.enrolled == ["new@x.org"]
    assert report.already_enrolled == ["already@x.org"]
    assert report.conflicts == [("elsewhere@x.org", "上期")]
    assert report.invalid == ["not-an-address", "@x.org"]
    assert (report.invited, report.moved, report.total) == ([], [], 5)
    assert set(Enrollment.objects.filter(cohort=cohort, is_active=True).values_list("user__email", flat=True)) == {
        new.email,
        already.email,
    }


def test_bulk_enroll_can_move_students():
    cohort, other = CohortFactory(), CohortFactory()
    student = StudentFactory(email="mover@x.org")
    enrollment_create(cohort=other, user=student)
    report = cohort_bulk_enroll(cohort=cohort, text="mover@x.org", invited_by=None, move=True)
    assert (report.moved, report.enrolled, report.conflicts) == (["mover@x.org"], [], [])
    assert Enrollment.objects.get(user=student, is_active=True).cohort == cohort


def test_pending_enrollment_is_resolved_when_the_account_is_created():
    cohort = CohortFactory()
    PendingEnrollment.objects.create(cohort=cohort, email="invitee@x.org")
    user = UserFactory(email="invitee@x.org")  # the post_save receiver runs the service
    enrollment = Enrollment.objects.get(user=user)
    assert (enrollment.cohort, enrollment.is_active) == (cohort, True)
    assert not PendingEnrollment.objects.exists()


def test_pending_enrollment_waits_when_the_new_user_is_already_enrolled():
    cohort, other = CohortFactory(), CohortFactory()
    user = UserFactory(email="twice@x.org")
    enrollment_create(cohort=other, user=user)
    PendingEnrollment.objects.create(cohort=cohort, email="twice@x.org")
    assert pending_enrollments_resolve(user=user) is None
    assert PendingEnrollment.objects.filter(email="twice@x.org", cohort=cohort).exists()


def test_pending_enrollments_resolve_without_pending_does_nothing():
    user = UserFactory()
    assert pending_enrollments_resolve(user=user) is None
    assert not Enrollment.objects.exists()


@freeze_time("2026-09-28 02:00:00")  # 10:00 on Monday 28 September in Shanghai
def test_demo_cohort_is_created_once_with_plan_mentor_and_student():
    from accounts.services import demo_accounts_ensure

    demo_accounts_ensure()
    sections = {slug: SectionFactory(slug=slug) for slug in ("prompt-engineering", "nn-basics", "pytorch")}
    SectionFactory(slug="huggingface", is_archived=True)  # archived: skipped like a missing one
    cohort = cohort_demo_ensure()
    assert (cohort.name, cohort.start_date, cohort.end_date) == (
        DEMO_COHORT_NAME,
        dt.date(2026, 9, 7),
        dt.date(2026, 12, 27),
    )
    plan = list(cohort.milestones.order_by("due_week").values_list("section__slug", "due_week"))
    assert plan == [("prompt-engineering", 2), ("nn-basics", 5), ("pytorch", 8)]
    assert list(cohort.mentors.values_list("email", flat=True)) == ["mentor@coin.local"]
    enrollment = Enrollment.objects.get(cohort=cohort)
    assert (enrollment.user.email, enrollment.enrolled_on, enrollment.is_active) == (
        "student@coin.local",
        dt.date(2026, 9, 7),
        True,
    )
    # Idempotent: a second run (even days later, after a section appears) keeps dates and rows.
    SectionFactory(slug="advanced-llm")
    with freeze_time("2026-10-05 02:00:00"):
        again = cohort_demo_ensure()
    assert again.pk == cohort.pk
    assert again.start_date == dt.date(2026, 9, 7)
    assert Cohort.objects.count() == 1
    assert Enrollment.objects.count() == 1
    assert PaceMilestone.objects.filter(cohort=cohort).count() == 4
    assert sections["pytorch"].milestones.get().due_week == 8


def test_demo_cohort_without_curriculum_or_accounts():
    cohort = cohort_demo_ensure(today=dt.date(2026, 9, 28))
    assert (cohort.milestones.count(), cohort.mentors.count(), cohort.enrollments.count()) == (0, 0, 0)


def test_bulk_enroll_invites_unknown_addresses_and_enrolls_them_on_sign_up(
    django_capture_on_commit_callbacks, mailoutbox
):
    from accounts.models import Invitation, User

    cohort = CohortFactory(name="2026 秋季")
    mentor = MentorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        report = cohort_bulk_enroll(cohort=cohort, text="New.Student@X.org", invited_by=mentor)
    assert (report.invited, report.enrolled, report.already_enrolled) == (["new.student@x.org"], [], [])
    invitation = Invitation.objects.get(email="new.student@x.org")
    assert (invitation.role, invitation.invited_by, invitation.accepted_at) == ("student", mentor, None)
    assert PendingEnrollment.objects.get().cohort == cohort
    assert [m.to for m in mailoutbox] == [["new.student@x.org"]]  # the invitation email, after commit

    # Pasting the address again changes nothing and sends nothing.
    with django_capture_on_commit_callbacks(execute=True):
        again = cohort_bulk_enroll(cohort=cohort, text="new.student@x.org", invited_by=mentor)
    assert (again.invited, again.already_enrolled) == ([], ["new.student@x.org"])
    assert len(mailoutbox) == 1

    # Signing up creates the account: the pending enrollment becomes an enrollment.
    user = User.objects.create_user("new.student@x.org", "pw-123456789")
    assert Enrollment.objects.get(user=user).cohort == cohort
    assert not PendingEnrollment.objects.exists()


def test_bulk_enroll_keeps_a_pending_invitations_role_and_moves_the_pending_cohort(
    django_capture_on_commit_callbacks, mailoutbox
):
    from accounts.models import Invitation
    from accounts.services import invitation_create

    first, second = CohortFactory(), CohortFactory()
    invitation_create(email="ta@x.org", role="mentor")
    with django_capture_on_commit_callbacks(execute=True):
        cohort_bulk_enroll(cohort=first, text="ta@x.org", invited_by=None)
    with django_capture_on_commit_callbacks(execute=True):
        report = cohort_bulk_enroll(cohort=second, text="ta@x.org", invited_by=None)
    assert report.invited == ["ta@x.org"]
    assert Invitation.objects.get(email="ta@x.org").role == "mentor"
    assert PendingEnrollment.objects.get(email="ta@x.org").cohort == second
    assert len(mailoutbox) == 1  # the unsent invitation went out once; the move sends nothing new


def test_bulk_enroll_matches_secondary_email_addresses():
    from allauth.account.models import EmailAddress

    cohort = CohortFactory()
    student = StudentFactory(email="main@x.org")
    EmailAddress.objects.create(user=student, email="Other@X.org", verified=True, primary=False)
    report = cohort_bulk_enroll(cohort=cohort, text="other@x.org", invited_by=None)
    assert report.enrolled == ["other@x.org"]
    assert Enrollment.objects.get(user=student).cohort == cohort


@translation.override("en")
def test_models_explain_invalid_dates_and_plan_sections():
    from django.core.exceptions import ValidationError

    from cohorts.models import Cohort as CohortModel

    cohort = CohortModel(name="x", start_date=dt.date(2026, 9, 7), end_date=dt.date(2026, 9, 6))
    with pytest.raises(ValidationError) as info:
        cohort.full_clean()
    assert "The end date cannot be before the start date." in str(info.value)
    part = SectionFactory()
    topic = SectionFactory(parent=part)
    milestone = PaceMilestone(cohort=CohortFactory(), section=topic, due_week=2)
    with pytest.raises(ValidationError) as info:
        milestone.full_clean()
    assert info.value.message_dict == {"section": ["Choose a top-level section."]}
