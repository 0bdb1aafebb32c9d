"""The dashboard, section pages and exports cost a fixed number of queries, whatever the size of the
curriculum or of the student's history.

A small curriculum (5 parts × 3 topics, a new student) and one about three times the guide's size
(15 parts × 6 topics, every topic with progress, 300 events, 30 papers on the reading list) must
render with the same count, pinned here.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from accounts.tests.factories import StudentFactory
from curriculum.models import Paper, Prerequisite
from curriculum.tests.factories import curriculum_build
from progress.models import ProgressEvent
from progress.services import paper_status_set, progress_note_set, progress_record

pytestmark = pytest.mark.django_db

#: Pinned query counts. Dashboard: session, user, groups (navigation), tree, statuses, prerequisite
#: edges, reading list, recent events, heatmap. Section page: session, user, section + 5 prefetches,
#: tree, groups, statuses, prerequisite edges (+ this topic's row and its papers' reading rows on a topic).
#: Export: session, user, tree, topic rows, reading list. An htmx change from the dashboard: the
#: write (leaf check, locked row, update/insert, event; savepoints count in tests) plus the dashboard.
DASHBOARD_QUERIES = 12  # includes the quiz mastery table (3)
PART_PAGE_QUERIES = 13  # includes the section quizzes (1)
TOPIC_PAGE_QUERIES = 16  # includes the section quizzes (1) and the health of its links (1, linkcheck)
EXPORT_QUERIES = 5
HTMX_DASHBOARD_CHANGE_MAX = 20


def build(parts, topics_per_part, *, history):
    roots = curriculum_build(parts=parts, topics_per_part=topics_per_part)
    for earlier, later in zip(roots, roots[1:], strict=False):
        Prerequisite.objects.create(section=later, required_section=earlier)
    student = StudentFactory()
    if history:
        topics = [t for root in roots for t in root.children.all()]
        statuses = ["done", "in_progress", "skipped"]
        start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        with freeze_time(start) as frozen:
            for i, topic in enumerate(topics):
                frozen.move_to(start + dt.timedelta(days=i))
                progress_record(user=student, section=topic, status="in_progress")
                progress_record(user=student, section=topic, status=statuses[i % 3])
                progress_note_set(user=student, section=topic, note=f"笔记 {i}")
        for i, paper in enumerate(Paper.objects.order_by("pk")[:30]):
            paper_status_set(user=student, paper=paper, status=["to_read", "reading", "read"][i % 3])
        extra = 300 - ProgressEvent.objects.filter(user=student).count()
        ProgressEvent.objects.bulk_create(
            [ProgressEvent(user=student, section=topics[i % len(topics)], from_status="done", to_status="in_progress")
             for i in range(extra)]
        )  # fmt: skip
        assert ProgressEvent.objects.filter(user=student).count() == 300
    return roots, student


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


@pytest.fixture(params=[(5, 3, False), (15, 6, True)], ids=["small-new-student", "3x-guide-long-history"])
def setup(request, client):
    parts, topics_per_part, history = request.param
    roots, student = build(parts, topics_per_part, history=history)
    client.force_login(student)
    return client, roots


def test_dashboard_query_count(setup):
    client, _ = setup
    assert count(client, reverse("progress:dashboard")) == DASHBOARD_QUERIES


def test_part_page_query_count(setup):
    client, roots = setup
    assert count(client, roots[-1].get_absolute_url()) == PART_PAGE_QUERIES


def test_topic_page_query_count(setup):
    client, roots = setup
    topic = roots[-1].children.order_by("order").last()
    assert count(client, topic.get_absolute_url()) == TOPIC_PAGE_QUERIES


def test_export_query_count(setup):
    client, _ = setup
    assert count(client, reverse("progress:export_csv")) == EXPORT_QUERIES
    assert count(client, reverse("progress:export_json")) == EXPORT_QUERIES


def test_htmx_change_on_the_dashboard_is_bounded(setup, django_assert_max_num_queries):
    client, roots = setup
    topic = roots[0].children.order_by("order").first()
    with django_assert_max_num_queries(HTMX_DASHBOARD_CHANGE_MAX):
        response = client.post(
            reverse("progress:topic_status", args=[topic.pk]),
            {"status": "skipped", "origin": "dashboard"},
            HTTP_HX_REQUEST="true",
        )
    assert response.status_code == 200
