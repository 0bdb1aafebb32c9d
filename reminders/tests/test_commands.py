"""``send_reminders`` (dry run, sending, ``--now``) and ``setup_reminders``."""

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django_celery_beat.models import PeriodicTask

from reminders.models import ReminderLog
from reminders.tests.conftest import NOW

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_dry_run_lists_who_would_get_what_and_sends_nothing(backend, enroll, frozen):
    enroll(email="li@example.org")
    output = run("send_reminders", "--dry-run")
    assert output.splitlines() == [
        "inactivity 2026-03-09 li@example.org (Asia/Shanghai, local 09:00, preferred 09:00)",
        "behind     2026-03-09 li@example.org (Asia/Shanghai, local 09:00, preferred 09:00)",
        "digest     2026-W11   mentor@example.org (Asia/Shanghai, local 09:00, preferred 09:00)",
        "Dry run at 2026-03-09T01:00:00+00:00: 3 message(s) would be sent.",
    ]
    assert (mail.outbox, ReminderLog.objects.count()) == ([], 0)


def test_send_sends_and_reports(backend, enroll, frozen):
    enroll(email="li@example.org")
    output = run("send_reminders")
    assert output.splitlines()[-1] == "Sent 3, failed 0, skipped 0, handled elsewhere 0, left for later 0."
    assert len(mail.outbox) == 3
    assert run("send_reminders").splitlines() == ["Sent 0, failed 0, skipped 0, handled elsewhere 0, left for later 0."]


def test_now_option_with_and_without_offset(backend, enroll, frozen):
    enroll(email="li@example.org")
    frozen.move_to(NOW - dt.timedelta(days=1))  # the clock says Sunday; --now says Monday
    assert "3 message(s)" in run("send_reminders", "--dry-run", "--now", "2026-03-09T09:00")  # portal zone
    assert "0 message(s)" in run("send_reminders", "--dry-run", "--now", "2026-03-09T08:45+08:00")
    assert "3 message(s)" in run("send_reminders", "--dry-run", "--now", "2026-03-09T01:00:00Z")


def test_bad_now_is_one_readable_error(db):
    with pytest.raises(CommandError, match=r"^--now: not an ISO 8601 date-time: 'tomorrow'"):
        call_command("send_reminders", "--now", "tomorrow")


def test_setup_reminders_is_idempotent(db):
    first = run("setup_reminders")
    second = run("setup_reminders")
    assert first == second == "Periodic task ready: reminders: send what is due (every 15 minutes)\n"
    task = PeriodicTask.objects.get(task="reminders.tasks.reminders_send_due")
    assert (task.crontab.minute, task.crontab.hour, str(task.crontab.timezone), task.expire_seconds) == (
        "*/15",
        "*",
        "UTC",
        840,
    )
