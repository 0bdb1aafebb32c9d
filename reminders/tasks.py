"""Celery tasks of the reminders app. Thin: they call :mod:`reminders.services`.

``reminders_send_due`` is queued by Celery beat every 15 minutes (the schedule is written by
``manage.py setup_reminders``). Reminders are never scheduled as tasks with an ETA or countdown:
each run looks at the clock and the database and sends what is due now, so a lost or repeated run
costs nothing (the log's unique rows make it idempotent).
"""

from celery import shared_task
from django.db import DatabaseError


@shared_task(bind=True, acks_late=True, max_retries=2)
def reminders_send_due(self, now: str | None = None) -> dict:
    """Send every reminder due now.

    Args:
        now: ISO 8601 aware datetime to use instead of the clock (tests, replays); default now.
    Returns:
        The run's summary (:meth:`reminders.services.RunResult.as_dict`).

    Retries once a minute, twice at most, when the database is unavailable; that is safe because a
    run is idempotent. ``acks_late`` for the same reason: a run lost with its worker is redone.
    """
    import datetime as dt

    from reminders.services import reminders_send_due as run

    moment = dt.datetime.fromisoformat(now) if now else None
    try:
        return run(now=moment).as_dict()
    except DatabaseError as exc:
        raise self.retry(exc=exc, countdown=60) from exc
