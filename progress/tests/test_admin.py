"""The admin shows progress read-only and never a student's private note."""

import pytest
from django.urls import reverse

from accounts.tests.factories import AdminFactory, StudentFactory
from curriculum.tests.factories import SectionFactory
from progress.models import TopicProgress
from progress.services import progress_note_set, progress_record

pytestmark = pytest.mark.django_db


def test_admin_lists_progress_without_notes_and_cannot_change_it(client):
    student, topic = StudentFactory(), SectionFactory(title="CNN模型")
    progress_record(user=student, section=topic, status="done")
    progress_note_set(user=student, section=topic, note="private-note-9c1e")
    client.force_login(AdminFactory())
    row = TopicProgress.objects.get()
    for url in (
        reverse("admin:progress_topicprogress_changelist"),
        reverse("admin:progress_topicprogress_change", args=[row.pk]),
        reverse("admin:progress_progressevent_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert "private-note-9c1e" not in response.content.decode()
    assert client.get(reverse("admin:progress_topicprogress_add")).status_code == 403
    response = client.post(reverse("admin:progress_topicprogress_change", args=[row.pk]), {"status": "skipped"})
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.status == "done"
