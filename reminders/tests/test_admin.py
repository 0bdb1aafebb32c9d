"""The reminder log in Django admin: read-only, filters by kind, status and date."""

import pytest
from django.urls import reverse

from accounts.tests.factories import PASSWORD, AdminFactory
from reminders.tests.factories import ReminderLogFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = AdminFactory(language="en")
    client.login(email=admin.email, password=PASSWORD)
    return client


def test_changelist_filters_and_date_hierarchy(admin_client):
    sent = ReminderLogFactory(kind="inactivity", status="sent")
    failed = ReminderLogFactory(kind="digest", status="failed", period_key="2026-W11", error="SMTP down")
    url = reverse("admin:reminders_reminderlog_changelist")
    page = admin_client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    for fragment in ("?kind__exact=digest", "?status__exact=failed", "created__gte", '<nav class="toplinks">'):
        assert fragment in body
    filtered = admin_client.get(url, {"status__exact": "failed"})
    assert list(filtered.context["cl"].result_list) == [failed]
    year = sent.created.year
    by_year = admin_client.get(url, {"created__year": year})
    assert set(by_year.context["cl"].result_list) == {sent, failed}
    assert f"/reminders/preview/?user={failed.user_id}&amp;kind=digest" in body


def test_log_rows_cannot_be_added_changed_or_deleted_in_admin(admin_client):
    log = ReminderLogFactory()
    assert admin_client.get(reverse("admin:reminders_reminderlog_add")).status_code == 403
    change = admin_client.get(reverse("admin:reminders_reminderlog_change", args=[log.pk]))
    assert change.status_code == 200  # view only
    assert b'name="_save"' not in change.content
    assert admin_client.post(reverse("admin:reminders_reminderlog_delete", args=[log.pk])).status_code == 403
