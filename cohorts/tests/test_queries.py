"""The cohort page costs the same number of queries for 5 and for 50 students, on a curriculum
three times the guide's size."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from accounts.models import User
from accounts.tests.factories import MentorFactory
from cohorts.models import Enrollment, PaceMilestone
from cohorts.tests.conftest import SHANGHAI
from cohorts.tests.factories import CohortFactory
from curriculum.selectors import curriculum_tree
from curriculum.tests.factories import curriculum_build
from progress.models import ProgressEvent, TopicProgress

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 10, 15, 12, tzinfo=SHANGHAI)
#: Upper bound for each mentor page, whatever the number of students: session, user, the user's
#: groups (navigation), cohort, curriculum, plan, enrollments with last activity, published
#: quizzes, the data signature (events, progress rows, attempts) and, when not cached, statuses, quiz attempts
#: and the event history.
MAX_QUERIES = 14
#: The cohort page when its figures are cached (nothing changed since the last view).
MAX_CACHED_QUERIES = 11
#: The student page reads one student's statuses, attempts, events and active days instead of the
#: cohort-wide quiz figures and history.
MAX_STUDENT_PAGE_QUERIES = 16


def _seed_students(cohort, count: int, *, seed: int) -> None:
    """``count`` students with random progress, events and quiz attempts, all via ``bulk_create``."""
    from quizzes.models import Attempt, Quiz

    rng = random.Random(seed)
    tree = curriculum_tree()
    topics = [t.pk for t in tree.topics]
    quizzes = list(Quiz.objects.all())
    users = User.objects.bulk_create(
        [User(email=f"bulk{seed}-{i}@x.org", display_name=f"学生{i}", password="!") for i in range(count)]
    )
    Enrollment.objects.bulk_create([Enrollment(cohort=cohort, user=u, enrolled_on=cohort.start_date) for u in users])
    rows, events, attempts = [], [], []
    for user in users:
        for topic in rng.sample(topics, rng.randint(0, len(topics) // 2)):
            status = rng.choice(["in_progress", "done", "done", "skipped"])
            rows.append(TopicProgress(user=user, section_id=topic, status=status))
            events.append(ProgressEvent(user=user, section_id=topic, from_status="not_started", to_status=status))
        for quiz in rng.sample(quizzes, 2):
            score = rng.randint(0, 100)
            attempts.append(
                Attempt(quiz=quiz, user=user, started_at=NOW - dt.timedelta(days=3), submitted_at=NOW - dt.timedelta(days=3),
                        score_percent=Decimal(score), passed=score >= 60)
            )  # fmt: skip
    TopicProgress.objects.bulk_create(rows)
    ProgressEvent.objects.bulk_create(events)
    Attempt.objects.bulk_create(attempts)


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@freeze_time(NOW)
def test_cohort_page_queries_do_not_grow_with_students(client):
    from quizzes.models import Quiz

    roots = curriculum_build(parts=15, topics_per_part=6, resources_per_topic=1)
    for root in roots[:5]:
        Quiz.objects.create(section=root, title=f"{root.title} 小测")
    mentor = MentorFactory()
    small, large = CohortFactory(mentors=[mentor]), CohortFactory(mentors=[mentor])
    for cohort in (small, large):
        PaceMilestone.objects.bulk_create(
            [PaceMilestone(cohort=cohort, section=root, due_week=i + 1) for i, root in enumerate(roots)]
        )
    _seed_students(small, 5, seed=1)
    _seed_students(large, 50, seed=2)
    client.force_login(mentor)
    for name in ("cohorts:cohort_detail", "cohorts:cohort_csv"):
        small_count = _count_queries(client, reverse(name, args=[small.pk]))
        large_count = _count_queries(client, reverse(name, args=[large.pk]))
        assert small_count == large_count, name
        assert large_count <= MAX_QUERIES, name
    # Again, with nothing changed: the figures and the history come from the cache.
    assert _count_queries(client, reverse("cohorts:cohort_detail", args=[large.pk])) <= MAX_CACHED_QUERIES
    home = _count_queries(client, reverse("cohorts:mentor_home"))
    assert home <= MAX_QUERIES
    student = Enrollment.objects.filter(cohort=large).first().user_id
    student_page = reverse("cohorts:student_detail", args=[large.pk, student])
    assert _count_queries(client, student_page) <= MAX_STUDENT_PAGE_QUERIES
