"""factory_boy factories for the reminders tests: cohorts, enrollments, events, quiz attempts, logs.

(The cohorts, progress and quizzes apps have no factories on this branch; these stay here.)
"""

import datetime as dt

import factory

from cohorts.models import Cohort, Enrollment, PaceMilestone
from progress.models import ProgressEvent, TopicProgress
from quizzes.models import Attempt, Quiz
from reminders.models import ReminderKind, ReminderLog


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    name = factory.Sequence(lambda n: f"2026 春季 {n}")
    start_date = dt.date(2026, 2, 2)
    end_date = factory.LazyAttribute(lambda o: o.start_date + dt.timedelta(days=180))


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    cohort = factory.SubFactory(CohortFactory)
    user = factory.SubFactory("accounts.tests.factories.StudentFactory")
    enrolled_on = factory.SelfAttribute("cohort.start_date")
    is_active = True


class PaceMilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaceMilestone

    cohort = factory.SubFactory(CohortFactory)
    section = factory.SubFactory("curriculum.tests.factories.SectionFactory")
    due_week = 1


def progress_event_at(*, user, section, when: dt.datetime, to_status: str = "in_progress", from_status="not_started"):
    """A progress event stamped ``when`` (``created`` is auto_now_add, so it is set afterwards)."""
    event = ProgressEvent.objects.create(user=user, section=section, from_status=from_status, to_status=to_status)
    ProgressEvent.objects.filter(pk=event.pk).update(created=when)
    event.created = when
    return event


def topic_status_set(*, user, section, status: str) -> TopicProgress:
    """Set a topic's status for a student (test data only; the app writes through progress.services)."""
    row, _ = TopicProgress.objects.update_or_create(user=user, section=section, defaults={"status": status})
    return row


class QuizFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quiz

    section = factory.SubFactory("curriculum.tests.factories.SectionFactory")
    title = factory.Sequence(lambda n: f"测验 {n}")


class AttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attempt

    quiz = factory.SubFactory(QuizFactory)
    user = factory.SubFactory("accounts.tests.factories.StudentFactory")
    started_at = factory.LazyAttribute(lambda o: o.submitted_at - dt.timedelta(minutes=10))
    submitted_at = dt.datetime(2026, 3, 5, 12, 0, tzinfo=dt.UTC)
    score_percent = 80
    passed = True


class ReminderLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReminderLog

    user = factory.SubFactory("accounts.tests.factories.StudentFactory")
    kind = ReminderKind.INACTIVITY
    period_key = "2026-03-09"
    status = ReminderLog.Status.SENT
    attempts = 1
