"""Writes for reminders: the "what is due now" run that sends mail, unsubscribing, the periodic
schedule and the demo data.

How a run sends without ever sending twice
------------------------------------------
:func:`reminders_send_due` is called every 15 minutes (Celery beat → ``reminders.tasks``). It asks
:func:`reminders.selectors.reminders_due` who is due, opens one mail connection for the batch, and
for each message calls :func:`reminder_deliver`, which:

1. **claims** the period: inserts the ``ReminderLog`` row for (user, kind, period) with status
   ``pending`` and commits it (in bulk, :func:`reminders_claim`). The unique constraint makes this
   the lock: a second beat process, a second worker or a retried task inserts nothing, reads the
   existing row and goes on only if it still needs sending
   (:func:`reminders.selectors.log_needs_sending`);
2. **re-checks eligibility** from fresh rows (the same function as the selection); a user who has
   finished, opted out or been deactivated since gets nothing, and the row becomes ``skipped``;
3. renders the message;
4. **takes the attempt**: one conditional ``UPDATE`` (compare-and-set on status and attempts) adds
   one to ``attempts`` and stamps ``attempted_at``, committed. Of two workers holding the same row
   exactly one wins; the other sends nothing;
5. hands the message to the mail server, then marks the row ``sent`` (or ``failed`` with the error
   text when the server refuses or the connection breaks).

When the mail server fails in the middle of a batch
---------------------------------------------------
The failing message's row becomes ``failed`` with the error text; the connection is closed and
reopened for the next message, and the rest of the batch goes on. The next run (15 minutes later)
selects ``failed`` rows of the *current* period again and retries them, one attempt per run, up to
``settings.REMINDERS_MAX_ATTEMPTS`` attempts; after that the row stays ``failed`` for an admin to
see. Rows of past periods are not retried: a nudge for yesterday is stale. A message that was
claimed but never handed over (the worker stopped between steps 1 and 4) is ``pending`` with no
attempts and is sent by the next run. So a message is not lost and not sent twice.

The one case no mail client can decide is a worker killed *during* the SMTP conversation (step 5),
after the attempt was taken: the server may or may not have accepted the message. Such a row stays
``pending`` with an attempt; other runs leave it alone while ``settings.REMINDERS_CLAIM_TIMEOUT``
runs, then mark it ``failed`` ("interrupted") without resending, because a duplicate is worse than
one missed nudge. Runs stop taking new messages shortly before Celery's soft time limit, so this
needs a hard kill.

This ordering only holds when the caller is not inside ``transaction.atomic()`` (Celery tasks and
management commands are not); each write here commits on its own.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from cohorts.models import Cohort, Enrollment, PaceMilestone
from curriculum.models import Section
from reminders.emails import RunContext, reminder_render
from reminders.models import PREFERENCE_FIELD, ReminderKind, ReminderLog
from reminders.selectors import DueReminder, log_needs_sending, reminder_verdict_now, reminders_due

logger = logging.getLogger(__name__)

Status = ReminderLog.Status

#: Name of the django-celery-beat row written by :func:`reminders_schedule_ensure`.
PERIODIC_TASK_NAME = "reminders: send what is due (every 15 minutes)"
TASK_PATH = "reminders.tasks.reminders_send_due"


@dataclass
class RunResult:
    """Outcome of one run. ``planned`` lists the due messages; the counts add up to its length
    (a dry run counts nothing)."""

    now: dt.datetime
    dry_run: bool
    planned: list[DueReminder] = field(default_factory=list)
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    busy: int = 0  # another worker had it, or it had been handled meanwhile
    deferred: int = 0  # left for the next run (time budget)

    def as_dict(self) -> dict:
        """JSON-friendly summary (the Celery task's result)."""
        return {
            "now": self.now.isoformat(),
            "dry_run": self.dry_run,
            "due": len(self.planned),
            "sent": self.sent,
            "failed": self.failed,
            "skipped": self.skipped,
            "busy": self.busy,
            "deferred": self.deferred,
        }


#: Messages claimed per bulk insert (one commit per chunk).
CLAIM_CHUNK = 500


def reminders_claim(items: list[DueReminder]) -> dict[tuple[int, str, str], ReminderLog]:
    """Insert and commit the ``pending`` log rows of ``items`` (rows that exist are left alone),
    then return every row of ``items`` keyed by ``(user_id, kind, period_key)``.

    One ``INSERT … ON CONFLICT DO NOTHING`` (SQLite: ``INSERT OR IGNORE``) and one ``SELECT`` per
    :data:`CLAIM_CHUNK` items; the unique constraint decides which rows are new.
    """
    rows: dict[tuple[int, str, str], ReminderLog] = {}
    for start in range(0, len(items), CLAIM_CHUNK):
        chunk = items[start : start + CLAIM_CHUNK]
        with transaction.atomic():
            ReminderLog.objects.bulk_create(
                [
                    ReminderLog(
                        user=item.user,
                        kind=item.kind,
                        period_key=item.period_key,
                        status=Status.PENDING,
                        to_email=item.email,
                    )
                    for item in chunk
                ],
                ignore_conflicts=True,
            )
        existing = ReminderLog.objects.filter(
            user_id__in={i.user.pk for i in chunk},
            kind__in={i.kind for i in chunk},
            period_key__in={i.period_key for i in chunk},
        )
        rows.update({(r.user_id, r.kind, r.period_key): r for r in existing})
    return rows


def _transition(log: ReminderLog, **changes) -> bool:
    """Compare-and-set: apply ``changes`` only if the row still has the status and attempts we read."""
    changes.setdefault("modified", timezone.now())
    updated = ReminderLog.objects.filter(pk=log.pk, status=log.status, attempts=log.attempts).update(**changes)
    return updated == 1


def reminder_deliver(item: DueReminder, *, log: ReminderLog, run: RunContext, connection) -> str:
    """Re-check, render and send one claimed message; return the row's resulting status, or ``"busy"``.

    ``log`` is the item's row as read after claiming (:func:`reminders_claim`). See the module
    docstring for the protocol. A rendering error ends as a ``failed`` row; a mail error marks
    the row ``failed`` and raises ``_SendFailed`` so the caller can reset the connection.
    """
    now = run.now
    if not log_needs_sending(log, now=now):
        return "busy"
    if log.status == Status.PENDING and log.attempts > 0:
        # The worker that took this attempt vanished mid-send (claim timed out): the server may have
        # accepted the message, so give up rather than risk a duplicate.
        _transition(
            log,
            status=Status.FAILED,
            attempts=settings.REMINDERS_MAX_ATTEMPTS,
            error="Interrupted while sending; delivery unknown, not retried to avoid a duplicate.",
        )
        return Status.FAILED
    verdict, facts = reminder_verdict_now(
        user_id=item.user.pk,
        kind=item.kind,
        period_key=item.period_key,
        tree=run.tree,
        now=now,
        milestones=run.milestones,
    )
    if not verdict.ok:
        _transition(log, status=Status.SKIPPED, error=verdict.reason)
        return Status.SKIPPED
    try:
        rendered = reminder_render(item.kind, facts, run=run, period_key=item.period_key, connection=connection)
    except Exception as exc:
        logger.exception("Rendering reminder %s failed", log.pk)
        _transition(log, status=Status.FAILED, attempts=log.attempts + 1, error=f"Rendering failed: {exc!r}"[:2000])
        return Status.FAILED
    attempt_at = timezone.now()
    taken = _transition(
        log,
        status=Status.PENDING,
        attempts=log.attempts + 1,
        attempted_at=attempt_at,
        to_email=facts.email,
        subject=rendered.message.subject[:255],
    )
    if not taken:
        return "busy"
    log.status, log.attempts = Status.PENDING, log.attempts + 1
    try:
        rendered.message.send()
    except Exception as exc:
        logger.warning("Sending reminder %s to %s failed: %r", log.pk, facts.email, exc)
        _transition(log, status=Status.FAILED, error=repr(exc)[:2000])
        raise _SendFailed from exc
    _transition(log, status=Status.SENT, sent_at=timezone.now(), error="", detail=rendered.detail)
    return Status.SENT


class _SendFailed(Exception):
    """Internal: the mail server refused or the connection broke (row already marked failed)."""


def reminders_send_due(
    *, now: dt.datetime | None = None, dry_run: bool = False, kinds=None, time_budget: float | None = None
) -> RunResult:
    """Find every reminder due at ``now`` and send it (the periodic "what is due now" run).

    Args:
        now: aware datetime deciding what is due (default: ``timezone.now()``).
        dry_run: only select; write nothing, send nothing.
        kinds: restrict to these :class:`~reminders.models.ReminderKind` values (default all).
        time_budget: seconds after which no new message is started; the rest is left for the next
            run. Default: Celery's soft time limit minus 60 s.
    Returns:
        A :class:`RunResult`.

    One mail connection is opened for the whole batch (``get_connection()``, opened once) and
    reopened only after a send error, since the server may have dropped it.
    """
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValueError("now must be an aware datetime")
    result = RunResult(now=now, dry_run=dry_run)
    result.planned = reminders_due(now=now, kinds=kinds)
    if dry_run or not result.planned:
        return result
    if time_budget is None:
        time_budget = max(60.0, settings.CELERY_TASK_SOFT_TIME_LIMIT - 60.0)
    started = time.monotonic()
    run = RunContext(now=now)
    connection = get_connection()
    opened = False
    logs: dict[tuple[int, str, str], ReminderLog] = {}
    try:
        for index, item in enumerate(result.planned):
            if time.monotonic() - started > time_budget:
                result.deferred = len(result.planned) - index
                logger.warning("Reminder run out of time; %d left for the next run", result.deferred)
                break
            if index % CLAIM_CHUNK == 0:
                logs = reminders_claim(result.planned[index : index + CLAIM_CHUNK])
            if not opened:
                connection.open()
                opened = True
            log = logs.get((item.user.pk, item.kind, item.period_key))
            if log is None:  # the row vanished (user deleted since the selection)
                result.busy += 1
                continue
            try:
                outcome = reminder_deliver(item, log=log, run=run, connection=connection)
            except _SendFailed:
                result.failed += 1
                connection.close()
                opened = False
                continue
            if outcome == Status.SENT:
                result.sent += 1
            elif outcome == Status.FAILED:
                result.failed += 1
            elif outcome == Status.SKIPPED:
                result.skipped += 1
            else:
                result.busy += 1
    finally:
        if opened:
            connection.close()
    logger.info("Reminder run at %s: %s", now.isoformat(), result.as_dict())
    return result


def reminder_preference_turn_off(*, user_id: int, kind: str) -> bool:
    """Turn reminders of ``kind`` off for ``user_id`` (unsubscribe). Only ever turns a preference off.

    Returns ``True`` when it was on, ``False`` when it was already off. Raises
    ``User.DoesNotExist`` for an unknown user and ``ValueError`` for an unknown kind.
    """
    if kind not in ReminderKind.values:
        raise ValueError(f"Unknown reminder kind: {kind!r}")
    field_name = PREFERENCE_FIELD[ReminderKind(kind)]
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        if not getattr(user, field_name):
            return False
        setattr(user, field_name, False)
        user.save(update_fields=[field_name])
    logger.info("User %s unsubscribed from %s reminders", user_id, kind)
    return True


def reminders_schedule_ensure():
    """Create or repair the django-celery-beat row that runs the reminders. Idempotent.

    The one place the schedule is defined: every 15 minutes, on the quarter hour (crontab
    ``*/15``, UTC), Celery beat queues ``reminders.tasks.reminders_send_due``. Runs on the quarter
    hour so that a preferred hour of 09:00 means the 09:00 run. A queued run that no worker picked
    up within 14 minutes expires, since the next one does the same work. An admin's ``enabled``
    switch is left as it is. Returns the ``PeriodicTask``.
    """
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    with transaction.atomic():
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute="*/15", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
        )
        task, _ = PeriodicTask.objects.update_or_create(
            name=PERIODIC_TASK_NAME,
            defaults={
                "task": TASK_PATH,
                "crontab": crontab,
                "interval": None,
                "solar": None,
                "clocked": None,
                "expire_seconds": 14 * 60,
            },
            create_defaults={
                "task": TASK_PATH,
                "crontab": crontab,
                "expire_seconds": 14 * 60,
                "enabled": True,
                "description": "Send the inactivity nudges, behind-schedule notices and mentor digests that are due.",
            },
        )
    return task


DEMO_COHORT_NAME = "演示班级"


def reminders_demo_ensure(*, today: dt.date | None = None) -> Enrollment | None:
    """Make the demo student idle past the nudge threshold, in a cohort the demo mentor mentors.

    Idempotent. Does nothing when the demo student is missing or already has an active enrollment
    (e.g. created by the cohorts demo data). Otherwise creates the cohort "演示班级" (started 21
    days before ``today``, first top-level section due in week 1) and enrolls the student 21 days
    ago with no progress: they get a nudge at 09:00 (Asia/Shanghai by default) and a behind notice;
    the demo mentor gets the digest on Mondays. Returns the new enrollment or ``None``.
    """
    from accounts.services import DEMO_ACCOUNTS

    emails = {a.role: a.email for a in DEMO_ACCOUNTS}
    student = User.objects.filter(email=emails.get("student")).first()
    if student is None or Enrollment.objects.filter(user=student, is_active=True).exists():
        return None
    today = today or timezone.localdate()
    start = today - dt.timedelta(days=21)
    with transaction.atomic():
        cohort, _ = Cohort.objects.get_or_create(
            name=DEMO_COHORT_NAME, defaults={"start_date": start, "end_date": start + dt.timedelta(days=180)}
        )
        mentor = User.objects.filter(email=emails.get("mentor")).first()
        if mentor is not None:
            cohort.mentors.add(mentor)
        first = Section.objects.filter(parent=None, is_archived=False).order_by("order", "pk").first()
        if first is not None:
            PaceMilestone.objects.get_or_create(cohort=cohort, section=first, defaults={"due_week": 1})
        enrollment, _ = Enrollment.objects.update_or_create(
            cohort=cohort, user=student, defaults={"enrolled_on": start, "is_active": True}
        )
    return enrollment
