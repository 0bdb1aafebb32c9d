"""Celery tasks: flags, the nightly schedule row, eager runs, and a real worker on the real Redis."""

import time
import uuid

import pytest
from django.db import connection

from linkcheck.models import Link, LinkCheckRun, LinkStatus
from linkcheck.tasks import link_check_all, link_check_links
from linkcheck.tests.factories import ResourceFactory, UserFactory


def test_tasks_are_acknowledged_late_and_requeued_when_the_worker_dies():
    for task in (link_check_all, link_check_links):
        assert task.acks_late is True
        assert task.reject_on_worker_lost is True


@pytest.mark.django_db
def test_nightly_schedule_row_exists(settings):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="linkcheck.tasks.link_check_all")
    assert (task.enabled, task.crontab.minute, task.crontab.hour) == (True, "0", "3")
    assert (task.crontab.day_of_week, task.crontab.day_of_month, task.crontab.month_of_year) == ("*", "*", "*")
    assert str(task.crontab.timezone) == settings.TIME_ZONE


@pytest.mark.django_db
def test_eager_task_runs_the_check(server):
    server.expect_request("/t").respond_with_data("ok")
    ResourceFactory(url=server.url_for("/t"))
    user = UserFactory()
    run_id = link_check_all.delay(user_id=user.pk).get()
    run = LinkCheckRun.objects.get(pk=run_id)
    assert (run.status, run.checked, run.triggered_by) == (LinkCheckRun.Status.DONE, 1, user)
    assert Link.objects.get().status == LinkStatus.OK


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_task_runs_on_a_real_celery_worker_with_redis(redis_url, server):
    """The full check goes through the real broker to a real worker (solo pool, in a thread) and its
    results land in the test database, which the worker thread shares."""
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    if connection.vendor == "sqlite" and "mode=memory" not in str(connection.settings_dict.get("NAME", "")):
        pytest.skip("the worker thread needs a shared test database")
    server.expect_request("/via-worker").respond_with_data("ok")
    ResourceFactory(url=server.url_for("/via-worker"))
    queue = f"linkcheck-test-{uuid.uuid4().hex}"  # our own queue: no other worker may take the message
    app = Celery("linkcheck-integration", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=redis_url,
        task_always_eager=False,
        task_default_queue=queue,
        result_backend=None,
        worker_hijack_root_logger=False,
    )
    task = app.tasks["linkcheck.tasks.link_check_all"]
    assert task.acks_late is True
    with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30):
        sent = task.apply_async(queue=queue)
        deadline = time.monotonic() + 60
        run = None
        while time.monotonic() < deadline:
            run = LinkCheckRun.objects.filter(task_id=sent.id, status=LinkCheckRun.Status.DONE).first()
            if run:
                break
            time.sleep(0.2)
    assert run is not None, "the worker did not finish the run within 60 s"
    assert (run.scope, run.checked, run.total) == ("all", 1, 1)
    assert Link.objects.get().status == LinkStatus.OK
