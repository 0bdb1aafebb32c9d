"""Runs at the same moment in several threads (two beat processes, two workers) send each message
once: the unique log row decides, not luck. Needs real transactions (``transaction=True``) and a
database that allows several connections to the test database: PostgreSQL (the lead's and CI's
``DATABASE_URL``) or a file-based SQLite. Django's in-memory SQLite test database locks whole
tables across connections ("database table is locked"), so there the test is skipped, as Django's
own suite skips such tests (``features.test_db_allows_multiple_connections``); the interleaving
itself is also covered without threads by ``test_services.test_two_interleaved_runs_send_once``.
"""

import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connection

from reminders.models import ReminderLog
from reminders.services import reminders_send_due
from reminders.tests.conftest import NOW

WORKERS = 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_send_every_message_exactly_once(backend, enroll, frozen):
    if not connection.features.test_db_allows_multiple_connections:
        pytest.skip("the in-memory SQLite test database cannot serve several connections; run on PostgreSQL")
    for _ in range(10):
        enroll()
    barrier = threading.Barrier(WORKERS)
    results, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=10)
            results.append(reminders_send_due(now=NOW))
        except Exception as exc:  # reported below; a thread must not swallow it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    expected = 10 * 2 + 1  # a nudge and a behind notice per student, one digest
    assert sum(r.sent for r in results) == expected
    assert len(mail.outbox) == expected
    sent = Counter((m.to[0], m.subject) for m in mail.outbox)
    assert max(sent.values()) == 1
    assert sorted(set(ReminderLog.objects.values_list("status", "attempts"))) == [("sent", 1)]
    assert ReminderLog.objects.count() == expected
