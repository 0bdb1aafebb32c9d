"""progress.services: transitions, first-completion dates, events only on change, notes, leaf-only, papers."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from accounts.tests.factories import StudentFactory
from curriculum.tests.factories import PaperFactory, SectionFactory
from progress.models import PaperProgress, ProgressEvent, TopicProgress
from progress.services import (
    NOTE_MAX_LENGTH,
    paper_status_set,
    progress_note_set,
    progress_record,
    reading_list_add,
    reading_list_remove,
)

pytestmark = pytest.mark.django_db

T1 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
T2 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
T3 = dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def student():
    return StudentFactory()


@pytest.fixture
def topic():
    part = SectionFactory(title="神经网络模型基础")
    return SectionFactory(parent=part, title="CNN模型")


def events(user):
    return list(ProgressEvent.objects.filter(user=user).order_by("pk").values_list("kind", "from_status", "to_status"))


def test_first_status_creates_row_and_event(student, topic):
    with freeze_time(T1):
        row = progress_record(user=student, section=topic, status="in_progress")
    row.refresh_from_db()
    assert (row.status, row.started_at, row.completed_at) == ("in_progress", T1, None)
    assert events(student) == [("status", "not_started", "in_progress")]


def test_completed_at_is_set_only_on_the_first_transition_to_done(student, topic):
    with freeze_time(T1):
        progress_record(user=student, section=topic, status="in_progress")
    with freeze_time(T2):
        progress_record(user=student, section=topic, status="done")
    with freeze_time(T3):
        progress_record(user=student, section=topic, status="in_progress")
        row = progress_record(user=student, section=topic, status="done")
    row.refresh_from_db()
    assert (row.status, row.started_at, row.completed_at) == ("done", T1, T2)
    assert events(student) == [
        ("status", "not_started", "in_progress"),
        ("status", "in_progress", "done"),
        ("status", "done", "in_progress"),
        ("status", "in_progress", "done"),
    ]


def test_straight_to_done_sets_both_dates(student, topic):
    with freeze_time(T1):
        row = progress_record(user=student, section=topic, status="done")
    assert (row.started_at, row.completed_at) == (T1, T1)
    assert events(student) == [("status", "not_started", "done")]


def test_skipping_does_not_mark_the_topic_started(student, topic):
    row = progress_record(user=student, section=topic, status="skipped")
    assert (row.status, row.started_at, row.completed_at) == ("skipped", None, None)


def test_reset_to_not_started_keeps_the_history_dates(student, topic):
    with freeze_time(T1):
        progress_record(user=student, section=topic, status="done")
    with freeze_time(T2):
        row = progress_record(user=student, section=topic, status="not_started")
    row.refresh_from_db()
    assert (row.status, row.started_at, row.completed_at) == ("not_started", T1, T1)
    assert events(student)[-1] == ("status", "done", "not_started")


def test_unchanged_status_writes_nothing(student, topic):
    with freeze_time(T1):
        progress_record(user=student, section=topic, status="done")
    with freeze_time(T2), CaptureQueriesContext(connection) as queries:
        row = progress_record(user=student, section=topic, status="done")
    writes = [q["sql"] for q in queries if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    row.refresh_from_db()
    assert row.modified == T1
    assert events(student) == [("status", "not_started", "done")]


def test_not_started_on_a_topic_without_row_writes_no_event(student, topic):
    progress_record(user=student, section=topic, status="not_started")
    assert events(student) == []


def test_unknown_status_is_refused(student, topic):
    with pytest.raises(ValidationError) as excinfo:
        progress_record(user=student, section=topic, status="finished")
    assert excinfo.value.code == "invalid_status"
    assert TopicProgress.objects.count() == 0


def test_a_part_cannot_get_progress(student, topic):
    with pytest.raises(ValidationError) as excinfo:
        progress_record(user=student, section=topic.parent, status="done")
    assert excinfo.value.code == "not_a_topic"
    assert "神经网络模型基础" in excinfo.value.messages[0]
    assert TopicProgress.objects.count() == 0
    assert ProgressEvent.objects.count() == 0


def test_a_part_whose_children_are_all_archived_is_a_topic(student):
    part = SectionFactory()
    SectionFactory(parent=part, is_archived=True)
    assert progress_record(user=student, section=part, status="done").status == "done"


def test_an_archived_topic_is_refused(student):
    archived = SectionFactory(is_archived=True)
    with pytest.raises(ValidationError) as excinfo:
        progress_record(user=student, section=archived, status="done")
    assert excinfo.value.code == "archived"


def test_students_have_separate_rows(topic):
    a, b = StudentFactory(), StudentFactory()
    progress_record(user=a, section=topic, status="done")
    progress_record(user=b, section=topic, status="skipped")
    assert dict(TopicProgress.objects.values_list("user_id", "status")) == {a.pk: "done", b.pk: "skipped"}


def test_note_is_rendered_sanitised_into_note_html(student, topic):
    note = "**hi** <script>alert(1)</script> [x](javascript:alert(1))\r\n\r\n- a\r\n- b   \r\n"
    row = progress_note_set(user=student, section=topic, note=note)
    row.refresh_from_db()
    assert row.note == "**hi** <script>alert(1)</script> [x](javascript:alert(1))\n\n- a\n- b"
    assert row.note_html == "<p><strong>hi</strong> alert(1) <a>x</a></p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>"
    assert row.status == "not_started"
    assert events(student) == [("note", "", "")]


def test_note_unchanged_writes_no_event_and_blank_clears(student, topic):
    progress_record(user=student, section=topic, status="in_progress")
    progress_note_set(user=student, section=topic, note="先读论文")
    progress_note_set(user=student, section=topic, note="先读论文\n")
    row = progress_note_set(user=student, section=topic, note="   ")
    assert (row.note, row.note_html, row.status) == ("", "", "in_progress")
    assert events(student) == [("status", "not_started", "in_progress"), ("note", "", ""), ("note", "", "")]


def test_blank_note_on_topic_without_row_writes_no_event(student, topic):
    progress_note_set(user=student, section=topic, note="")
    assert events(student) == []


def test_note_too_long_is_refused(student, topic):
    with pytest.raises(ValidationError) as excinfo:
        progress_note_set(user=student, section=topic, note="x" * (NOTE_MAX_LENGTH + 1))
    assert excinfo.value.code == "note_too_long"


def test_note_with_a_nul_character_is_refused(student, topic):
    """PostgreSQL cannot store NUL in text: the note is refused (a 400 in the view), not a 500."""
    with pytest.raises(ValidationError) as excinfo:
        progress_note_set(user=student, section=topic, note="a\x00b")
    assert excinfo.value.code == "null_characters_not_allowed"
    assert not TopicProgress.objects.filter(user=student, section=topic).exists()


def test_note_on_a_part_is_refused(student, topic):
    with pytest.raises(ValidationError) as excinfo:
        progress_note_set(user=student, section=topic.parent, note="x")
    assert excinfo.value.code == "not_a_topic"


def test_reading_list_add_keeps_an_existing_status(student):
    paper = PaperFactory()
    reading_list_add(user=student, paper=paper)
    paper_status_set(user=student, paper=paper, status="reading")
    row = reading_list_add(user=student, paper=paper)
    assert row.status == "reading"
    assert events(student) == [("status", "", "to_read"), ("status", "to_read", "reading")]


def test_paper_read_date_is_set_only_the_first_time(student):
    paper = PaperFactory()
    with freeze_time(T1):
        paper_status_set(user=student, paper=paper, status="read")
    with freeze_time(T2):
        paper_status_set(user=student, paper=paper, status="reading")
        paper_status_set(user=student, paper=paper, status="read")
        row = paper_status_set(user=student, paper=paper, status="read")
    row.refresh_from_db()
    assert (row.status, row.completed_at) == ("read", T1)
    assert events(student) == [("status", "", "read"), ("status", "read", "reading"), ("status", "reading", "read")]


def test_reading_list_remove(student):
    paper = PaperFactory()
    paper_status_set(user=student, paper=paper, status="reading")
    assert reading_list_remove(user=student, paper=paper) is True
    assert reading_list_remove(user=student, paper=paper) is False
    assert PaperProgress.objects.count() == 0
    assert events(student) == [("status", "", "reading"), ("status", "reading", "")]


def test_archived_paper_cannot_be_added_but_can_be_removed(student):
    paper = PaperFactory()
    reading_list_add(user=student, paper=paper)
    paper.is_archived = True
    paper.save(update_fields=["is_archived"])
    with pytest.raises(ValidationError):
        reading_list_add(user=student, paper=paper)
    with pytest.raises(ValidationError):
        paper_status_set(user=student, paper=paper, status="read")
    assert reading_list_remove(user=student, paper=paper) is True


def test_invalid_paper_status_is_refused(student):
    with pytest.raises(ValidationError) as excinfo:
        paper_status_set(user=student, paper=PaperFactory(), status="done")
    assert excinfo.value.code == "invalid_status"
    assert PaperProgress.objects.count() == 0


def test_events_are_append_only(student, topic):
    progress_record(user=student, section=topic, status="done")
    event = ProgressEvent.objects.get()
    event.to_status = "skipped"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
