"""Every Markdown entry point, fed every case of shared/cases/xss.jsonl, stores only safe HTML, and the
pages showing it carry no inline script, style attribute or event handler (issue "Production readiness")."""

import pytest
from django.urls import reverse

from accounts.tests.factories import StudentFactory
from core.tests.test_markdown import _corpus, assert_safe_html
from curriculum.tests.factories import SectionFactory
from progress.services import progress_note_set
from quizzes.models import Choice
from quizzes.tests.factories import QuestionFactory, QuizFactory
from tests.pagecheck import page_problems

pytestmark = pytest.mark.django_db
CORPUS = _corpus()


@pytest.mark.parametrize("markdown", CORPUS)
def test_section_body(markdown, client):
    section = SectionFactory(body=markdown)
    assert_safe_html(section.body_html)
    response = client.get(section.get_absolute_url())
    assert response.status_code == 200
    assert page_problems(response.content.decode()) == []


@pytest.mark.parametrize("markdown", CORPUS)
def test_private_note(markdown, client):
    student = StudentFactory()
    topic = SectionFactory()
    row = progress_note_set(user=student, section=topic, note=markdown)
    assert_safe_html(row.note_html)
    client.force_login(student)
    response = client.get(topic.get_absolute_url())
    assert response.status_code == 200
    assert page_problems(response.content.decode()) == []


@pytest.mark.parametrize("markdown", CORPUS)
def test_quiz_description_question_explanation_and_choice(markdown, client):
    quiz = QuizFactory(description=markdown)
    question = QuestionFactory(quiz=quiz, text=markdown, explanation=markdown)
    choice = Choice.objects.create(question=question, text=markdown[:1000], is_correct=True, order=0)
    Choice.objects.create(question=question, text="B", is_correct=False, order=1)  # a usable question has two
    for html in (quiz.description_html, question.text_html, question.explanation_html, choice.text_html):
        assert_safe_html(html)
    client.force_login(StudentFactory())
    response = client.get(reverse("quizzes:quiz_detail", kwargs={"pk": quiz.pk}))
    assert response.status_code == 200
    assert page_problems(response.content.decode()) == []
    # The question page of a started attempt shows the question and choice HTML.
    response = client.post(reverse("quizzes:quiz_start", kwargs={"pk": quiz.pk}), follow=True)
    assert response.status_code == 200
    assert question.text_html in response.content.decode()
    assert page_problems(response.content.decode()) == []
