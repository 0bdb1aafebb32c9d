"""Shared data for cohort tests: a small curriculum, a cohort with a plan and three students."""

import datetime as dt
import zoneinfo
from types import SimpleNamespace

import pytest

from accounts.tests.factories import MentorFactory, StudentFactory
from cohorts.tests.factories import CohortFactory, EnrollmentFactory, PaceMilestoneFactory, attempt_add, progress_at
from curriculum.tests.factories import SectionFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
#: "Now" in the shared scenario: Thursday of week 2 (day 10) of a cohort starting Monday 2026-09-07.
NOW = dt.datetime(2026, 9, 17, 12, 0, tzinfo=SHANGHAI)


def sh(*args) -> dt.datetime:
    """An aware datetime in Asia/Shanghai."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def scenario(db):
    """Curriculum A(a1, a2) · B(B1(b1, b2), b3) · T (a top-level topic): six topics.

    Cohort 2026-09-07 – 2026-10-04, plan A by week 1, B by week 3 (T not planned), one mentor.
    - Alice: a1 done, a2 skipped, b1 done (last 09-16 10:00) → A 100, B 33.3, overall 40, on track.
    - Bob: nothing since enrolling on the start date → stalled (and A overdue).
    - Carol: a1 done on 09-17 09:00 → A 50 → behind; overall 16.7.
    Quizzes: A (published), b1 (published), T (unpublished). Alice: A 80 passed, b1 40 failed,
    T 90 passed; Carol: A 50 failed, b1 70 passed, b1 unsubmitted.
    Also: a student of another cohort and an ended enrollment, who must not appear.
    """
    from quizzes.models import Quiz

    part_a = SectionFactory(title="Prompt 工程")
    a1, a2 = SectionFactory(parent=part_a, title="a1"), SectionFactory(parent=part_a, title="a2")
    part_b = SectionFactory(title="神经网络")
    sub_b1 = SectionFactory(parent=part_b, title="B1")
    b1, b2 = SectionFactory(parent=sub_b1, title="b1"), SectionFactory(parent=sub_b1, title="b2")
    b3 = SectionFactory(parent=part_b, title="b3")
    topic_t = SectionFactory(title="附录")

    mentor = MentorFactory(email="mentor@x.org")
    cohort = CohortFactory(name="2026 秋季", mentors=[mentor])
    PaceMilestoneFactory(cohort=cohort, section=part_a, due_week=1)
    PaceMilestoneFactory(cohort=cohort, section=part_b, due_week=3)

    alice = StudentFactory(email="alice@x.org", display_name="Alice")
    bob = StudentFactory(email="bob@x.org", display_name="Bob")
    carol = StudentFactory(email="carol@x.org", display_name="Carol")
    for student in (alice, bob, carol):
        EnrollmentFactory(cohort=cohort, user=student)
    other_cohort = CohortFactory(name="2025 秋季")
    outsider = StudentFactory(email="outsider@x.org", display_name="Outsider")
    EnrollmentFactory(cohort=other_cohort, user=outsider)
    former = StudentFactory(email="former@x.org", display_name="Former")
    EnrollmentFactory(cohort=cohort, user=former, is_active=False)

    progress_at(alice, a1, "done", sh(2026, 9, 9, 20))
    progress_at(alice, a2, "skipped", sh(2026, 9, 10, 21))
    progress_at(alice, b1, "done", sh(2026, 9, 16, 10))
    progress_at(carol, a1, "done", sh(2026, 9, 17, 9))
    progress_at(outsider, a1, "done", sh(2026, 9, 10, 9))
    progress_at(former, a1, "done", sh(2026, 9, 10, 9))

    quiz_a = Quiz.objects.create(section=part_a, title="Prompt 小测")
    quiz_b1 = Quiz.objects.create(section=b1, title="b1 小测")
    quiz_t = Quiz.objects.create(section=topic_t, title="附录小测", is_published=False)
    attempt_add(alice, quiz_a, score=80, passed=True, at=sh(2026, 9, 12, 10))
    attempt_add(alice, quiz_b1, score=40, passed=False, at=sh(2026, 9, 16, 11))
    attempt_add(alice, quiz_t, score=90, passed=True, at=sh(2026, 9, 16, 12))
    attempt_add(carol, quiz_a, score=50, passed=False, at=sh(2026, 9, 15, 10))
    attempt_add(carol, quiz_b1, score=70, passed=True, at=sh(2026, 9, 16, 10))
    attempt_add(carol, quiz_b1, score=None, passed=False, submitted=False, at=sh(2026, 9, 17, 10))
    attempt_add(outsider, quiz_a, score=100, passed=True, at=sh(2026, 9, 15, 10))

    return SimpleNamespace(
        cohort=cohort, other_cohort=other_cohort, mentor=mentor,
        alice=alice, bob=bob, carol=carol, outsider=outsider, former=former,
        part_a=part_a, part_b=part_b, topic_t=topic_t, sub_b1=sub_b1,
        a1=a1, a2=a2, b1=b1, b2=b2, b3=b3, quiz_a=quiz_a, quiz_b1=quiz_b1,
    )  # fmt: skip


@pytest.fixture(autouse=True)
def _empty_cache():
    """The settled weeks of a cohort's history are cached; each test starts without them."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
