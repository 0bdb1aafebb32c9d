"""A student's main journey in the browser, on the default curriculum and quiz bank (``setup_demo``):
log in, mark a topic done on its section page (htmx, no reload), fail then pass the section's quiz,
and watch the dashboard move. Every page is checked with axe-core, screenshotted, and the main
ones again at phone width."""

import re

import pytest
from playwright.sync_api import expect

from curriculum.models import Section
from quizzes.models import Attempt
from tests.browser.conftest import PHONE, assert_fits_phone, check_page, login, new_page, shoot, visit

pytestmark = pytest.mark.django_db(transaction=True)


def answer_questions(page, attempt: Attempt, *, right: int) -> None:
    """Answer the open ``attempt`` on its take page: the first ``right`` questions (in the order
    shown) correctly, the others wrongly. The right answers come from the attempt's own snapshot."""
    for answer in attempt.answers.order_by("position"):
        correct = answer.position < right
        field = answer.field_name
        if answer.kind in ("single", "multiple"):
            if correct:
                picks = [c["id"] for c in answer.choices if c["correct"]]
            else:
                picks = [next(c["id"] for c in answer.choices if not c["correct"])]
            for choice_id in picks:
                page.check(f"input[name='{field}'][value='{choice_id}']")
        elif answer.kind == "true_false":
            value = answer.correct_bool if correct else not answer.correct_bool
            page.check(f"input[name='{field}'][value='{str(value).lower()}']")
        else:
            page.fill(f"input[name='{field}']", answer.accepted_answers[0] if correct else "不知道")


def start_attempt(page, button_text: str) -> Attempt:
    """Press the quiz page's start button and return the attempt the take page shows."""
    page.get_by_role("button", name=button_text).click()
    page.wait_for_url(re.compile(r"/quizzes/attempts/\d+/$"))
    return Attempt.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))


def mastery_cells(page, section_title: str) -> list[str]:
    """The texts of the dashboard's quiz-mastery cells of a top-level section (white space collapsed)."""
    row = page.locator("#quiz-mastery-heading ~ .table-wrap tbody tr").filter(
        has=page.get_by_role("rowheader", name=section_title)
    )
    return [" ".join(text.split()) for text in row.locator("td").all_text_contents()]


def test_student_marks_a_topic_done_fails_then_passes_a_quiz_and_sees_the_dashboard_move(
    browser, page, live_server, demo
):
    base = live_server.url
    part = Section.objects.get(slug="pytorch")
    topic = part.children.get()
    quiz = part.quizzes.get()
    total_topics = Section.objects.filter(is_archived=False, children__isnull=True).count()
    assert (total_topics, quiz.questions.count()) == (20, 7)

    # Log in through the form (the login page itself is checked before).
    visit(page, f"{base}/accounts/login/", "student-01-login")
    login(page, base, demo["student"].email, "coin-student-2026")

    # The dashboard before: nothing done, no quiz taken.
    visit(page, f"{base}/progress/", "student-02-dashboard-before")
    assert page.locator("#dash-overview .overall-number").inner_text() == "0%"
    assert mastery_cells(page, "PyTorch 教程") == ["—", "未开始", "参加测验: PyTorch 基础自测"]

    # Open the section from the curriculum overview.
    visit(page, f"{base}/curriculum/", "student-03-overview")
    page.locator(f"#part-{part.slug} h2 a").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "PyTorch 教程"
    check_page(page, "student-04-section")
    bars = page.locator("#section-progress-summary .progress-value")
    assert bars.all_inner_texts() == ["0%", "0%"]

    # Mark its topic done with one click: htmx swaps the control and the bars, the page stays.
    page.evaluate("window.coinNoReload = 'still here'")
    done = page.locator(f"#topic-{topic.pk}-done")
    assert done.get_attribute("aria-pressed") == "false"
    with page.expect_response(lambda r: r.url.endswith(f"/progress/topics/{topic.pk}/status/")) as response:
        done.click()
    assert response.value.status == 200
    expect(done).to_have_attribute("aria-pressed", "true")
    expect(done).to_have_class(re.compile(r"\bis-current\b"))
    expect(page.locator(f"#topic-{topic.pk}-not_started")).to_have_attribute("aria-pressed", "false")
    expect(bars).to_have_text(["100%", f"{round(100 / total_topics)}%"])
    assert page.locator("#section-progress-summary .progress-label").all_inner_texts() == ["PyTorch 教程", "全部课程"]
    assert page.evaluate("window.coinNoReload") == "still here"
    check_page(page, "student-05-section-topic-done")

    # The section's quiz: first attempt, 3 of 7 right.
    page.get_by_role("link", name=quiz.title).click()
    page.wait_for_load_state("networkidle")
    check_page(page, "student-06-quiz")
    attempt = start_attempt(page, "开始测验")
    check_page(page, "student-07-quiz-take")
    answer_questions(page, attempt, right=3)
    shoot(page, "student-08-quiz-answered")
    page.get_by_role("button", name="提交答案").click()
    page.wait_for_url(f"{base}/quizzes/attempts/{attempt.pk}/")
    assert page.locator(".result-score").inner_text().split() == ["43%", "未通过"]
    assert page.locator(".result-facts span").first.inner_text() == "得分 3/7"
    # Every question is marked and explained.
    reviews = page.locator(".review-question")
    expect(reviews).to_have_count(7)
    assert page.locator(".review-question.review-right").count() == 3
    assert page.locator(".review-question .review-explanation").count() == 7
    first_explanation = attempt.answers.get(position=0).explanation_html
    expect(page.locator(".review-explanation").first).to_be_visible()
    assert page.locator(".review-explanation").first.inner_html().strip().endswith(first_explanation.strip())
    check_page(page, "student-09-quiz-failed")

    # Second attempt, all right.
    page.get_by_role("button", name="返回测验").click()  # a link styled as a button (role=button)
    page.wait_for_load_state("networkidle")
    second = start_attempt(page, "再试一次")
    assert second.pk != attempt.pk
    answer_questions(page, second, right=7)
    page.get_by_role("button", name="提交答案").click()
    page.wait_for_url(f"{base}/quizzes/attempts/{second.pk}/")
    assert page.locator(".result-score").inner_text().split() == ["100%", "已通过"]
    assert page.locator(".review-question.review-right").count() == 7
    check_page(page, "student-10-quiz-passed")

    # The dashboard after: one topic of twenty done, the PyTorch quiz mastered.
    page.get_by_role("link", name="我的进度").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#dash-overview .overall-number").inner_text() == f"{round(100 / total_topics)}%"
    assert page.locator("#dash-overview .count-pills li").all_inner_texts() == [
        "已完成 1",
        "学习中 0",
        "未开始 19",
        "已跳过 0",
    ]
    assert mastery_cells(page, "PyTorch 教程") == ["100%", "已掌握", "查看: PyTorch 基础自测"]
    assert mastery_cells(page, "提示工程") == ["—", "未开始", "参加测验: 提示工程入门自测"]
    check_page(page, "student-11-dashboard-after")

    visit(page, f"{base}/me/profile/", "student-12-profile")
    assert page.console_errors == []

    # The same pages on a phone, with the same login (the context's storage state).
    phone = new_page(browser, viewport=PHONE, storage_state=page.context.storage_state())
    try:
        # (address, screenshot, tables that must fit without scrolling sideways)
        for url, name, tables in [
            ("/progress/", "phone-dashboard", ".quiz-mastery .table-wrap"),
            (part.get_absolute_url(), "phone-section", None),
            (quiz.get_absolute_url(), "phone-quiz", ".table-wrap:has(.attempt-table)"),
            (attempt.get_absolute_url(), "phone-quiz-result", None),
            ("/me/profile/", "phone-profile", None),
        ]:
            phone.goto(base + url)
            assert_fits_phone(phone, name)
            if tables:
                table = phone.locator(tables)
                expect(table).to_have_count(1)
                assert table.evaluate("el => el.scrollWidth <= el.clientWidth"), f"{url}: {tables} scrolls sideways"
        phone.goto(base + quiz.get_absolute_url())
        start_attempt(phone, "再试一次")
        assert_fits_phone(phone, "phone-quiz-take")
        assert phone.console_errors == []
    finally:
        phone.context.close()
