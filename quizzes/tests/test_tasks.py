"""The periodic task that closes expired attempts."""

import datetime as dt

import pytest
from freezegun import freeze_time

from quizzes.models import Attempt
from quizzes.services import quiz_attempt_start
from quizzes.tasks import attempts_close_expired_task
from quizzes.tests.factories import quiz_with_all_kinds

pytestmark = pytest.mark.django_db


def test_task_closes_expired_attempts(student):
    start = dt.datetime(2026, 9, 7, 1, 0, tzinfo=dt.UTC)
    attempt, _ = quiz_attempt_start(quiz=quiz_with_all_kinds(time_limit_minutes=5), user=student, now=start)
    with freeze_time(start + dt.timedelta(minutes=4)):
        assert attempts_close_expired_task.delay().get() == 0
    with freeze_time(start + dt.timedelta(minutes=6)):
        assert attempts_close_expired_task.delay().get() == 1
    assert Attempt.objects.get(pk=attempt.pk).timed_out is True
