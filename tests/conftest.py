"""The portal world shared by the permission matrix and the page checks: the default curriculum and
quiz bank, two cohorts with a mentor each, three students, progress rows, attempts and tokens.

Building it (importing the whole guide) takes a few seconds, so it is built once per test module
inside a transaction that is rolled back at the module's end; each test runs in a savepoint within
it (pytest-django's ``django_db``), so what one test writes never reaches the next.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

import pytest
from django.db import transaction


@dataclass
class World:
    """Everything a matrix row needs to build its URL and its POST data.

    ``users`` maps each role name of the matrix to its user (``anonymous`` maps to ``None``).
    """

    users: dict = field(default_factory=dict)
    student: object = None  # cohort A; owns the attempts, progress rows and tokens below
    student_other: object = None  # cohort A as well (same mentor): must still not see the first student's objects
    student_b: object = None  # cohort B
    mentor: object = None  # mentors cohort A
    mentor_other: object = None  # mentors cohort B
    admin: object = None
    cohort_a: object = None
    cohort_b: object = None
    topic: object = None  # a topic (section without children) of the default curriculum
    part: object = None  # a top-level section with children
    paper: object = None
    image_ref: object = None  # a local image of the guide that has not been uploaded
    document_ref: object = None  # a local document (LLM.pdf) that has not been uploaded
    quiz: object = None  # the quiz of the submitted attempt, limited to that one attempt
    quiz_open: object = None  # the timed quiz of the open attempt
    quiz_free: object = None  # a quiz nobody has attempted
    quiz_hidden: object = None  # an unpublished quiz
    attempt_submitted: object = None
    attempt_open: object = None
    invitation_token: str = ""
    unsubscribe_token: str = ""
    link: object = None  # the link-health row of ``paper``'s URL
    link_report: object = None  # the first student's open report on ``link``


def world_build() -> World:
    """Create the world in the current transaction and return it."""
    from accounts.services import invitation_create
    from accounts.tests.factories import AdminFactory, MentorFactory, StudentFactory
    from accounts.tokens import invitation_token_make
    from cohorts.tests.factories import CohortFactory, EnrollmentFactory
    from curriculum.importer import DEFAULT_CURRICULUM_PATH, guide_import, guide_read
    from curriculum.models import LocalReference, Paper, Section
    from progress.services import progress_note_set, progress_record, reading_list_add
    from quizzes.bank import DEFAULT_QUIZ_BANK_PATH
    from quizzes.models import Quiz
    from quizzes.services import quiz_attempt_start, quiz_attempt_submit, quiz_bank_load
    from reminders.models import ReminderKind
    from reminders.tokens import unsubscribe_token_make

    guide_import(parsed=guide_read(DEFAULT_CURRICULUM_PATH))
    quiz_bank_load(paths=[str(DEFAULT_QUIZ_BANK_PATH)], skip_missing_sections=True)

    w = World()
    w.student = StudentFactory(email="student@example.org")
    w.student_other = StudentFactory(email="student.other@example.org")
    w.student_b = StudentFactory(email="student.b@example.org")
    w.mentor = MentorFactory(email="mentor@example.org")
    w.mentor_other = MentorFactory(email="mentor.other@example.org")
    w.admin = AdminFactory(email="admin@example.org")
    today = dt.date.today()  # noqa: DTZ011 - a calendar date for the cohorts' span only
    span = {"start_date": today - dt.timedelta(weeks=2), "end_date": today + dt.timedelta(weeks=10)}
    w.cohort_a = CohortFactory(name="Cohort A", mentors=[w.mentor], **span)
    w.cohort_b = CohortFactory(name="Cohort B", mentors=[w.mentor_other], **span)
    for student, cohort in ((w.student, w.cohort_a), (w.student_other, w.cohort_a), (w.student_b, w.cohort_b)):
        EnrollmentFactory(cohort=cohort, user=student, enrolled_on=cohort.start_date)
    w.users = {
        "anonymous": None,
        "student": w.student,
        "student_other": w.student_other,
        "mentor": w.mentor,
        "mentor_other": w.mentor_other,
        "admin": w.admin,
    }

    sections = Section.objects.filter(is_archived=False)
    topics = list(sections.filter(children__isnull=True).order_by("order", "pk"))
    w.topic = topics[0]
    w.part = sections.filter(parent__isnull=True, children__isnull=False).order_by("order", "pk").first()
    for i, student in enumerate((w.student, w.student_other, w.student_b)):
        progress_record(user=student, section=topics[i], status="done")
        progress_record(user=student, section=topics[i + 1], status="in_progress")
    progress_note_set(user=w.student, section=w.topic, note="My **private** note.")
    w.paper = Paper.objects.filter(is_archived=False).order_by("pk").first()
    reading_list_add(user=w.student, paper=w.paper)
    w.image_ref = LocalReference.objects.get(path="figure/poe1.png")
    w.document_ref = LocalReference.objects.get(path="LLM.pdf")

    untimed = Quiz.objects.filter(is_published=True, max_attempts__isnull=True, time_limit_minutes__isnull=True)
    w.quiz, w.quiz_free, w.quiz_hidden = untimed.order_by("pk")[:3]
    # A timed quiz, so the question page shows its countdown; a day's limit keeps the attempt open
    # however slowly the tests run.
    w.quiz_open = Quiz.objects.filter(is_published=True, time_limit_minutes__isnull=False).order_by("pk").first()
    Quiz.objects.filter(pk=w.quiz_open.pk).update(time_limit_minutes=24 * 60, max_attempts=None)
    w.quiz_open.refresh_from_db()
    rng = random.Random(7)
    w.attempt_submitted, _created = quiz_attempt_start(quiz=w.quiz, user=w.student, rng=rng)
    quiz_attempt_submit(attempt_id=w.attempt_submitted.pk, user=w.student, data={}, allow_blank=True)
    w.attempt_submitted.refresh_from_db()
    w.attempt_open, _created = quiz_attempt_start(quiz=w.quiz_open, user=w.student, rng=rng)
    # The submitted attempt used up the quiz: starting it again is refused (403).
    Quiz.objects.filter(pk=w.quiz.pk).update(max_attempts=1)
    Quiz.objects.filter(pk=w.quiz_hidden.pk).update(is_published=False)

    w.invitation_token = invitation_token_make(invitation_create(email="invitee@example.org"))
    w.unsubscribe_token = unsubscribe_token_make(user_id=w.student.pk, kind=ReminderKind.INACTIVITY)

    from linkcheck.models import Link, LinkReport
    from linkcheck.services import link_targets_sync

    link_targets_sync()
    w.link = Link.objects.get(url=w.paper.url)
    w.link_report = LinkReport.objects.create(link=w.link, user=w.student, comment="404")
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The :class:`World`, built once per module and rolled back after the module's last test."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield world_build()
        transaction.set_rollback(True)
