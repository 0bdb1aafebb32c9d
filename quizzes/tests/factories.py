"""factory_boy factories for quizzes, questions (one helper per kind) and submitted attempts."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.tests.factories import StudentFactory
from curriculum.tests.factories import SectionFactory
from quizzes.models import Attempt, Choice, Question, Quiz


class QuizFactory(factory.django.DjangoModelFactory):
    """A published quiz (pass mark 60 %, no time limit, unlimited attempts) on a new section."""

    class Meta:
        model = Quiz

    section = factory.SubFactory(SectionFactory)
    key = factory.Sequence(lambda n: f"quiz-{n}")
    title = factory.Sequence(lambda n: f"自测 {n}")
    pass_mark = 60
    is_published = True


class QuestionFactory(factory.django.DjangoModelFactory):
    """A single-choice question; pass ``choices=[("text", is_correct), ...]`` to add choices."""

    class Meta:
        model = Question
        skip_postgeneration_save = True

    quiz = factory.SubFactory(QuizFactory)
    key = factory.Sequence(lambda n: f"q-{n}")
    order = factory.Sequence(lambda n: n)
    kind = Question.Kind.SINGLE
    text = factory.Sequence(lambda n: f"问题 {n}")
    explanation = factory.Sequence(lambda n: f"解析 {n}")
    points = 1

    @factory.post_generation
    def choices(self, create, extracted, **kwargs):
        if create and extracted:
            for order, (text, correct) in enumerate(extracted):
                Choice.objects.create(question=self, order=order, text=text, is_correct=correct)


def single_question(quiz, **kwargs) -> Question:
    """A single-choice question with choices A (correct), B, C."""
    return QuestionFactory(
        quiz=quiz, kind=Question.Kind.SINGLE, choices=[("A", True), ("B", False), ("C", False)], **kwargs
    )


def multiple_question(quiz, **kwargs) -> Question:
    """A multiple-choice question with choices A (correct), B (correct), C, D."""
    return QuestionFactory(
        quiz=quiz, kind=Question.Kind.MULTIPLE, choices=[("A", True), ("B", True), ("C", False), ("D", False)], **kwargs
    )


def true_false_question(quiz, answer: bool = True, **kwargs) -> Question:
    """A true-or-false question whose answer is ``answer``."""
    return QuestionFactory(quiz=quiz, kind=Question.Kind.TRUE_FALSE, correct_bool=answer, **kwargs)


def short_question(quiz, accepted=("GPT-3",), **kwargs) -> Question:
    """A short-answer question accepting ``accepted``."""
    return QuestionFactory(quiz=quiz, kind=Question.Kind.SHORT_ANSWER, accepted_answers=list(accepted), **kwargs)


def quiz_with_all_kinds(**kwargs) -> Quiz:
    """A quiz with four 1-point questions: single, multiple, true (answer True), short ("GPT-3")."""
    quiz = QuizFactory(**kwargs)
    single_question(quiz, key="single")
    multiple_question(quiz, key="multiple")
    true_false_question(quiz, key="tf")
    short_question(quiz, key="short")
    return quiz


class AttemptFactory(factory.django.DjangoModelFactory):
    """A submitted attempt written directly (for selector tests); scores are whatever you pass."""

    class Meta:
        model = Attempt

    quiz = factory.SubFactory(QuizFactory)
    user = factory.SubFactory(StudentFactory)
    started_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=5))
    submitted_at = factory.LazyFunction(timezone.now)
    score_percent = Decimal("80.00")
    passed = True
    pass_mark = 60


def form_data(attempt, *, right: bool = True, skip: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """POST values answering every question of ``attempt`` rightly (or wrongly when ``right=False``).

    ``skip`` lists question kinds to leave unanswered. Built from the attempt's snapshot.
    """
    data: dict[str, list[str]] = {}
    for answer in attempt.answers.all():
        if answer.kind in skip:
            continue
        if answer.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            ids = [str(c["id"]) for c in answer.choices if c["correct"] == right]
            data[answer.field_name] = ids[:1] if answer.kind == Question.Kind.SINGLE else ids
        elif answer.kind == Question.Kind.TRUE_FALSE:
            data[answer.field_name] = ["true" if answer.correct_bool == right else "false"]
        else:
            data[answer.field_name] = [answer.accepted_answers[0] if right else "完全错误的答案"]
    return data
