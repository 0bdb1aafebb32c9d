"""progress.views: htmx fragments vs plain redirects, anonymous visitors, errors, pages, exports."""

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from freezegun import freeze_time

from accounts.tests.factories import StudentFactory
from curriculum.models import Prerequisite
from curriculum.tests.factories import PaperFactory, SectionFactory
from progress.models import PaperProgress, ProgressEvent, TopicProgress
from progress.services import paper_status_set, progress_note_set, progress_record

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def student():
    return StudentFactory(language="en")


@pytest.fixture
def part():
    return SectionFactory(title="神经网络", slug="nn")


@pytest.fixture
def topic(part):
    return SectionFactory(parent=part, title="CNN模型", slug="cnn")


@pytest.fixture
def logged_in(client, student):
    client.force_login(student)
    return client


def status_url(section):
    return reverse("progress:topic_status", args=[section.pk])


def paper_url(paper):
    return reverse("progress:paper_reading", args=[paper.pk])


# --- Topic status: plain form POST (PRG) and htmx ---


def test_plain_post_saves_and_redirects_back(logged_in, student, topic):
    response = logged_in.post(status_url(topic), {"status": "done", "next": "/curriculum/sections/nn/"})
    assert (response.status_code, response["Location"]) == (302, "/curriculum/sections/nn/")
    assert TopicProgress.objects.get(user=student, section=topic).status == "done"
    page = logged_in.get(response["Location"])
    assert "Status saved." in page.content.decode()


# "notes" and "dashboard" were handed to redirect(), which tried them as view names: a 500.
@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "", "notes", "dashboard", "a.html"])
def test_plain_post_never_redirects_off_site(logged_in, topic, next_url):
    response = logged_in.post(status_url(topic), {"status": "done", "next": next_url})
    assert response["Location"] == "/curriculum/sections/cnn/"


@pytest.mark.parametrize("next_url", ["notes", "https://evil.example/"])
def test_plain_note_post_with_a_bad_next_goes_back_to_the_topic(logged_in, topic, next_url):
    response = logged_in.post(reverse("progress:topic_note", args=[topic.pk]), {"note": "n", "next": next_url})
    assert (response.status_code, response["Location"]) == (302, "/curriculum/sections/cnn/#my-note")


def test_htmx_post_on_section_page_returns_control_and_oob_bars(logged_in, part, topic):
    SectionFactory(parent=part, title="RNN", slug="rnn")
    response = logged_in.post(status_url(topic), {"status": "done", "origin": f"section:{part.pk}"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith("<input")  # the control's content, swapped into the form kept in place
    assert f'id="topic-{topic.pk}-done"' in html
    assert 'class="status-option status-done is-current"' in html
    assert 'aria-pressed="true">Done</button>' in html
    assert '<div id="section-progress-summary" class="progress-summary" hx-swap-oob="true">' in html
    assert '<progress value="50" max="100"' in html  # 神经网络: 1 of 2 topics


def test_htmx_post_from_dashboard_checklist_updates_next_list_bars_and_activity(logged_in, part, topic):
    SectionFactory(parent=part, title="RNN", slug="rnn")
    response = logged_in.post(status_url(topic), {"status": "done", "origin": "dashboard"}, **HTMX)
    html = response.content.decode()
    assert f'id="check-{topic.pk}-done"' in html
    assert '<article id="study-next" class="dash-card" hx-swap-oob="true">' in html
    assert '<article id="dash-overview" class="dash-card" hx-swap-oob="true">' in html
    overview = html.split('<article id="dash-overview"')[1].split("</article>")[0]
    assert f'<div id="bar-{part.pk}" class="part-bar">' in overview
    assert '<progress value="50" max="100" aria-label="神经网络">' in overview
    assert '<article id="dash-activity" class="dash-card" hx-swap-oob="true">' in html
    assert "Marked “CNN模型” as done" in html
    assert f'<span id="part-count-{part.pk}" class="meta" hx-swap-oob="true">1 of 2 topics done</span>' in html


def test_htmx_post_from_study_next_returns_the_list_and_updates_the_checklist(logged_in, part, topic):
    SectionFactory(parent=part, title="RNN", slug="rnn")
    response = logged_in.post(status_url(topic), {"status": "done", "origin": "next"}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<article id="study-next" class="dash-card">')
    assert "RNN" in html.split("</article>")[0] and "CNN模型" not in html.split("</article>")[0]
    assert f'id="check-{topic.pk}"' in html and 'hx-swap-oob="innerHTML"' in html


def test_anonymous_post_goes_to_login_and_back_to_the_page(client, topic):
    response = client.post(status_url(topic), {"status": "done", "next": "/curriculum/sections/cnn/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/curriculum/sections/cnn/"
    assert TopicProgress.objects.count() == 0


def test_anonymous_htmx_post_gets_a_client_redirect(client, topic):
    response = client.post(status_url(topic), {"status": "done", "next": "/curriculum/sections/cnn/"}, **HTMX)
    assert (response.status_code, response["HX-Redirect"]) == (200, "/accounts/login/?next=/curriculum/sections/cnn/")


def test_get_on_a_post_endpoint_is_refused(logged_in, topic):
    assert logged_in.get(status_url(topic)).status_code == 405


def test_status_of_a_part_is_a_400(logged_in, part, topic):
    response = logged_in.post(status_url(part), {"status": "done"})
    assert response.status_code == 400
    assert "is a part with sub-sections" in response.content.decode()
    htmx = logged_in.post(status_url(part), {"status": "done"}, **HTMX)
    assert htmx.status_code == 400
    assert TopicProgress.objects.count() == 0


def test_unknown_status_is_a_400(logged_in, topic):
    assert logged_in.post(status_url(topic), {"status": "finished"}).status_code == 400
    assert logged_in.post(status_url(topic), {}).status_code == 400


def test_unknown_or_archived_section_is_a_404(logged_in):
    archived = SectionFactory(is_archived=True)
    assert logged_in.post(status_url(archived), {"status": "done"}).status_code == 404
    assert logged_in.post(reverse("progress:topic_status", args=[999999]), {"status": "done"}).status_code == 404


# --- Notes ---


def test_note_plain_and_htmx(logged_in, student, topic):
    response = logged_in.post(reverse("progress:topic_note", args=[topic.pk]), {"note": "**要点**"})
    assert response["Location"] == "/curriculum/sections/cnn/#my-note"
    htmx = logged_in.post(reverse("progress:topic_note", args=[topic.pk]), {"note": "*改*"}, **HTMX)
    html = htmx.content.decode()
    assert html.lstrip().startswith('<div id="my-note" class="private-note">')
    assert '<div class="note-body"><p><em>改</em></p></div>' in html
    assert TopicProgress.objects.get(user=student).note == "*改*"


# --- Reading list ---


def test_reading_list_add_status_remove(logged_in, student, topic):
    paper = PaperFactory(section=topic)
    origin = {"origin": f"section:{topic.pk}"}
    html = logged_in.post(paper_url(paper), {"action": "add", **origin}, **HTMX).content.decode()
    assert f'id="paper-{paper.pk}-to_read"' in html
    assert '<span id="reading-count" class="meta" hx-swap-oob="true">(1 of 1 paper on my list)</span>' in html
    logged_in.post(paper_url(paper), {"status": "read", **origin}, **HTMX)
    assert PaperProgress.objects.get(user=student).status == "read"
    html = logged_in.post(paper_url(paper), {"action": "remove", **origin}, **HTMX).content.decode()
    assert f'id="paper-{paper.pk}-add"' in html
    assert PaperProgress.objects.count() == 0
    assert logged_in.post(paper_url(paper), {"action": "remove"}).status_code == 404


def test_reading_list_plain_post_redirects(logged_in, topic):
    paper = PaperFactory(section=topic)
    response = logged_in.post(paper_url(paper), {"status": "reading"})
    assert (response.status_code, response["Location"]) == (302, "/curriculum/sections/cnn/")


def test_reading_list_bad_input(logged_in, topic):
    paper = PaperFactory(section=topic)
    assert logged_in.post(paper_url(paper), {"status": "done"}).status_code == 400
    archived = PaperFactory(section=topic, is_archived=True)
    assert logged_in.post(paper_url(archived), {"action": "add"}).status_code == 404
    assert logged_in.post(reverse("progress:paper_reading", args=[999999]), {"action": "add"}).status_code == 404


# --- Pages ---


def test_dashboard_requires_login(client):
    response = client.get(reverse("progress:dashboard"))
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/progress/")


def test_dashboard_url_is_the_login_redirect_target():
    assert reverse("progress:dashboard") == "/progress/"


def test_dashboard_renders(logged_in, student, part, topic):
    paper = PaperFactory(section=topic, title="Attention Is All You Need")
    paper_status_set(user=student, paper=paper, status="reading")
    progress_record(user=student, section=topic, status="in_progress")
    html = logged_in.get(reverse("progress:dashboard")).content.decode()
    assert "<h1>My progress</h1>" in html
    assert '<progress value="0" max="100" aria-label="Overall completion">' in html
    assert f'<form class="status-control" id="next-{topic.pk}"' in html
    assert f'<form class="status-control" id="check-{topic.pk}"' in html
    assert f'<form class="paper-control status-control" id="paper-{paper.pk}-control"' in html
    assert "Started studying “CNN模型”" in html
    assert "Last activity: today." in html
    assert 'class="hm-cell hm-l1"' in html
    assert reverse("progress:export_csv") in html
    assert "{#" not in html and "{% comment" not in html and "Context:" not in html


def test_section_page_shows_controls_to_a_student(logged_in, student, part, topic):
    required = SectionFactory(title="提示工程", slug="prompt")
    Prerequisite.objects.create(section=part, required_section=required)
    progress_note_set(user=student, section=topic, note="我的*笔记*")
    html = logged_in.get(topic.get_absolute_url()).content.decode()
    assert f'<form class="status-control" id="topic-{topic.pk}"' in html
    assert f'value="section:{topic.pk}"' in html
    assert "Recommended first:" in html and '<a href="/curriculum/sections/prompt/">提示工程</a>' in html
    assert "<p>我的<em>笔记</em></p>" in html
    part_html = logged_in.get(part.get_absolute_url()).content.decode()
    assert f'id="topic-{topic.pk}-done"' in part_html


def test_section_page_asks_anonymous_visitors_to_log_in(client, topic):
    html = client.get(topic.get_absolute_url()).content.decode()
    assert 'href="/accounts/login/?next=/curriculum/sections/cnn/"' in html
    assert "status-control" not in html


# --- Exports ---


@pytest.fixture
def export_data(student):
    prompt = SectionFactory(title="提示工程", slug="prompt")
    poe = SectionFactory(parent=prompt, title="可视化实验平台", slug="poe")
    summary = SectionFactory(parent=prompt, title="资料汇总", slug="summary")
    nn = SectionFactory(title="神经网络", slug="nn")
    trad = SectionFactory(parent=nn, title="传统神经网络", slug="trad")
    cnn = SectionFactory(parent=trad, title="CNN模型", slug="cnn")
    paper = PaperFactory(
        section=cnn, title="Attention Is All You Need", url="https://arxiv.org/abs/1706.03762", arxiv_id="1706.03762"
    )
    with freeze_time("2026-03-01T16:30:00Z"):
        progress_record(user=student, section=poe, status="in_progress")
    with freeze_time("2026-03-02T01:00:00Z"):
        progress_record(user=student, section=poe, status="done")
    progress_record(user=student, section=summary, status="skipped")
    progress_note_set(user=student, section=cnn, note='先读论文，"引号"')
    with freeze_time("2026-03-03T00:00:00Z"):
        paper_status_set(user=student, paper=paper, status="reading")
    other = StudentFactory()
    progress_record(user=other, section=cnn, status="done")
    progress_note_set(user=other, section=cnn, note="someone else's note")


@freeze_time("2026-03-04T02:00:00Z")
def test_export_csv_exact_content(logged_in, export_data):
    response = logged_in.get(reverse("progress:export_csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="coin-progress-2026-03-04.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert response.content.decode("utf-8") == (
        "\ufeffrecord,path,status,status_label,started_at,completed_at,completion_percent,note,url\r\n"
        "topic,提示工程 › 可视化实验平台,done,Done,2026-03-02T00:30:00+08:00,2026-03-02T09:00:00+08:00,,,"
        "http://testserver/curriculum/sections/poe/\r\n"
        "topic,提示工程 › 资料汇总,skipped,Skipped,,,,,http://testserver/curriculum/sections/summary/\r\n"
        'topic,神经网络 › 传统神经网络 › CNN模型,not_started,Not started,,,,"先读论文，""引号""",'
        "http://testserver/curriculum/sections/cnn/\r\n"
        "part,提示工程,,,,,100.0,,http://testserver/curriculum/sections/prompt/\r\n"
        "part,神经网络,,,,,0.0,,http://testserver/curriculum/sections/nn/\r\n"
        "overall,,,,,,50.0,,\r\n"
        "paper,CNN模型 › Attention Is All You Need,reading,Reading,2026-03-03T08:00:00+08:00,,,,"
        "https://arxiv.org/abs/1706.03762\r\n"
    )


@freeze_time("2026-03-04T02:00:00Z")
def test_export_csv_labels_follow_the_language(client, export_data, student):
    student.language = "zh-hans"
    student.save(update_fields=["language"])
    client.force_login(student)
    text = client.get(reverse("progress:export_csv")).content.decode("utf-8")
    assert "topic,提示工程 › 可视化实验平台,done,已完成," in text


@freeze_time("2026-03-04T02:00:00Z")
def test_export_json_exact_content(logged_in, export_data, student):
    response = logged_in.get(reverse("progress:export_json"))
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="coin-progress-2026-03-04.json"'
    assert "提示工程" in response.content.decode("utf-8")  # not \u-escaped
    assert json.loads(response.content) == {
        "format": "coin-portal-progress/1",
        "generated_at": "2026-03-04T10:00:00+08:00",
        "time_zone": "Asia/Shanghai",
        "user": {"email": student.email, "display_name": student.display_name},
        "completion": {
            "overall": 50.0,
            "parts": [
                {
                    "slug": "prompt",
                    "title": "提示工程",
                    "percent": 100.0,
                    "url": "http://testserver/curriculum/sections/prompt/",
                },
                {"slug": "nn", "title": "神经网络", "percent": 0.0, "url": "http://testserver/curriculum/sections/nn/"},
            ],
        },
        "topics": [
            {
                "slug": "poe",
                "title": "可视化实验平台",
                "path": "提示工程 › 可视化实验平台",
                "status": "done",
                "started_at": "2026-03-02T00:30:00+08:00",
                "completed_at": "2026-03-02T09:00:00+08:00",
                "note": "",
                "url": "http://testserver/curriculum/sections/poe/",
            },
            {
                "slug": "summary",
                "title": "资料汇总",
                "path": "提示工程 › 资料汇总",
                "status": "skipped",
                "started_at": None,
                "completed_at": None,
                "note": "",
                "url": "http://testserver/curriculum/sections/summary/",
            },
            {
                "slug": "cnn",
                "title": "CNN模型",
                "path": "神经网络 › 传统神经网络 › CNN模型",
                "status": "not_started",
                "started_at": None,
                "completed_at": None,
                "note": '先读论文，"引号"',
                "url": "http://testserver/curriculum/sections/cnn/",
            },
        ],
        "papers": [
            {
                "title": "Attention Is All You Need",
                "url": "https://arxiv.org/abs/1706.03762",
                "arxiv_id": "1706.03762",
                "section": "CNN模型",
                "status": "reading",
                "added_at": "2026-03-03T08:00:00+08:00",
                "read_at": None,
            }
        ],
    }


def test_exports_require_login(client):
    for name in ("progress:export_csv", "progress:export_json"):
        assert client.get(reverse(name)).status_code == 302


def test_events_are_not_written_for_a_refused_change(logged_in, part, topic):
    logged_in.post(status_url(part), {"status": "done"})
    assert ProgressEvent.objects.count() == 0


def test_dashboard_days_since_in_the_students_time_zone(client):
    student = StudentFactory(language="en", time_zone="Asia/Shanghai")
    topic = SectionFactory()
    with freeze_time("2026-03-01T15:00:00Z"):  # 23:00 on 1 March in Shanghai
        progress_record(user=student, section=topic, status="in_progress")
    client.force_login(student)
    with freeze_time(dt.datetime(2026, 3, 3, 16, 30, tzinfo=dt.UTC)):  # 00:30 on 4 March in Shanghai
        html = client.get(reverse("progress:dashboard")).content.decode()
    assert "3 days since your last activity." in html


def test_dashboard_part_count_has_an_id_for_the_oob_swap(logged_in, part, topic):
    html = logged_in.get(reverse("progress:dashboard")).content.decode()
    assert f'<span id="part-count-{part.pk}" class="meta">0 of 1 topic done</span>' in html


def test_dashboard_greets_a_new_student_without_back(logged_in, student, topic):
    html = logged_in.get(reverse("progress:dashboard")).content.decode()
    assert f"<p>Welcome, {student.get_short_name()}.</p>" in html
    assert "Welcome back" not in html
    progress_record(user=student, section=topic, status="in_progress")
    html = logged_in.get(reverse("progress:dashboard")).content.decode()
    assert f"<p>Welcome back, {student.get_short_name()}.</p>" in html


def test_no_duplicate_ids_with_a_paper_being_read(logged_in, student, part, topic):
    """Regression: the form ``paper-N-reading`` shared its id with the "reading" button."""
    paper = PaperFactory(section=topic, title="Attention Is All You Need")
    paper_status_set(user=student, paper=paper, status="reading")
    for url in (topic.get_absolute_url(), part.get_absolute_url(), reverse("progress:dashboard")):
        ids = re.findall(r'\sid="([^"]+)"', logged_in.get(url).content.decode())
        assert [i for i in set(ids) if ids.count(i) > 1] == [], url
    html = logged_in.get(topic.get_absolute_url()).content.decode()
    assert f'id="paper-{paper.pk}-control"' in html and f'id="paper-{paper.pk}-reading"' in html
