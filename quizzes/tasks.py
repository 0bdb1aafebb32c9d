"""Celery tasks of the quizzes app: thin wrappers around :mod:`quizzes.services`."""

from celery import shared_task


@shared_task(bind=True, max_retries=3, acks_late=True)
def attempts_close_expired_task(self) -> int:
    """Close open attempts whose time limit plus grace has passed (idempotent; safe to run often).

    Pages close such attempts lazily when they are opened; this task keeps dashboards current for
    students who never come back. Suggested schedule: every 10 minutes. Returns how many were closed.
    """
    from quizzes.services import attempts_close_expired

    try:
        return attempts_close_expired()
    except Exception as exc:  # a database hiccup: try again shortly
        raise self.retry(exc=exc, countdown=60) from exc
