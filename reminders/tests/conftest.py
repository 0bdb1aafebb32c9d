"""Shared fixtures of the reminders tests.

The scene: a curriculum of two parts with two topics each, a cohort that started on Monday
2026-02-02 with part 1 due in week 2 (overdue from 2026-02-16), and the clock at Monday
2026-03-09 09:00 in Shanghai (01:00 UTC), the portal's default zone and the students' default hour.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core import mail

from accounts.tests.factories import MentorFactory, StudentFactory
from curriculum.tests.factories import SectionFactory
from reminders.tests.backends import CountingBackend
from reminders.tests.factories import CohortFactory, EnrollmentFactory, PaceMilestoneFactory

#: Monday 2026-03-09 09:00 Asia/Shanghai.
NOW = dt.datetime(2026, 3, 9, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def backend(settings):
    """Route mail through :class:`CountingBackend` (locmem outbox plus connection counting)."""
    settings.EMAIL_BACKEND = "reminders.tests.backends.CountingBackend"
    settings.SITE_URL = "https://coin.example.org"
    CountingBackend.reset()
    mail.outbox = []
    return CountingBackend


@pytest.fixture
def scene(db):
    """The curriculum, cohort and pace plan described in the module docstring, plus a mentor."""
    part1 = SectionFactory(title="基础知识", slug="basics")
    t1 = SectionFactory(parent=part1, title="Python 与 PyTorch", slug="python")
    t2 = SectionFactory(parent=part1, title="线性代数", slug="linear-algebra")
    part2 = SectionFactory(title="预训练", slug="pretraining")
    t3 = SectionFactory(parent=part2, title="Transformer", slug="transformer")
    t4 = SectionFactory(parent=part2, title="数据清洗", slug="data-cleaning")
    cohort = CohortFactory(name="2026 春季", start_date=dt.date(2026, 2, 2))
    PaceMilestoneFactory(cohort=cohort, section=part1, due_week=2)
    PaceMilestoneFactory(cohort=cohort, section=part2, due_week=10)  # due 2026-04-12
    mentor = MentorFactory(email="mentor@example.org", display_name="王老师")
    cohort.mentors.add(mentor)
    return SimpleNamespace(part1=part1, part2=part2, topics=[t1, t2, t3, t4], cohort=cohort, mentor=mentor)


@pytest.fixture
def enroll(scene):
    """``enroll(**user_fields)``: a student enrolled in the scene's cohort since its start."""

    def make(**user_fields):
        student = StudentFactory(**user_fields)
        EnrollmentFactory(cohort=scene.cohort, user=student, enrolled_on=scene.cohort.start_date)
        return student

    return make


@pytest.fixture
def frozen():
    """The clock frozen at :data:`NOW` (freezegun); ``frozen.move_to(...)`` moves it."""
    from freezegun import freeze_time

    with freeze_time(NOW) as clock:
        yield clock
