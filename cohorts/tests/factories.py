"""factory_boy factories and small helpers for cohort tests."""

import datetime as dt
from decimal import Decimal

import factory

from cohorts.models import Cohort, Enrollment, PaceMilestone
from progress.models import ProgressEvent, TopicProgress


class CohortFactory(factory.django.DjangoModelFactory):
    """A cohort starting on Monday 2026-09-07 and lasting four weeks."""

    class Meta:
        model = Cohort
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"2026 秋季 {n}")
    start_date = dt.date(2026, 9, 7)
    end_date = factory.LazyAttribute(lambda o: o.start_date + dt.timedelta(weeks=4, days=-1))

    @factory.post_generation
    def mentors(self, create, extracted, **kwargs):
        if create and extracted:
            self.mentors.add(*extracted)


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    cohort = factory.SubFactory(CohortFactory)
    user = factory.SubFactory("accounts.tests.factories.StudentFactory")
    enrolled_on = factory.LazyAttribute(lambda o: o.cohort.start_date)


class PaceMilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaceMilestone

    cohort = factory.SubFactory(CohortFactory)
    section = factory.SubFactory("curriculum.tests.factories.SectionFactory")
    due_week = 1


def progress_at(user, section, status: str, at: dt.datetime, *, from_status: str | None = None) -> ProgressEvent:
    """Set ``user``'s status on topic ``section`` as of ``at``: update the summary row and append the
    event with ``created = at`` (``auto_now_add`` would stamp the real time)."""
    row, _created = TopicProgress.objects.get_or_create(user=user, section=section)
    previous = row.status if from_status is None else from_status
    row.status = status
    row.save(update_fields=["status", "modified"])
    event = ProgressEvent.objects.create(user=user, section=section, from_status=previous, to_status=status)
    ProgressEvent.objects.filter(pk=event.pk).update(created=at)
    event.created = at
    return event


def attempt_add(user, quiz, *, score, passed: bool, submitted: bool = True, at: dt.datetime):
    """A quiz attempt started at ``at`` (submitted ten minutes later unless ``submitted`` is false)."""
    from quizzes.models import Attempt

    return Attempt.objects.create(
        quiz=quiz,
        user=user,
        started_at=at,
        submitted_at=at + dt.timedelta(minutes=10) if submitted else None,
        score_percent=None if score is None else Decimal(str(score)),
        passed=passed,
    )
