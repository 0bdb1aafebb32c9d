"""A mentor's journey in the browser over the demo cohort (``setup_demo``): the cohort list, the cohort
page with its chart and matrix, the status filters, and a student's page with the activity heatmap.
Every page is checked with axe-core and screenshotted; the cohort and student pages also at phone width."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import StudentFactory
from cohorts.services import enrollment_create
from curriculum.models import Section
from progress.models import TopicProgress
from progress.services import progress_record
from tests.browser.conftest import PHONE, assert_fits_phone, check_page, new_page, session_state, visit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cohort_with_three_paces(demo):
    """The demo cohort (in its fourth week; part 1 "提示工程" due in week 2) with three students:
    李同学 (the demo student, no progress since enrolling: stalled), 赵同学 (a topic done today but
    part 1 unfinished: behind) and 钱同学 (part 1 finished today: on track)."""
    cohort = demo["cohort"]
    part_one = Section.objects.get(slug="prompt-engineering")
    behind = StudentFactory(display_name="赵同学", email="zhao@example.org")
    on_track = StudentFactory(display_name="钱同学", email="qian@example.org")
    for student in (behind, on_track):
        enrollment_create(cohort=cohort, user=student, enrolled_on=cohort.start_date)
    topics = list(part_one.children.order_by("order"))
    progress_record(user=behind, section=topics[0], status=TopicProgress.Status.DONE)
    for topic in topics:
        progress_record(user=on_track, section=topic, status=TopicProgress.Status.DONE)
    return {"cohort": cohort, "stalled": demo["student"], "behind": behind, "on_track": on_track}


def matrix_rows(page) -> list[list[str]]:
    """The cohort matrix as [student name, status pill] per row, in the order shown."""
    rows = page.locator("table.cohort-matrix tbody tr")
    return [
        [row.locator("th.col-name a").inner_text(), row.locator("td.col-status .pill").inner_text()]
        for row in rows.all()
    ]


def test_mentor_follows_the_cohort_filters_by_status_and_opens_a_student(
    browser, live_server, demo, cohort_with_three_paces
):
    base = live_server.url
    cohort = cohort_with_three_paces["cohort"]
    behind = cohort_with_three_paces["behind"]
    page = new_page(browser, storage_state=session_state(live_server, demo["mentor"]))
    try:
        visit(page, f"{base}/cohorts/", "mentor-01-cohorts")
        card = page.locator("article.cohort-card")
        expect(card).to_have_count(1)
        assert card.locator("h2").inner_text() == "2026 秋季"
        card.get_by_role("link", name="2026 秋季").click()
        page.wait_for_url(f"{base}/cohorts/{cohort.pk}/")
        page.wait_for_load_state("networkidle")
        check_page(page, "mentor-02-cohort")

        # Headline figures and the matrix: most urgent first, each student with their status pill.
        # Average completion: (0 + 1 + 3 topics done) / 3 students over the curriculum's 20 topics.
        assert page.locator(".stat-grid .stat-value").all_inner_texts() == ["3", "7%", "1", "1"]
        assert matrix_rows(page) == [["李同学", "停滞"], ["赵同学", "落后"], ["钱同学", "进度正常"]]
        demo_row = page.locator("table.cohort-matrix tbody tr").first
        assert demo_row.locator("td.col-overall").inner_text() == "0%"
        # The chart of completion over time is drawn inline.
        chart = page.locator("figure.chart-figure svg")
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 150

        # Filters: stalled, then behind.
        filters = page.locator("nav.status-filter")
        assert [" ".join(t.split()) for t in filters.locator("a").all_inner_texts()] == [
            "全部 3",
            "需要关注 2",
            "落后 1",
            "停滞 1",
            "进度正常 1",
        ]
        filters.get_by_role("link", name=re.compile(r"^停滞")).click()
        page.wait_for_url(re.compile(r"\?status=stalled$"))
        assert matrix_rows(page) == [["李同学", "停滞"]]
        expect(filters.locator("a[aria-current=true]")).to_have_text(re.compile(r"^停滞"))
        check_page(page, "mentor-03-cohort-stalled")
        filters.get_by_role("link", name=re.compile(r"^落后")).click()
        page.wait_for_url(re.compile(r"\?status=behind$"))
        assert matrix_rows(page) == [["赵同学", "落后"]]
        check_page(page, "mentor-04-cohort-behind")

        # The behind student's page: status, overdue part, the heatmap with today's activity.
        page.get_by_role("link", name="赵同学").click()
        page.wait_for_url(f"{base}/cohorts/{cohort.pk}/students/{behind.pk}/")
        page.wait_for_load_state("networkidle")
        assert page.locator("h1").inner_text().split() == ["赵同学", "落后"]
        assert page.locator(".notice-warn a").all_inner_texts() == ["提示工程"]
        heatmap = page.locator(".heatmap-grid")
        expect(heatmap).to_be_visible()
        active = heatmap.locator(".hm-cell:is(.hm-l1, .hm-l2, .hm-l3, .hm-l4)")
        expect(active).to_have_count(1)
        assert heatmap.locator(".hm-cell[role=img]").count() == 26 * 7 - heatmap.locator(".hm-future").count()
        check_page(page, "mentor-05-student")
        assert page.console_errors == []

        phone = new_page(browser, viewport=PHONE, storage_state=page.context.storage_state())
        try:
            for url, name in [
                (f"/cohorts/{cohort.pk}/", "phone-cohort"),
                (f"/cohorts/{cohort.pk}/students/{behind.pk}/", "phone-cohort-student"),
                ("/cohorts/", "phone-cohorts"),
            ]:
                phone.goto(base + url)
                assert_fits_phone(phone, name)
            phone.goto(f"{base}/cohorts/{cohort.pk}/")
            expect(phone.locator("figure.chart-figure svg")).to_be_visible()
            assert phone.console_errors == []
        finally:
            phone.context.close()
    finally:
        page.context.close()
