"""Mentor pages: rendering, sorting and filtering links, the chart, the CSV export, the student
page, bulk enrollment, and the "done when" scenario of the issue."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.urls import reverse
from freezegun import freeze_time

from accounts.tests.factories import AdminFactory, StudentFactory
from cohorts.models import Enrollment
from cohorts.pace import PaceStatus
from cohorts.tests.conftest import NOW, sh
from cohorts.tests.factories import EnrollmentFactory
from progress.services import progress_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def mentor_client(client, scenario):
    """The scenario's mentor, logged in, with English pages."""
    client.force_login(scenario.mentor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _html(response) -> str:
    return response.content.decode()


def _row_names(html: str) -> list[str]:
    return re.findall(r'<th scope="row" class="col-name"><a href="[^"]+">([^<]+)</a>', html)


@freeze_time(NOW)
def test_mentor_home_lists_cohorts_with_headline_figures(mentor_client, scenario):
    response = mentor_client.get(reverse("cohorts:mentor_home"))
    assert response.status_code == 200
    html = _html(response)
    assert "2026 秋季" in html
    assert "2025 秋季" not in html  # not theirs
    figures = re.findall(r"<dt>([^<]+)</dt><dd>(?:<a[^>]*>)?([^<]+)<", html)
    assert figures == [("Students", "3"), ("Average completion", "19%"), ("Behind", "1"), ("Stalled", "1")]
    assert "2 students need attention" in html
    assert 'style="' not in html


@freeze_time(NOW)
def test_cohort_page_shows_matrix_chart_and_pills(mentor_client, scenario):
    response = mentor_client.get(reverse("cohorts:cohort_detail", args=[scenario.cohort.pk]))
    assert response.status_code == 200
    html = _html(response)
    assert _row_names(html) == ["Bob", "Carol", "Alice"]  # most urgent first
    assert '<span class="pill pill-bad">Stalled</span>' in html
    assert '<span class="pill pill-warn">Behind</span>' in html
    assert '<span class="pill pill-ok">On track</span>' in html
    # Heat cells by 10 % bucket: Alice's A (100 %), B (33 %), Carol's A (50 %).
    assert '<td class="num heat heat-10">100%</td>' in html
    assert '<td class="num heat heat-3">33%</td>' in html
    assert '<td class="num heat heat-5 overdue">50%' in html
    # Last activity: Carol this morning, Alice yesterday, Bob never.
    assert '<time datetime="2026-09-17T09:00:00+08:00" title="2026-09-17 09:00">today</time>' in html
    assert '<time datetime="2026-09-16T10:00:00+08:00" title="2026-09-16 10:00">yesterday</time>' in html
    assert '<td><span class="muted">never</span></td>' in html
    assert '<div class="table-wrap">' in html
    assert 'style="' not in html  # the CSP forbids inline styles
    assert "cohorts/cohorts.css" in html
    # The chart: title, description, both lines.
    assert '<svg class="progress-chart"' in html
    assert "<title id=" in html and "<desc id=" in html
    assert 'class="chart-actual"' in html and 'class="chart-planned"' in html


@freeze_time(NOW)
def test_sort_headers_are_links_with_aria_sort(mentor_client, scenario):
    url = reverse("cohorts:cohort_detail", args=[scenario.cohort.pk])
    html = _html(mentor_client.get(url))
    assert re.search(r'<th scope="col" class="col-status" aria-sort="ascending">\s*<a href="\?sort=-status">', html)
    assert re.search(r'<th scope="col" class="col-name">\s*<a href="\?sort=name">', html)
    html = _html(mentor_client.get(url, {"sort": "-overall", "status": "attention"}))
    assert re.search(
        r'<th scope="col" class="col-overall" aria-sort="descending">\s*<a href="\?sort=overall&amp;status=attention">',
        html,
    )
    assert html.count("aria-sort=") == 1
    assert _row_names(html) == ["Carol", "Bob"]
    section_key = f"sec-{scenario.part_a.pk}"
    html = _html(mentor_client.get(url, {"sort": f"-{section_key}"}))
    assert _row_names(html) == ["Alice", "Carol", "Bob"]


@freeze_time(NOW)
@pytest.mark.parametrize(
    ("status", "names"),
    [("behind", ["Carol"]), ("stalled", ["Bob"]), ("on_track", ["Alice"]), ("attention", ["Bob", "Carol"])],
)
def test_status_filter(mentor_client, scenario, status, names):
    response = mentor_client.get(reverse("cohorts:cohort_detail", args=[scenario.cohort.pk]), {"status": status})
    html = _html(response)
    assert _row_names(html) == names
    assert re.search(rf'<a href="\?status={status}" aria-current="true">', html)


@freeze_time(NOW)
@pytest.mark.parametrize("query", [{"sort": "password"}, {"status": "lost"}, {"sort": "sec-0"}])
def test_invalid_sort_or_filter_is_a_400(mentor_client, scenario, query):
    for name in ("cohorts:cohort_detail", "cohorts:cohort_csv"):
        assert mentor_client.get(reverse(name, args=[scenario.cohort.pk]), query).status_code == 400


@freeze_time(NOW)
def test_csv_export_exact(mentor_client, scenario):
    response = mentor_client.get(reverse("cohorts:cohort_csv", args=[scenario.cohort.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="cohort-{scenario.cohort.pk}-2026-09-17.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert response.content.decode("utf-8") == (
        "\ufeff"
        "Name,Email,Enrolled on,Status,Overall (%),Prompt 工程 (%),神经网络 (%),附录 (%),"
        "Best quiz score (%),Sections mastered (of 2),Last activity,Days inactive,Overdue sections\r\n"
        "Bob,bob@x.org,2026-09-07,Stalled,0.0,0.0,0.0,0.0,,0,,,Prompt 工程\r\n"
        "Carol,carol@x.org,2026-09-07,Behind,16.7,50.0,0.0,0.0,70.0,1,2026-09-17 09:00,0,Prompt 工程\r\n"
        "Alice,alice@x.org,2026-09-07,On track,40.0,100.0,33.3,0.0,90.0,1,2026-09-16 10:00,1,\r\n"
    )


@freeze_time(NOW)
def test_csv_follows_sort_and_filter_and_neutralises_formulas(mentor_client, scenario):
    scenario.alice.display_name = "=HYPERLINK(1)"
    scenario.alice.save(update_fields=["display_name"])
    response = mentor_client.get(
        reverse("cohorts:cohort_csv", args=[scenario.cohort.pk]), {"sort": "-overall", "status": "on_track"}
    )
    lines = response.content.decode("utf-8").splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("'=HYPERLINK(1),alice@x.org,")


@freeze_time(NOW)
def test_chart_svg_points(mentor_client, scenario):
    response = mentor_client.get(reverse("cohorts:cohort_chart", args=[scenario.cohort.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    svg = _html(response)
    assert svg.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')
    # Plot area x 52–700 over 4 weeks (162 per week), y 272 (0 %) to 40 (100 %).
    # Actual: week 0 → 0 %, week 1 → 6.67 %, week 1.5 → 18.89 %.
    assert 'points="52,272 214,256.5 295,228.2"' in svg
    # Plan: week 0 → 0 %, week 1 → 33.3 % (A), week 3 → 83.3 % (A + B).
    assert 'points="52,272 214,194.7 538,78.7"' in svg
    assert "Week 1.5: 18.9%" in svg


@freeze_time(NOW)
def test_student_page(mentor_client, scenario):
    url = reverse("cohorts:student_detail", args=[scenario.cohort.pk, scenario.carol.pk])
    response = mentor_client.get(url)
    assert response.status_code == 200
    html = _html(response)
    assert "carol@x.org" in html
    assert '<span class="pill pill-warn">Behind</span>' in html
    assert 'aria-label="Prompt 工程"' in html and 'value="50"' in html  # the section's progress bar
    assert "Prompt 小测" in html and "b1 小测" in html  # quiz attempts
    assert "Marked “a1” as done" in html  # the timeline
    assert '<figure class="heatmap">' in html  # active days, from the progress app
    assert "Past due and not complete:" in html
    assert 'style="' not in html
    assert "<form" not in html.split('<main id="main"')[1]  # read-only


@freeze_time(NOW)
def test_student_of_another_cohort_is_404(mentor_client, scenario):
    url = reverse("cohorts:student_detail", args=[scenario.cohort.pk, scenario.outsider.pk])
    assert mentor_client.get(url).status_code == 404


def test_mentor_bulk_enroll(mentor_client, scenario):
    StudentFactory(email="dan@x.org")
    url = reverse("cohorts:cohort_enroll", args=[scenario.cohort.pk])
    assert mentor_client.get(url).status_code == 200
    response = mentor_client.post(url, {"emails": "dan@x.org\nalice@x.org\noops"})
    assert response.status_code == 200
    html = _html(response)
    assert "Enrolled: 1</dt>\n    <dd>dan@x.org</dd>" in html
    assert "Already enrolled or invited: 1</dt>\n    <dd>alice@x.org</dd>" in html
    assert "Invalid: 1</dt>\n    <dd>oops</dd>" in html
    assert Enrollment.objects.filter(cohort=scenario.cohort, user__email="dan@x.org", is_active=True).exists()


def test_mentor_bulk_enroll_empty_form_is_400(mentor_client, scenario):
    response = mentor_client.post(reverse("cohorts:cohort_enroll", args=[scenario.cohort.pk]), {"emails": " ,; "})
    assert response.status_code == 400
    assert "Enter at least one email address." in _html(response)


def test_done_when_recording_progress_puts_students_back_on_track(client, scenario):
    """Bob (stalled) and Carol (behind) record progress; the page, chart and figures follow."""
    s = scenario
    client.force_login(AdminFactory())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("cohorts:cohort_detail", args=[s.cohort.pk])
    with freeze_time(NOW):
        response = client.get(url)
        statuses = {r.name: r.status for r in response.context["rows"]}
        assert statuses == {"Alice": PaceStatus.ON_TRACK, "Bob": PaceStatus.STALLED, "Carol": PaceStatus.BEHIND}
        assert response.context["history"].actual_now == pytest.approx((40 + 0 + 100 / 6) / 3)

    later = NOW + dt.timedelta(hours=2)
    with freeze_time(later):
        # Through the progress app's one door for writes (summary row + event).
        progress_record(user=s.bob, section=s.a1, status="done")
        progress_record(user=s.bob, section=s.a2, status="done")
        progress_record(user=s.carol, section=s.a2, status="done")
        response = client.get(url)
    statuses = {r.name: r.status for r in response.context["rows"]}
    assert statuses == {"Alice": PaceStatus.ON_TRACK, "Bob": PaceStatus.ON_TRACK, "Carol": PaceStatus.ON_TRACK}
    assert response.context["matrix"].counts == {"on_track": 3, "behind": 0, "stalled": 0}
    # Everyone has 2 of 6 topics (Alice: 2 of 5 counted): (40 + 33.3 + 33.3) / 3.
    assert response.context["history"].actual_now == pytest.approx((40 + 100 / 3 + 100 / 3) / 3)
    assert _row_names(_html(response)) == ["Alice", "Bob", "Carol"]


def test_student_goes_from_on_track_to_stalled_as_days_pass(client, scenario):
    client.force_login(scenario.mentor)
    url = reverse("cohorts:cohort_detail", args=[scenario.cohort.pk])
    with freeze_time(sh(2026, 9, 23, 9, 59)):  # Alice's last event was 09-16 10:00: 6 days 23 h
        assert {r.name: r.status for r in client.get(url).context["rows"]}["Alice"] == PaceStatus.ON_TRACK
    with freeze_time(sh(2026, 9, 23, 10, 0)):
        assert {r.name: r.status for r in client.get(url).context["rows"]}["Alice"] == PaceStatus.STALLED


@freeze_time(NOW)
def test_matrix_is_paginated_after_sorting_and_filtering(mentor_client, scenario):
    from accounts.models import User
    from cohorts.views import MATRIX_PAGE_SIZE

    users = User.objects.bulk_create(
        [User(email=f"extra{i:02d}@x.org", display_name=f"Z{i:02d}", password="!") for i in range(MATRIX_PAGE_SIZE)]
    )
    Enrollment.objects.bulk_create(
        [Enrollment(cohort=scenario.cohort, user=u, enrolled_on=scenario.cohort.start_date) for u in users]
    )
    url = reverse("cohorts:cohort_detail", args=[scenario.cohort.pk])
    first = _html(mentor_client.get(url, {"sort": "name"}))
    assert _row_names(first)[:3] == ["Alice", "Bob", "Carol"]
    assert len(_row_names(first)) == MATRIX_PAGE_SIZE
    assert "Students 1–50 of 53" in first
    assert '<a href="?sort=name&amp;page=2">2</a>' in first
    second = _html(mentor_client.get(url, {"sort": "name", "page": 2}))
    assert _row_names(second) == ["Z47", "Z48", "Z49"]
    assert '<a href="?sort=name&amp;page=2" aria-current="page">2</a>' in second
    # The headline figures cover the whole cohort, not the page.
    assert re.search(r'<span class="stat-value">53</span><span class="stat-label">Students', second)
    # Past the last page: the last page.
    assert _row_names(_html(mentor_client.get(url, {"sort": "name", "page": 99}))) == ["Z47", "Z48", "Z49"]


def test_mentor_bulk_enroll_invites_unknown_addresses(
    mentor_client, scenario, django_capture_on_commit_callbacks, mailoutbox
):
    url = reverse("cohorts:cohort_enroll", args=[scenario.cohort.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = mentor_client.post(url, {"emails": "张三 <zhang@x.org>"})
    html = _html(response)
    assert "Invited (will join on sign-up): 1</dt>\n    <dd>zhang@x.org</dd>" in html
    assert [m.to for m in mailoutbox] == [["zhang@x.org"]]
    from accounts.models import Invitation

    assert Invitation.objects.get(email="zhang@x.org").invited_by == scenario.mentor


def test_cached_figures_follow_new_quiz_attempts_and_enrollments(mentor_client, scenario):
    """The figures are cached under a signature of the data: any change shows at once."""
    from cohorts.tests.factories import attempt_add

    url = reverse("cohorts:cohort_detail", args=[scenario.cohort.pk])
    with freeze_time(NOW):
        first = {r.name: (r.best_quiz, r.mastered) for r in mentor_client.get(url).context["rows"]}
        assert first["Bob"] == (None, 0)
        assert {r.name: (r.best_quiz, r.mastered) for r in mentor_client.get(url).context["rows"]} == first
        attempt_add(scenario.bob, scenario.quiz_a, score=95, passed=True, at=NOW - dt.timedelta(minutes=20))
        assert {r.name: (r.best_quiz, r.mastered) for r in mentor_client.get(url).context["rows"]}["Bob"] == (95.0, 1)
        dan = StudentFactory(display_name="Dan")
        Enrollment.objects.create(cohort=scenario.cohort, user=dan, enrolled_on=scenario.cohort.start_date)
        response = mentor_client.get(url)
    assert sorted(r.name for r in response.context["rows"]) == ["Alice", "Bob", "Carol", "Dan"]
    assert response.context["history"].students == 4


@freeze_time(NOW)
def test_one_of_six_topics_reads_17_percent_on_every_page(mentor_client, client, scenario):
    """Regression: the matrix truncated 16.67 % to 16 % while the dashboards showed 17 %."""
    dora = StudentFactory(email="dora@x.org", display_name="Dora")
    EnrollmentFactory(cohort=scenario.cohort, user=dora)
    progress_record(user=dora, section=scenario.a1, status="done")

    matrix = _html(mentor_client.get(reverse("cohorts:cohort_detail", args=[scenario.cohort.pk])))
    row = matrix.split(">Dora</a>")[1].split("</tr>")[0]
    assert '<td class="num col-overall"><strong>17%</strong></td>' in row
    detail = _html(mentor_client.get(reverse("cohorts:student_detail", args=[scenario.cohort.pk, dora.pk])))
    assert '<span class="stat-value">17%</span><span class="stat-label">Overall completion</span>' in detail
    csv_text = mentor_client.get(reverse("cohorts:cohort_csv", args=[scenario.cohort.pk])).content.decode()
    assert [line for line in csv_text.splitlines() if "dora@x.org" in line][0].split(",")[4] == "16.7"

    client.force_login(dora)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    dashboard = _html(client.get(reverse("progress:dashboard")))
    assert '<span class="overall-number">17<small>%</small></span>' in dashboard
