"""The sending run: once per period, one connection per batch, retries after a mail-server failure,
crashes, re-checking eligibility just before sending, quiet hours and daylight saving end to end."""

import datetime as dt

import pytest
from django.core import mail
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from accounts.models import User
from accounts.services import demo_accounts_ensure
from cohorts.models import Enrollment
from curriculum.tests.factories import SectionFactory
from reminders import services
from reminders.models import ReminderKind, ReminderLog
from reminders.selectors import Reason
from reminders.services import (
    PERIODIC_TASK_NAME,
    reminder_preference_turn_off,
    reminders_demo_ensure,
    reminders_schedule_ensure,
    reminders_send_due,
)
from reminders.tests.conftest import NOW
from reminders.tests.factories import topic_status_set

pytestmark = pytest.mark.django_db

INACTIVITY, BEHIND, DIGEST = ReminderKind.INACTIVITY, ReminderKind.BEHIND, ReminderKind.DIGEST
MINUTES_15 = dt.timedelta(minutes=15)


def sent_pairs():
    """(recipient, subject) of every message in the outbox, in order."""
    return [(m.to[0], m.subject) for m in mail.outbox]


def log_rows():
    return sorted(
        ReminderLog.objects.values_list("user__email", "kind", "period_key", "status", "attempts"),
        key=lambda r: (r[1], r[0]),
    )


def test_a_run_sends_each_due_message_once_and_a_second_run_nothing(backend, enroll, frozen):
    enroll(email="li@example.org", language="en")
    first = reminders_send_due(now=NOW)
    assert (first.sent, first.failed, first.skipped) == (3, 0, 0)
    assert sorted(m.to[0] for m in mail.outbox) == ["li@example.org", "li@example.org", "mentor@example.org"]
    assert log_rows() == [
        ("li@example.org", BEHIND, "2026-03-09", "sent", 1),
        ("mentor@example.org", DIGEST, "2026-W11", "sent", 1),
        ("li@example.org", INACTIVITY, "2026-03-09", "sent", 1),
    ]
    again = reminders_send_due(now=NOW)  # the same run repeated (a retried task, a second beat)
    frozen.tick(MINUTES_15)
    later = reminders_send_due(now=NOW + MINUTES_15)  # the next run the same day
    assert (again.sent, later.sent) == (0, 0)
    assert len(mail.outbox) == 3


def test_a_batch_opens_one_mail_connection(backend, enroll, frozen):
    for _ in range(5):
        enroll()
    result = reminders_send_due(now=NOW)
    assert result.sent == 11  # 5 nudges, 5 behind notices, 1 digest
    assert len(mail.outbox) == 11
    assert backend.opens == 1


def test_nothing_due_opens_no_connection(backend, enroll, frozen):
    enroll()
    result = reminders_send_due(now=NOW - MINUTES_15)
    assert (result.sent, backend.opens, len(mail.outbox)) == (0, 0, 0)


def test_smtp_failure_mid_batch_others_sent_failed_retried_next_run_exactly_once(backend, enroll, frozen):
    a = enroll(email="a@example.org")
    b = enroll(email="b@example.org")
    c = enroll(email="c@example.org")
    backend.reset(fail_for={"b@example.org"})

    first = reminders_send_due(now=NOW)
    assert (first.sent, first.failed) == (5, 2)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "a@example.org",
        "a@example.org",
        "c@example.org",
        "c@example.org",
        "mentor@example.org",
    ]
    failed = ReminderLog.objects.filter(user=b)
    assert sorted(failed.values_list("kind", "status", "attempts")) == [
        (BEHIND, "failed", 1),
        (INACTIVITY, "failed", 1),
    ]
    assert all("SMTPServerDisconnected" in row.error for row in failed)
    assert backend.opens == 3  # the connection is reopened after each failure

    backend.reset()  # the mail server is back
    frozen.tick(MINUTES_15)
    second = reminders_send_due(now=NOW + MINUTES_15)
    assert (second.sent, second.failed) == (2, 0)
    frozen.tick(MINUTES_15)
    third = reminders_send_due(now=NOW + 2 * MINUTES_15)
    assert third.sent == 0

    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted(
        ["a@example.org"] * 2 + ["b@example.org"] * 2 + ["c@example.org"] * 2 + ["mentor@example.org"]
    )
    assert sorted(ReminderLog.objects.filter(user=b).values_list("kind", "status", "attempts")) == [
        (BEHIND, "sent", 2),
        (INACTIVITY, "sent", 2),
    ]
    assert a.pk and c.pk


def test_attempts_are_bounded(backend, enroll, frozen, settings):
    settings.REMINDERS_MAX_ATTEMPTS = 3
    enroll(email="b@example.org")
    backend.reset(fail_for={"b@example.org"})
    moment = NOW
    for _ in range(5):
        reminders_send_due(now=moment, kinds=[INACTIVITY])
        moment += MINUTES_15
        frozen.move_to(moment)
    row = ReminderLog.objects.get(kind=INACTIVITY)
    assert (row.status, row.attempts) == ("failed", 3)
    assert mail.outbox == []


def test_crash_between_claiming_and_sending_sends_once_on_the_next_run(backend, enroll, frozen, monkeypatch):
    """The worker dies after the row is committed but before the message is handed over."""
    enroll(email="li@example.org")
    original = services.reminder_render

    def die(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(services, "reminder_render", die)
    with pytest.raises(SystemExit):
        reminders_send_due(now=NOW, kinds=[INACTIVITY])
    assert log_rows() == [("li@example.org", INACTIVITY, "2026-03-09", "pending", 0)]
    assert mail.outbox == []

    monkeypatch.setattr(services, "reminder_render", original)
    frozen.tick(MINUTES_15)
    reminders_send_due(now=NOW + MINUTES_15, kinds=[INACTIVITY])
    reminders_send_due(now=NOW + 2 * MINUTES_15, kinds=[INACTIVITY])
    assert [m.to for m in mail.outbox] == [["li@example.org"]]
    assert log_rows() == [("li@example.org", INACTIVITY, "2026-03-09", "sent", 1)]


def test_worker_killed_during_smtp_is_not_resent(backend, enroll, frozen, monkeypatch, settings):
    """Killed mid-conversation, the outcome is unknown: left alone while the claim is fresh, then
    given up as failed rather than risking a duplicate."""
    settings.REMINDERS_CLAIM_TIMEOUT = 900
    enroll(email="li@example.org")

    def killed(self, messages):
        raise SystemExit("killed during DATA")

    monkeypatch.setattr(backend, "send_messages", killed)
    with pytest.raises(SystemExit):
        reminders_send_due(now=NOW, kinds=[INACTIVITY])
    monkeypatch.undo()
    assert log_rows() == [("li@example.org", INACTIVITY, "2026-03-09", "pending", 1)]

    frozen.tick(dt.timedelta(minutes=5))
    busy = reminders_send_due(now=NOW + dt.timedelta(minutes=5), kinds=[INACTIVITY])
    assert (busy.sent, len(busy.planned)) == (0, 0)
    frozen.tick(dt.timedelta(minutes=15))
    late = reminders_send_due(now=NOW + dt.timedelta(minutes=20), kinds=[INACTIVITY])
    assert (late.sent, late.failed) == (0, 1)
    row = ReminderLog.objects.get()
    assert (row.status, row.attempts) == ("failed", settings.REMINDERS_MAX_ATTEMPTS)
    assert "not retried" in row.error
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda u, s: User.objects.filter(pk=u.pk).update(remind_inactivity=False), Reason.OPTED_OUT),
        (lambda u, s: User.objects.filter(pk=u.pk).update(is_active=False), Reason.INACTIVE_USER),
        (lambda u, s: [topic_status_set(user=u, section=t, status="done") for t in s.topics], Reason.FINISHED),
        (lambda u, s: Enrollment.objects.filter(user=u).update(is_active=False), Reason.NO_ENROLLMENT),
    ],
    ids=["opted-out", "deactivated", "finished", "unenrolled"],
)
def test_eligibility_is_checked_again_just_before_sending(backend, enroll, scene, frozen, monkeypatch, change, reason):
    student = enroll(email="li@example.org")
    selected = services.reminders_due

    def select_then_change(**kwargs):
        due = selected(**kwargs)
        change(student, scene)  # happens between the selection and the send
        return due

    monkeypatch.setattr(services, "reminders_due", select_then_change)
    result = reminders_send_due(now=NOW, kinds=[INACTIVITY])
    assert (len(result.planned), result.sent, result.skipped) == (1, 0, 1)
    assert mail.outbox == []
    row = ReminderLog.objects.get()
    assert (row.status, row.error, row.attempts) == ("skipped", reason, 0)


def test_two_interleaved_runs_send_once(backend, enroll, frozen, monkeypatch):
    """Run B starts and finishes while run A sits between its selection and its sending."""
    enroll(email="li@example.org")
    selected = services.reminders_due
    inner = {}

    def select_then_let_b_run(**kwargs):
        due = selected(**kwargs)
        if "started" not in inner:
            inner["started"] = True
            inner["b"] = reminders_send_due(now=NOW)
        return due

    monkeypatch.setattr(services, "reminders_due", select_then_let_b_run)
    a = reminders_send_due(now=NOW)
    assert (inner["b"].sent, a.sent, a.busy) == (3, 0, 3)
    assert len(mail.outbox) == 3


def test_quiet_hours_crossing_midnight_hold_the_message_until_morning(backend, enroll, frozen):
    """Preferred hour 23:00, quiet 22:00–07:00 (Shanghai): nothing at 23:00, sent at 07:00 once."""
    enroll(email="owl@example.org", reminder_hour=23)
    at_23 = dt.datetime(2026, 3, 9, 15, 0, tzinfo=dt.UTC)
    at_0645 = dt.datetime(2026, 3, 9, 22, 45, tzinfo=dt.UTC)
    at_07 = dt.datetime(2026, 3, 9, 23, 0, tzinfo=dt.UTC)
    for moment in (at_23, at_0645):
        frozen.move_to(moment)
        assert reminders_send_due(now=moment, kinds=[INACTIVITY]).sent == 0
    frozen.move_to(at_07)
    assert reminders_send_due(now=at_07, kinds=[INACTIVITY]).sent == 1
    frozen.move_to(at_07 + MINUTES_15)
    assert reminders_send_due(now=at_07 + MINUTES_15, kinds=[INACTIVITY]).sent == 0
    assert log_rows() == [("owl@example.org", INACTIVITY, "2026-03-09", "sent", 1)]


def test_repeated_hour_on_fall_back_day_sends_once(backend, enroll, frozen):
    enroll(email="ny@example.org", time_zone="America/New_York", reminder_hour=1, quiet_hours_enabled=False)
    first = dt.datetime(2026, 11, 1, 5, 0, tzinfo=dt.UTC)  # 01:00 EDT
    repeat = dt.datetime(2026, 11, 1, 6, 0, tzinfo=dt.UTC)  # 01:00 EST
    frozen.move_to(first)
    assert reminders_send_due(now=first, kinds=[INACTIVITY]).sent == 1
    frozen.move_to(repeat)
    assert reminders_send_due(now=repeat, kinds=[INACTIVITY]).sent == 0
    assert len(mail.outbox) == 1


def test_nonexistent_hour_on_spring_forward_day_sends_at_three(backend, enroll, frozen):
    enroll(email="ny@example.org", time_zone="America/New_York", reminder_hour=2, quiet_hours_enabled=False)
    before = dt.datetime(2026, 3, 8, 6, 45, tzinfo=dt.UTC)  # 01:45 EST
    at = dt.datetime(2026, 3, 8, 7, 0, tzinfo=dt.UTC)  # 03:00 EDT
    frozen.move_to(before)
    assert reminders_send_due(now=before, kinds=[INACTIVITY]).sent == 0
    frozen.move_to(at)
    assert reminders_send_due(now=at, kinds=[INACTIVITY]).sent == 1


def test_dry_run_writes_and_sends_nothing(backend, enroll, frozen):
    enroll()
    result = reminders_send_due(now=NOW, dry_run=True)
    assert [d.kind for d in result.planned] == [INACTIVITY, BEHIND, DIGEST]
    assert (ReminderLog.objects.count(), len(mail.outbox), backend.opens) == (0, 0, 0)


def test_out_of_time_leaves_the_rest_for_the_next_run(backend, enroll, frozen):
    enroll()
    result = reminders_send_due(now=NOW, time_budget=-1)
    assert (result.sent, result.deferred) == (0, 3)
    assert ReminderLog.objects.count() == 0


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="aware"):
        reminders_send_due(now=dt.datetime(2026, 3, 9, 9, 0))  # noqa: DTZ001


def test_turning_a_preference_off(enroll):
    student = enroll()
    assert reminder_preference_turn_off(user_id=student.pk, kind=BEHIND) is True
    assert reminder_preference_turn_off(user_id=student.pk, kind=BEHIND) is False
    student.refresh_from_db()
    assert (student.remind_inactivity, student.remind_behind, student.remind_digest) == (True, False, True)
    with pytest.raises(ValueError):
        reminder_preference_turn_off(user_id=student.pk, kind="newsletter")


def test_schedule_is_created_once_every_15_minutes_and_keeps_the_admins_switch(db):
    task = reminders_schedule_ensure()
    task.enabled = False
    task.save(update_fields=["enabled"])
    again = reminders_schedule_ensure()
    assert PeriodicTask.objects.filter(name=PERIODIC_TASK_NAME).count() == 1
    assert CrontabSchedule.objects.filter(minute="*/15").count() == 1
    assert (again.pk, again.task, again.crontab.minute, again.enabled) == (
        task.pk,
        "reminders.tasks.reminders_send_due",
        "*/15",
        False,
    )


def test_demo_student_is_idle_and_nudged_once_at_nine(backend, frozen):
    SectionFactory(title="基础")
    demo_accounts_ensure()
    enrollment = reminders_demo_ensure(today=dt.date(2026, 3, 9))
    assert enrollment.user.email == "student@coin.local"
    assert reminders_demo_ensure(today=dt.date(2026, 3, 9)) is None  # idempotent
    reminders_send_due(now=NOW - MINUTES_15)
    assert mail.outbox == []
    reminders_send_due(now=NOW)
    reminders_send_due(now=NOW + MINUTES_15)
    nudges = [m for m in mail.outbox if m.subject == "COIN Portal：从上次停下的地方继续吧"]
    assert [m.to for m in nudges] == [["student@coin.local"]]
    assert sorted(m.to[0] for m in mail.outbox) == ["mentor@coin.local", "student@coin.local", "student@coin.local"]
