"""Celery tasks of the linkcheck app: thin wrappers around :func:`linkcheck.services.link_check_run`.

Both tasks are idempotent (the database decides what runs, see :mod:`linkcheck.services`), so they are
acknowledged late (``acks_late``) and requeued when the worker process dies (``reject_on_worker_lost``):
a worker killed mid-run loses no work, the redelivered task resumes the abandoned run. The nightly
schedule is a django-celery-beat row created by migration ``0002_nightly_schedule``.
"""

from celery import shared_task
from django.db import OperationalError

RETRY_COUNTDOWN = 60  # seconds before retrying after a database outage
OFFLINE_RETRY_COUNTDOWN = 30 * 60  # seconds before trying again when the portal's own network was down


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3)
def link_check_all(self, user_id: int | None = None) -> int:
    """Check every active link. Returns the run id (a ``skipped`` run when another full run is active).

    When the portal's own network is down the run records nothing and the task retries in 30 minutes
    (at most 3 times) on a worker; in eager mode (development) it just returns the failed run.
    """
    from linkcheck.services import link_check_run

    try:
        run = link_check_run(scope="all", task_id=self.request.id or "", triggered_by=_user(user_id))
    except OperationalError as exc:
        raise self.retry(exc=exc, countdown=RETRY_COUNTDOWN) from exc
    if run.status == run.Status.FAILED and run.note.startswith("network unavailable") and not self.request.is_eager:
        # Nothing was recorded; try again later tonight rather than skip a whole day.
        raise self.retry(countdown=OFFLINE_RETRY_COUNTDOWN)
    return run.pk


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3)
def link_check_links(self, link_ids: list[int], force: bool = True, user_id: int | None = None) -> int:
    """Check the given links now (admin recheck button, student report). Returns the run id."""
    from linkcheck.services import link_check_run

    try:
        run = link_check_run(
            scope="links", link_ids=link_ids, force=force, task_id=self.request.id or "", triggered_by=_user(user_id)
        )
    except OperationalError as exc:
        raise self.retry(exc=exc, countdown=RETRY_COUNTDOWN) from exc
    return run.pk


def _user(user_id: int | None):
    if user_id is None:
        return None
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=user_id).first()
