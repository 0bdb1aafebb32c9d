"""An admin edits a quiz question in Django admin after a student's attempt; the student's review of
that attempt still shows the score, question and right answer it was taken with."""

import pytest
from playwright.sync_api import expect

from quizzes.models import Attempt, Question, Quiz
from quizzes.services import quiz_attempt_start, quiz_attempt_submit
from tests.browser.conftest import check_page, new_page, session_state, shoot, visit

pytestmark = pytest.mark.django_db(transaction=True)


def submit_all_right(*, quiz: Quiz, user) -> Attempt:
    """Take ``quiz`` as ``user`` through the services, answering every question right."""
    attempt, _created = quiz_attempt_start(quiz=quiz, user=user)
    data = {}
    for answer in attempt.answers.all():
        if answer.kind in ("single", "multiple"):
            data[answer.field_name] = [str(c["id"]) for c in answer.choices if c["correct"]]
        elif answer.kind == "true_false":
            data[answer.field_name] = [str(answer.correct_bool).lower()]
        else:
            data[answer.field_name] = [answer.accepted_answers[0]]
    quiz_attempt_submit(attempt_id=attempt.pk, user=user, data=data)
    attempt.refresh_from_db()
    assert (attempt.score_percent, attempt.passed) == (100, True)
    return attempt


def test_admin_edits_a_question_after_an_attempt_and_the_past_review_keeps_its_score(browser, live_server, demo):
    base = live_server.url
    quiz = Quiz.objects.get(key="pytorch-basics")
    question = quiz.questions.get(key="origin")
    attempt = submit_all_right(quiz=quiz, user=demo["student"])
    old_text = "PyTorch 最初由哪家公司开发？"
    assert question.text == old_text

    # The admin rewrites the question, makes another choice the right one and triples its points.
    admin = new_page(browser, storage_state=session_state(live_server, demo["admin"]))
    try:
        admin.goto(f"{base}/admin/quizzes/question/{question.pk}/change/")
        admin.fill("textarea[name=text]", "PyTorch 最初由哪家公司开发并开源？")
        admin.fill("input[name=points]", "3")
        choices = {c.text: i for i, c in enumerate(question.choices.order_by("order", "pk"))}
        admin.uncheck(f"input[name=choices-{choices['Meta（原 Facebook）']}-is_correct]")
        admin.check(f"input[name=choices-{choices['Google']}-is_correct]")
        admin.click("input[name=_save]")
        admin.wait_for_load_state("networkidle")
        expect(admin.locator("ul.messagelist li.success")).to_have_count(1)
        shoot(admin, "admin-question-saved")
        assert admin.console_errors == []
    finally:
        admin.context.close()
    question = Question.objects.get(pk=question.pk)
    assert (question.text, question.points) == ("PyTorch 最初由哪家公司开发并开源？", 3)
    assert list(question.choices.filter(is_correct=True).values_list("text", flat=True)) == ["Google"]

    # The student's review of the earlier attempt is unchanged: score, question text, right answer, points.
    page = new_page(browser, storage_state=session_state(live_server, demo["student"]))
    try:
        visit(page, f"{base}/quizzes/attempts/{attempt.pk}/", "student-attempt-review-after-edit")
        assert page.locator(".result-score").inner_text().split() == ["100%", "已通过"]
        assert page.locator(".result-facts span").first.inner_text() == "得分 7/7"
        review = page.locator(".review-question").filter(has_text=old_text)
        expect(review).to_have_count(1)
        assert review.locator(".question-text").inner_text() == old_text
        assert review.locator(".review-points").inner_text() == "1/1 分"
        assert review.locator(".choice-correct .choice-body").all_inner_texts() == ["Meta（原 Facebook）"]
        assert page.get_by_text("开发并开源？").count() == 0

        # The quiz page lists the attempt with the score it was given.
        page.goto(f"{base}{quiz.get_absolute_url()}")
        rows = page.locator("table.attempt-table tbody tr")
        expect(rows).to_have_count(1)
        assert rows.first.locator("td.num").inner_text() == "100%"
        check_page(page, "student-quiz-after-edit")
        assert page.console_errors == []
    finally:
        page.context.close()
