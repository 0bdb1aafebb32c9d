"""Admin pages for quizzes, questions and attempts; the student-eye preview."""

import pytest
from django.urls import reverse
from django.utils import translation

from quizzes.models import Choice, Question
from quizzes.services import quiz_attempt_start, quiz_attempt_submit
from quizzes.tests.conftest import login
from quizzes.tests.factories import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    """Pages in English (the language switcher's cookie wins over the user's preference)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def admin_client(client, admin_user):
    return login(client, admin_user)


@pytest.fixture
def attempted_quiz(quiz, student, other_student):
    """``quiz`` with one submitted attempt (passed) and one open attempt."""
    attempt, _ = quiz_attempt_start(quiz=quiz, user=student)
    quiz_attempt_submit(attempt_id=attempt.pk, user=student, data=form_data(attempt))
    quiz_attempt_start(quiz=quiz, user=other_student)
    return quiz


def test_quiz_changelist_counts_attempts(admin_client, attempted_quiz):
    response = admin_client.get(reverse("admin:quizzes_quiz_changelist"))
    assert response.status_code == 200
    row = next(r for r in response.context["cl"].result_list if r.pk == attempted_quiz.pk)
    assert (row.question_total, row.attempt_total, row.submitted_total, row.passed_total) == (4, 2, 1, 1)
    html = response.content.decode()
    assert reverse("admin:quizzes_quiz_preview", args=[attempted_quiz.pk]) in html
    assert f"?quiz__id__exact={attempted_quiz.pk}" in html


@pytest.mark.parametrize(
    "name",
    [
        "admin:quizzes_quiz_change",
        "admin:quizzes_quiz_preview",
    ],
)
def test_quiz_admin_pages(admin_client, attempted_quiz, name):
    assert admin_client.get(reverse(name, args=[attempted_quiz.pk])).status_code == 200


def test_other_admin_pages(admin_client, attempted_quiz):
    question = attempted_quiz.questions.get(key="single")
    attempt = attempted_quiz.attempts.exclude(submitted_at=None).get()
    for url in [
        reverse("admin:quizzes_quiz_add"),
        reverse("admin:quizzes_question_changelist"),
        reverse("admin:quizzes_question_change", args=[question.pk]),
        reverse("admin:quizzes_question_add"),
        reverse("admin:quizzes_attempt_changelist"),
        reverse("admin:quizzes_attempt_change", args=[attempt.pk]),
    ]:
        assert admin_client.get(url).status_code == 200, url


def test_preview_marks_the_answers(admin_client, quiz):
    html = admin_client.get(reverse("admin:quizzes_quiz_preview", args=[quiz.pk])).content.decode()
    assert html.count('class="choice-correct"') == 3  # A of single; A and B of multiple
    assert "GPT-3" in html
    for question in quiz.questions.all():
        assert question.explanation_html in html
    assert "Preview" in html


def test_preview_flags_a_broken_question(admin_client, quiz):
    Choice.objects.filter(question__quiz=quiz, question__key="single").update(is_correct=False)
    html = admin_client.get(reverse("admin:quizzes_quiz_preview", args=[quiz.pk])).content.decode()
    assert "A single-choice question needs exactly one correct choice (found 0)." in html


def test_preview_of_unknown_quiz_is_a_404(admin_client):
    assert admin_client.get(reverse("admin:quizzes_quiz_preview", args=[987654])).status_code == 404


def test_preview_is_for_admins_only(client, student, quiz):
    url = reverse("admin:quizzes_quiz_preview", args=[quiz.pk])
    login(client, student)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def question_post(question, **changes):
    """The admin change form of a single-choice question with its three choices, as POST data."""
    choices = list(question.choices.order_by("order"))
    data = {
        "quiz": question.quiz_id,
        "key": question.key,
        "order": question.order,
        "kind": question.kind,
        "points": question.points,
        "text": question.text,
        "correct_bool": "unknown",
        "accepted_answers": "",
        "explanation": question.explanation,
        "choices-TOTAL_FORMS": len(choices),
        "choices-INITIAL_FORMS": len(choices),
        "choices-MIN_NUM_FORMS": 0,
        "choices-MAX_NUM_FORMS": 1000,
    }
    for i, choice in enumerate(choices):
        data.update(
            {
                f"choices-{i}-id": choice.pk,
                f"choices-{i}-question": question.pk,
                f"choices-{i}-order": choice.order,
                f"choices-{i}-text": choice.text,
            }
        )
        if choice.is_correct:
            data[f"choices-{i}-is_correct"] = "on"
    data.update(changes)
    return data


def test_question_admin_refuses_two_correct_choices_for_single_choice(admin_client, quiz):
    question = quiz.questions.get(key="single")
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    response = admin_client.post(url, question_post(question, **{"choices-1-is_correct": "on"}))
    assert response.status_code == 200
    assert "A single-choice question needs exactly one correct choice (found 2)." in response.content.decode()
    assert list(question.choices.order_by("order").values_list("is_correct", flat=True)) == [True, False, False]


def test_question_admin_saves_and_renders_markdown(admin_client, quiz):
    question = quiz.questions.get(key="single")
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    response = admin_client.post(url, question_post(question, text="What is **LoRA**?", **{"choices-2-text": "`C`"}))
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.text_html == "<p>What is <strong>LoRA</strong>?</p>"
    assert Choice.objects.get(question=question, order=2).text_html == "<code>C</code>"


def test_question_admin_edits_accepted_answers_one_per_line(admin_client, quiz):
    question = quiz.questions.get(key="short")
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    assert "GPT-3</textarea>" in admin_client.get(url).content.decode()
    data = {
        "quiz": quiz.pk,
        "key": "short",
        "order": question.order,
        "kind": Question.Kind.SHORT_ANSWER,
        "points": 1,
        "text": question.text,
        "correct_bool": "unknown",
        "accepted_answers": "GPT-3\n  GPT3  \n\n",
        "explanation": "",
        "choices-TOTAL_FORMS": 0,
        "choices-INITIAL_FORMS": 0,
        "choices-MIN_NUM_FORMS": 0,
        "choices-MAX_NUM_FORMS": 1000,
    }
    assert admin_client.post(url, data).status_code == 302
    question.refresh_from_db()
    assert question.accepted_answers == ["GPT-3", "GPT3"]


def test_question_admin_offers_true_or_false(admin_client, quiz):
    question = quiz.questions.get(key="tf")
    html = admin_client.get(reverse("admin:quizzes_question_change", args=[question.pk])).content.decode()
    assert '<option value="true" selected>True</option>' in html
    assert '<option value="false">False</option>' in html
