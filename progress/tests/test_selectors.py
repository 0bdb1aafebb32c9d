"""progress.selectors: what to study next, prerequisites, section page data, dashboard, heatmap, descriptions."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone, translation
from freezegun import freeze_time

from accounts.tests.factories import StudentFactory
from curriculum.models import Prerequisite
from curriculum.selectors import curriculum_tree, section_for_page
from curriculum.tests.factories import PaperFactory, SectionFactory
from progress.models import ProgressEvent
from progress.selectors import (
    activity_heatmap,
    dashboard_for,
    event_description,
    heatmap_level,
    section_progress,
)
from progress.services import (
    paper_status_set,
    progress_note_set,
    progress_record,
    reading_list_add,
    reading_list_remove,
)
from progress.tests.factories import ProgressEventFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def course():
    """Part A (a1, a2), part B requiring A (b1, b2; b2 requires b1), top-level topic C, part D (d1..d4)."""
    a = SectionFactory(title="A")
    a1, a2 = SectionFactory(parent=a, title="a1"), SectionFactory(parent=a, title="a2")
    b = SectionFactory(title="B")
    b1, b2 = SectionFactory(parent=b, title="b1"), SectionFactory(parent=b, title="b2")
    c = SectionFactory(title="C")
    d = SectionFactory(title="D")
    ds = [SectionFactory(parent=d, title=f"d{i}") for i in range(1, 5)]
    Prerequisite.objects.create(section=b, required_section=a)
    Prerequisite.objects.create(section=b2, required_section=b1)
    return {"a": a, "a1": a1, "a2": a2, "b": b, "b1": b1, "b2": b2, "c": c, "d": d, **{s.title: s for s in ds}}


def titles(states):
    return [s.section.title for s in states]


def next_titles(user):
    return titles(dashboard_for(user=user, today=dt.date(2026, 3, 4)).study_next)


def test_study_next_follows_curriculum_order_and_prerequisites(course):
    student = StudentFactory()
    assert next_titles(student) == ["a1", "a2", "C", "d1", "d2"]
    progress_record(user=student, section=course["a1"], status="done")
    progress_record(user=student, section=course["a2"], status="in_progress")
    # A is 50 % complete, so B's topics wait; in-progress topics stay in the list.
    assert next_titles(student) == ["a2", "C", "d1", "d2", "d3"]
    progress_record(user=student, section=course["a2"], status="skipped")
    # A is complete (1 done of 2 − 1 skipped): b1 opens, b2 still waits for b1.
    assert next_titles(student) == ["b1", "C", "d1", "d2", "d3"]
    progress_record(user=student, section=course["b1"], status="done")
    assert next_titles(student) == ["b2", "C", "d1", "d2", "d3"]


def test_study_next_is_empty_when_everything_is_done():
    student = StudentFactory()
    topic = SectionFactory()
    progress_record(user=student, section=topic, status="done")
    dash = dashboard_for(user=student, today=dt.date(2026, 3, 4))
    assert (dash.study_next, dash.overall) == ((), 100.0)


def test_pending_prerequisites_include_those_of_containing_parts(course):
    student = StudentFactory()
    tree = curriculum_tree()
    progress = section_progress(user=student, section=section_for_page(course["b2"].slug), tree=tree)
    assert titles_of(progress.state.pending_prerequisites) == ["A", "b1"]
    progress_record(user=student, section=course["a1"], status="done")
    progress_record(user=student, section=course["a2"], status="done")
    progress = section_progress(user=student, section=section_for_page(course["b2"].slug), tree=tree)
    assert titles_of(progress.state.pending_prerequisites) == ["b1"]


def titles_of(sections):
    return [s.title for s in sections]


def test_section_progress_of_a_topic(course):
    student = StudentFactory()
    paper, other = PaperFactory(section=course["a1"]), PaperFactory(section=course["a1"])
    PaperFactory(section=course["a1"], is_archived=True)
    paper_status_set(user=student, paper=paper, status="reading")
    progress_record(user=student, section=course["a1"], status="done")
    progress_note_set(user=student, section=course["a1"], note="*笔记*")
    tree = curriculum_tree()
    result = section_progress(user=student, section=section_for_page(course["a1"].slug), tree=tree)
    assert result.authenticated is True
    assert (result.state.status, result.row.note_html) == ("done", "<p><em>笔记</em></p>")
    assert [(b.section.title if b.section else None, b.percent) for b in result.bars] == [
        ("A", 50.0),
        (None, 100.0 * 1 / 9),
    ]
    assert [(p.paper.pk, p.status) for p in result.papers] == [(paper.pk, "reading"), (other.pk, "")]
    assert (result.on_reading_list, result.origin) == (1, f"section:{course['a1'].pk}")


def test_section_progress_of_a_part_lists_children_states(course):
    student = StudentFactory()
    progress_record(user=student, section=course["b1"], status="in_progress")
    result = section_progress(user=student, section=section_for_page(course["b"].slug), tree=curriculum_tree())
    assert [(c.section.title, c.status, c.percent) for c in result.state.children] == [
        ("b1", "in_progress", 0.0),
        ("b2", "not_started", 0.0),
    ]
    assert [(b.section.title if b.section else None) for b in result.bars] == ["B", None]
    assert result.row is None


def test_section_progress_for_anonymous_makes_no_query(course, django_assert_num_queries):
    tree = curriculum_tree()
    section = section_for_page(course["b"].slug)
    with django_assert_num_queries(0):
        result = section_progress(user=AnonymousUser(), section=section, tree=tree)
    assert result.authenticated is False
    assert [(c.section.title, c.status) for c in result.state.children] == [
        ("b1", "not_started"),
        ("b2", "not_started"),
    ]
    assert result.bars == ()


def test_dashboard_counts_recent_activity_and_days_since():
    student = StudentFactory()
    part = SectionFactory(title="P")
    topics = [SectionFactory(parent=part, title=f"t{i}") for i in range(12)]
    with freeze_time("2026-03-01T02:00:00Z"):
        progress_record(user=student, section=topics[0], status="skipped")
    for i, topic in enumerate(topics[1:12], start=1):
        with freeze_time(dt.datetime(2026, 3, 1, 3, i, tzinfo=dt.UTC)):
            progress_record(user=student, section=topic, status="done" if i < 4 else "in_progress")
    with timezone.override(SHANGHAI), translation.override("en"):
        dash = dashboard_for(user=student, today=dt.date(2026, 3, 4))
    assert dash.counts == {"not_started": 0, "in_progress": 8, "done": 3, "skipped": 1}
    assert dash.overall == 100.0 * 3 / 11
    assert [a.text for a in dash.recent[:2]] == ["Started studying “t11”", "Started studying “t10”"]
    assert len(dash.recent) == 10
    assert dash.last_activity == dt.datetime(2026, 3, 1, 3, 11, tzinfo=dt.UTC)
    assert dash.days_since_activity == 3
    assert [(p.section.title, p.percent) for p in dash.all_parts()] == [("P", 100.0 * 3 / 11)]


def test_dashboard_days_since_activity_uses_local_dates():
    student = StudentFactory()
    topic = SectionFactory()
    # 2026-03-03 16:30 UTC is already 2026-03-04 00:30 in Shanghai: "today", not "1 day ago".
    with freeze_time("2026-03-03T16:30:00Z"):
        progress_record(user=student, section=topic, status="done")
    with timezone.override(SHANGHAI):
        assert dashboard_for(user=student, today=dt.date(2026, 3, 4)).days_since_activity == 0
    assert dashboard_for(user=StudentFactory(), today=dt.date(2026, 3, 4)).days_since_activity is None


def test_reading_list_order():
    student = StudentFactory()
    papers = [PaperFactory(title=f"p{i}") for i in range(4)]
    with freeze_time("2026-03-01T00:00:00Z"):
        paper_status_set(user=student, paper=papers[0], status="read")
    with freeze_time("2026-03-02T00:00:00Z"):
        reading_list_add(user=student, paper=papers[1])
    with freeze_time("2026-03-03T00:00:00Z"):
        paper_status_set(user=student, paper=papers[2], status="reading")
        reading_list_add(user=student, paper=papers[3])
    dash = dashboard_for(user=student, today=dt.date(2026, 3, 4))
    assert [(r.paper.title, r.status) for r in dash.reading_list] == [
        ("p2", "reading"),
        ("p3", "to_read"),
        ("p1", "to_read"),
        ("p0", "read"),
    ]


@pytest.mark.parametrize(
    ("count", "level"), [(0, 0), (1, 1), (2, 1), (3, 2), (5, 2), (6, 3), (9, 3), (10, 4), (250, 4)]
)
def test_heatmap_level(count, level):
    assert heatmap_level(count) == level


def events_at(user, section, when, n=1):
    with freeze_time(when):
        for _ in range(n):
            ProgressEventFactory(user=user, section=section)


def test_heatmap_counts_by_local_day_in_shanghai():
    student, other = StudentFactory(), StudentFactory()
    topic = SectionFactory()
    # Sunday 2026-03-01 23:59 in Shanghai (UTC+8).
    events_at(student, topic, "2026-03-01T15:59:00Z", n=2)
    # Monday 2026-03-02 00:30 in Shanghai, although still 1 March in UTC.
    events_at(student, topic, "2026-03-01T16:30:00Z", n=3)
    events_at(student, topic, "2026-03-03T01:00:00Z", n=6)
    events_at(student, topic, "2026-03-04T01:00:00Z", n=10)
    events_at(other, topic, "2026-03-04T01:00:00Z", n=4)  # someone else's
    # Sunday 2025-09-07 23:00 Shanghai: the day before the first week drawn.
    events_at(student, topic, "2025-09-07T15:00:00Z")
    events_at(student, topic, "2025-09-07T16:00:00Z")  # Monday 2025-09-08 00:00, the first day drawn
    with freeze_time("2026-03-04T02:00:00Z"), timezone.override(SHANGHAI), translation.override("en"):
        heatmap = activity_heatmap(user_id=student.pk, today=timezone.localdate())
    assert (heatmap.start, heatmap.today) == (dt.date(2025, 9, 8), dt.date(2026, 3, 4))
    assert len(heatmap.weeks) == 26
    assert all(len(w.days) == 7 for w in heatmap.weeks)
    assert heatmap.weeks[0].days[0].date == dt.date(2025, 9, 8)
    assert [(d.date, d.count, d.level, d.in_range) for d in heatmap.weeks[-1].days] == [
        (dt.date(2026, 3, 2), 3, 2, True),
        (dt.date(2026, 3, 3), 6, 3, True),
        (dt.date(2026, 3, 4), 10, 4, True),
        (dt.date(2026, 3, 5), 0, 0, False),
        (dt.date(2026, 3, 6), 0, 0, False),
        (dt.date(2026, 3, 7), 0, 0, False),
        (dt.date(2026, 3, 8), 0, 0, False),
    ]
    assert heatmap.weeks[-1].days[0].label == "March 2, 2026 (Mon): 3 updates"
    assert heatmap.weeks[-2].days[0].label == "Feb. 23, 2026 (Mon): 0 updates"
    assert (heatmap.count_on(dt.date(2026, 3, 1)), heatmap.weeks[-2].days[-1].level) == (2, 1)
    assert heatmap.count_on(dt.date(2025, 9, 8)) == 1
    assert (heatmap.total, heatmap.active_days) == (22, 5)
    assert heatmap.legend == ((0, "0"), (1, "1–2"), (2, "3–5"), (3, "6–9"), (4, "10+"))
    labels = [(w.days[0].date, w.month_label) for w in heatmap.weeks if w.month_label]
    assert labels == [
        (dt.date(2025, 10, 6), "Oct"),
        (dt.date(2025, 11, 3), "Nov"),
        (dt.date(2025, 12, 1), "Dec"),
        (dt.date(2026, 1, 5), "Jan"),
        (dt.date(2026, 2, 2), "Feb"),
        (dt.date(2026, 3, 2), "Mar"),
    ]


def test_heatmap_same_instant_other_time_zone_falls_on_the_previous_day():
    student = StudentFactory()
    events_at(student, SectionFactory(), "2026-03-01T16:30:00Z")
    with timezone.override(dt.UTC):
        heatmap = activity_heatmap(user_id=student.pk, today=dt.date(2026, 3, 4), weeks=2)
    assert (heatmap.count_on(dt.date(2026, 3, 1)), heatmap.count_on(dt.date(2026, 3, 2))) == (1, 0)
    assert (len(heatmap.weeks), heatmap.start) == (2, dt.date(2026, 2, 23))


def test_heatmap_labels_in_chinese():
    student = StudentFactory()
    events_at(student, SectionFactory(), "2026-03-02T01:00:00Z", n=1)
    with translation.override("zh-hans"), timezone.override(SHANGHAI):
        heatmap = activity_heatmap(user_id=student.pk, today=dt.date(2026, 3, 4), weeks=1)
    assert heatmap.weeks[0].month_label == "3月"
    assert heatmap.weeks[0].days[0].label == "2026年3月2日（星期一）：1 次更新"


def test_event_descriptions_in_english():
    student = StudentFactory()
    topic = SectionFactory(title="CNN模型")
    paper = PaperFactory(title="Attention")
    progress_record(user=student, section=topic, status="in_progress")
    progress_record(user=student, section=topic, status="done")
    progress_record(user=student, section=topic, status="in_progress")
    progress_record(user=student, section=topic, status="skipped")
    progress_record(user=student, section=topic, status="not_started")
    progress_note_set(user=student, section=topic, note="x")
    reading_list_add(user=student, paper=paper)
    paper_status_set(user=student, paper=paper, status="reading")
    paper_status_set(user=student, paper=paper, status="read")
    paper_status_set(user=student, paper=paper, status="to_read")
    reading_list_remove(user=student, paper=paper)
    with translation.override("en"):
        texts = [event_description(e) for e in ProgressEvent.objects.order_by("pk")]
    assert texts == [
        "Started studying “CNN模型”",
        "Marked “CNN模型” as done",
        "Reopened “CNN模型”",
        "Skipped “CNN模型”",
        "Reset “CNN模型” to not started",
        "Edited the note on “CNN模型”",
        "Added “Attention” to the reading list",
        "Started reading “Attention”",
        "Finished reading “Attention”",
        "Moved “Attention” back to “to read”",
        "Removed “Attention” from the reading list",
    ]


def test_event_description_in_chinese():
    student = StudentFactory()
    progress_record(user=student, section=SectionFactory(title="CNN模型"), status="done")
    with translation.override("zh-hans"):
        assert event_description(ProgressEvent.objects.get()) == "将“CNN模型”标记为已完成"
