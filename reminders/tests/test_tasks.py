"""The Celery task: thin, idempotent, and working on a real worker with the real Redis broker."""

import datetime as dt
import uuid

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.utils import timezone

from accounts.tests.factories import StudentFactory
from reminders.models import ReminderLog
from reminders.tasks import reminders_send_due
from reminders.tests.conftest import NOW
from reminders.tests.factories import CohortFactory, EnrollmentFactory


@pytest.mark.django_db
def test_task_calls_the_service_with_the_given_moment(backend, enroll, frozen):
    enroll(email="li@example.org")
    result = reminders_send_due.apply(kwargs={"now": NOW.isoformat()}).get()
    assert result == {
        "now": "2026-03-09T01:00:00+00:00",
        "dry_run": False,
        "due": 3,
        "sent": 3,
        "failed": 0,
        "skipped": 0,
        "busy": 0,
        "deferred": 0,
    }
    assert reminders_send_due.apply().get()["sent"] == 0  # now = the (frozen) clock: nothing left
    assert len(mail.outbox) == 3


@pytest.fixture
def worker_app(redis_url):
    """A Celery app on the real Redis, with a queue of its own so no other worker takes our tasks."""
    app = Celery("reminders-test", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    queue = f"reminders-test-{uuid.uuid4().hex}"
    app.conf.update(
        broker_url=redis_url,
        result_backend=redis_url,
        result_expires=300,
        task_always_eager=False,
        task_default_queue=queue,
        worker_hijack_root_logger=False,
    )
    app.loader.import_default_modules()
    import reminders.tasks  # noqa: F401  (registers the shared task on this app)

    return app, queue


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_task_on_a_real_worker_sends_once(worker_app, backend):
    app, queue = worker_app
    cohort = CohortFactory(start_date=timezone.localdate() - dt.timedelta(days=30))
    student = StudentFactory(email="li@example.org", reminder_hour=0, quiet_hours_enabled=False, remind_behind=False)
    EnrollmentFactory(cohort=cohort, user=student, enrolled_on=cohort.start_date)

    with start_worker(app, queues=[queue], perform_ping_check=False, shutdown_timeout=30):
        first = app.send_task("reminders.tasks.reminders_send_due", queue=queue).get(timeout=60)
        second = app.send_task("reminders.tasks.reminders_send_due", queue=queue).get(timeout=60)

    assert (first["sent"], second["sent"]) == (1, 0)
    assert [m.to for m in mail.outbox] == [["li@example.org"]]
    assert list(ReminderLog.objects.values_list("kind", "status", "attempts")) == [("inactivity", "sent", 1)]
