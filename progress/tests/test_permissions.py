"""A student reads and changes only their own progress, whatever ids they guess or post."""

import pytest
from django.urls import reverse

from accounts.tests.factories import MentorFactory, StudentFactory
from curriculum.models import Section
from curriculum.tests.factories import PaperFactory, SectionFactory
from progress.models import PaperProgress, ProgressEvent, TopicProgress
from progress.services import paper_status_set, progress_note_set, progress_record

pytestmark = pytest.mark.django_db

SECRET = "alice-private-note-7f3a"


@pytest.fixture
def world():
    part = SectionFactory(title="Part", slug="part")
    topic = SectionFactory(parent=part, title="Topic", slug="topic")
    paper = PaperFactory(section=topic, title="Alice's paper")
    alice, bob = StudentFactory(), StudentFactory()
    progress_record(user=alice, section=topic, status="done")
    progress_note_set(user=alice, section=topic, note=SECRET)
    paper_status_set(user=alice, paper=paper, status="read")
    return {"topic": topic, "paper": paper, "alice": alice, "bob": bob}


def alice_state(world):
    row = TopicProgress.objects.get(user=world["alice"])
    paper_row = PaperProgress.objects.get(user=world["alice"])
    events = ProgressEvent.objects.filter(user=world["alice"]).count()
    return (row.status, row.note, paper_row.status, events)


ALICE_BEFORE = ("done", SECRET, "read", 3)


def test_posting_another_users_id_changes_only_ones_own_row(client, world):
    client.force_login(world["bob"])
    url = reverse("progress:topic_status", args=[world["topic"].pk])
    alice = world["alice"].pk
    response = client.post(url, {"status": "skipped", "user": alice, "user_id": alice, "student": alice})
    assert response.status_code == 302
    assert alice_state(world) == ALICE_BEFORE
    assert TopicProgress.objects.get(user=world["bob"]).status == "skipped"


def test_a_progress_row_pk_is_not_an_address(client, world):
    """No URL takes a progress row id; a guessed row pk used as a section id finds no section."""
    client.force_login(world["bob"])
    row_pk = TopicProgress.objects.get(user=world["alice"]).pk + 10_000
    TopicProgress.objects.filter(user=world["alice"]).update(id=row_pk)
    assert not Section.objects.filter(pk=row_pk).exists()
    for name in ("progress:topic_status", "progress:topic_note"):
        response = client.post(reverse(name, args=[row_pk]), {"status": "not_started", "note": "hacked"})
        assert response.status_code == 404
    assert alice_state(world) == ALICE_BEFORE


def test_removing_a_paper_that_is_only_on_someone_elses_list_is_a_404(client, world):
    client.force_login(world["bob"])
    url = reverse("progress:paper_reading", args=[world["paper"].pk])
    response = client.post(url, {"action": "remove", "user": world["alice"].pk})
    assert response.status_code == 404
    assert SECRET not in response.content.decode()
    assert alice_state(world) == ALICE_BEFORE


def test_changing_a_paper_status_touches_only_ones_own_list(client, world):
    client.force_login(world["bob"])
    client.post(reverse("progress:paper_reading", args=[world["paper"].pk]), {"status": "to_read"})
    assert alice_state(world) == ALICE_BEFORE
    assert PaperProgress.objects.get(user=world["bob"]).status == "to_read"


def test_a_note_is_shown_to_its_author_only(client, world):
    client.force_login(world["bob"])
    html = client.get(world["topic"].get_absolute_url()).content.decode()
    assert SECRET not in html
    assert 'aria-pressed="true">Not started' in html or 'aria-pressed="true">未开始' in html
    client.force_login(world["alice"])
    assert SECRET in client.get(world["topic"].get_absolute_url()).content.decode()


@pytest.mark.parametrize("query", ["", "?user=ALICE", "?user_id=ALICE", "?student=ALICE"])
def test_dashboard_and_exports_show_only_ones_own_data(client, world, query):
    client.force_login(world["bob"])
    query = query.replace("ALICE", str(world["alice"].pk))
    for name in ("progress:dashboard", "progress:export_csv", "progress:export_json"):
        response = client.get(reverse(name) + query)
        body = response.content.decode("utf-8")
        assert response.status_code == 200
        assert SECRET not in body
        assert "Alice's paper" not in body
        assert world["alice"].email not in body


def test_a_mentor_does_not_get_students_data_from_the_student_views(client, world):
    client.force_login(MentorFactory())
    body = client.get(reverse("progress:export_json") + f"?user={world['alice'].pk}").content.decode()
    assert SECRET not in body and world["alice"].email not in body


def test_anonymous_cannot_write_or_export(client, world):
    topic_url = reverse("progress:topic_status", args=[world["topic"].pk])
    assert client.post(topic_url, {"status": "skipped", "user": world["alice"].pk}).status_code == 302
    assert client.get(reverse("progress:export_csv")).status_code == 302
    assert alice_state(world) == ALICE_BEFORE
