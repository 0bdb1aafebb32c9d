"""Markdown fields are rendered once, on save, through the one sanitizing renderer."""

import pytest

from core.markdown import render_markdown
from quizzes.models import Choice, Question, render_inline_markdown
from quizzes.tests.factories import QuestionFactory, QuizFactory

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert(1)</script>**bold** <img src="x" onerror="alert(2)"> [x](javascript:alert(3))'


def test_question_text_and_explanation_are_rendered_and_sanitized():
    question = QuestionFactory(text=HOSTILE, explanation=HOSTILE)
    assert question.text_html == render_markdown(HOSTILE)
    assert question.explanation_html == render_markdown(HOSTILE)
    for html in (question.text_html, question.explanation_html):
        assert "<strong>bold</strong>" in html
        assert "<script" not in html and "onerror" not in html and "javascript:" not in html


def test_choice_text_is_rendered_inline_and_sanitized():
    hostile_inline = HOSTILE.removeprefix("<script>alert(1)</script>")
    question = QuestionFactory(choices=[(hostile_inline, True), ("`code`", False)])
    first, second = question.choices.order_by("order")
    assert first.text_html == '<strong>bold</strong> <img src="x"> x'  # links are dropped in choices
    block = Choice.objects.create(question=question, order=3, text=HOSTILE)
    assert "<script" not in block.text_html and "onerror" not in block.text_html
    assert second.text_html == "<code>code</code>"


def test_render_inline_markdown_keeps_paragraphs_when_there_are_several():
    assert render_inline_markdown("a\n\nb") == "<p>a</p>\n<p>b</p>"
    assert render_inline_markdown("plain") == "plain"


def test_saving_with_update_fields_re_renders_the_html():
    question = QuestionFactory(text="old")
    question.text = "*new*"
    question.save(update_fields=["text"])
    question.refresh_from_db()
    assert question.text_html == "<p><em>new</em></p>"
    choice = Choice.objects.create(question=question, text="a")
    choice.text = "**b**"
    choice.save(update_fields=["text"])
    choice.refresh_from_db()
    assert choice.text_html == "<strong>b</strong>"
    quiz = QuizFactory(description="x")
    quiz.description = "*y*"
    quiz.save(update_fields=["description"])
    quiz.refresh_from_db()
    assert quiz.description_html == "<p><em>y</em></p>"


def test_question_str_is_short():
    assert str(QuestionFactory(text="字" * 80)) == "字" * 59 + "…"
    assert str(Question(text="  short \n text ")) == "short text"


@pytest.mark.django_db
def test_choice_text_has_no_links():
    """Regression: a link inside a choice's label navigated away and lost the answers."""
    from quizzes.models import Choice
    from quizzes.tests.factories import QuestionFactory

    choice = Choice.objects.create(question=QuestionFactory(), text="Poe（poe.com）", order=0)
    assert choice.text_html == "Poe（poe.com）"
