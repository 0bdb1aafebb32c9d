"""Starting, submitting and closing attempts: snapshots, shuffling, time limit, double submission, policy."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.test import override_settings
from freezegun import freeze_time

from quizzes.models import Attempt, AttemptAnswer, Choice, Question
from quizzes.scoring import AnswersInvalid
from quizzes.services import (
    AttemptLimitReached,
    QuizUnavailable,
    SubmitResult,
    attempts_close_expired,
    quiz_attempt_start,
    quiz_attempt_submit,
)
from quizzes.tests.factories import QuestionFactory, QuizFactory, form_data, quiz_with_all_kinds, single_question

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 9, 7, 9, 0, tzinfo=dt.UTC)


def test_start_copies_every_question_into_the_attempt(quiz, student):
    attempt, created = quiz_attempt_start(quiz=quiz, user=student, now=T0)
    assert created is True
    assert (attempt.started_at, attempt.deadline, attempt.pass_mark, attempt.points_possible) == (T0, None, 60, 4)
    rows = list(attempt.answers.order_by("position"))
    assert [r.position for r in rows] == [0, 1, 2, 3]
    by_kind = {r.kind: r for r in rows}
    single = Question.objects.get(quiz=quiz, key="single")
    assert by_kind["single"].text_html == single.text_html
    assert by_kind["single"].explanation_html == single.explanation_html
    assert sorted((c["html"], c["correct"]) for c in by_kind["single"].choices) == [
        ("A", True),
        ("B", False),
        ("C", False),
    ]
    assert by_kind["true_false"].correct_bool is True
    assert by_kind["short_answer"].accepted_answers == ["GPT-3"]
    assert all(r.response is None and r.is_correct is None for r in rows)


def test_start_shuffles_questions_and_choices_per_attempt(student):
    quiz = QuizFactory()
    for i in range(6):
        QuestionFactory(quiz=quiz, key=f"k{i}", order=i, choices=[(f"c{i}{j}", j == 0) for j in range(4)])
    authored_questions = [q.text_html for q in quiz.questions.order_by("order")]
    orders, choice_orders = set(), set()
    for seed in range(8):
        attempt, _ = quiz_attempt_start(quiz=quiz, user=student, now=T0, rng=random.Random(seed))
        rows = list(attempt.answers.order_by("position"))
        shown = [r.text_html for r in rows]
        assert sorted(shown) == sorted(authored_questions)
        orders.add(tuple(shown))
        choice_orders.add(tuple(c["html"] for c in rows[0].choices))
        attempt.delete()
    assert len(orders) > 1, "question order never changed over 8 seeds"
    assert len(choice_orders) > 1, "choice order never changed over 8 seeds"


def test_start_resumes_the_open_attempt(quiz, student):
    first, created = quiz_attempt_start(quiz=quiz, user=student, now=T0)
    again, created_again = quiz_attempt_start(quiz=quiz, user=student, now=T0 + dt.timedelta(minutes=3))
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert Attempt.objects.count() == 1


def test_database_refuses_two_open_attempts(quiz, student):
    quiz_attempt_start(quiz=quiz, user=student, now=T0)
    with pytest.raises(IntegrityError):
        Attempt.objects.create(quiz=quiz, user=student, started_at=T0)


def test_attempt_policy_counts_started_attempts(student):
    quiz = quiz_with_all_kinds(max_attempts=2)
    for _ in range(2):
        attempt, _ = quiz_attempt_start(quiz=quiz, user=student, now=T0)
        quiz_attempt_submit(attempt_id=attempt.pk, user=student, data=form_data(attempt, right=False), now=T0)
    with pytest.raises(AttemptLimitReached):
        quiz_attempt_start(quiz=quiz, user=student, now=T0)
    assert Attempt.objects.filter(user=student).count() == 2


def test_attempt_policy_does_not_block_other_students(student, other_student):
    quiz = quiz_with_all_kinds(max_attempts=1)
    quiz_attempt_start(quiz=quiz, user=student, now=T0)
    attempt, created = quiz_attempt_start(quiz=quiz, user=other_student, now=T0)
    assert created is True


def test_unpublished_quiz_cannot_be_started_by_a_student(student, admin_user):
    quiz = quiz_with_all_kinds(is_published=False)
    with pytest.raises(QuizUnavailable):
        quiz_attempt_start(quiz=quiz, user=student, now=T0)
    attempt, created = quiz_attempt_start(quiz=quiz, user=admin_user, now=T0)
    assert created is True


def test_quiz_without_sound_questions_cannot_be_started(student):
    quiz = QuizFactory()
    QuestionFactory(quiz=quiz, choices=[("A", False), ("B", False)])  # single choice without a right answer
    with pytest.raises(QuizUnavailable):
        quiz_attempt_start(quiz=quiz, user=student, now=T0)


def test_broken_questions_are_left_out_of_an_attempt(student):
    quiz = QuizFactory()
    good = single_question(quiz)
    QuestionFactory(quiz=quiz, kind=Question.Kind.TRUE_FALSE, correct_bool=None)
    attempt, _ = quiz_attempt_start(quiz=quiz, user=student, now=T0)
    assert [a.question_id for a in attempt.answers.all()] == [good.pk]
    assert attempt.points_possible == 1


def test_submit_all_right_scores_100_and_passes(quiz, student):
    attempt, _ = quiz_attempt_start(quiz=quiz, user=student, now=T0)
    result = quiz_attempt_submit(attempt_id=attempt.pk, user=student, data=form_data(attempt), now=T0)
    attempt.refresh_from_db()
    assert result.outcome == SubmitResult.SCORED
    assert (attempt.score_percent, attempt.passed, attempt.points_awarded, attempt.submitted_at) == (
        Decimal("100.00"),
        True,
        4,
        T0,
    )
    assert list(attempt.answers.values_list("is_correct", "points_awarded")) == [(True, 1)] * 4


def test_submit_stores_each_response(quiz, student):
    attempt, _ = quiz_attempt_start(quiz=quiz, user=student, now=T0)
    rows = {a.kind: a for a in attempt.answers.all()}
    wrong_single = next(c["id"] for c in rows["single"].choices if not c["correct"])
    right_multiple = sorted(c["id"] for c in rows["multiple"].choices if c["correct"])
    data = {
        rows["single"].field_name: [str(wrong_single)],
        rows["multiple"].field_name: [str(right_multiple[0])],  # partial: 1 of 2 correct
        rows["true_false"].field_name: ["true"],
        rows["short_answer"].field_name: ["ＧＰＴ－３ "],
    }
    quiz_attempt_submit(attempt_id=attempt.pk, user=student, data=data, now=T0)
    attempt.refresh_from_db()
    stored = {a.kind: (a.response, a.is_correct, a.points_awarded) for a in attempt.answers.all()}
    assert stored == {
        "single": ([wrong_single], False, 0),
        "multiple": ([right_multiple[0]], False, 0),
        "true_false": (True, True, 1),
        "short_answer": ("ＧＰＴ－３", True, 1),
    }
    assert (attempt.score_percent, attempt.passed) == (Decimal("50.00"), False)


def test_points_weight_the_score(student):
    quiz = QuizFactory(pass_mark=75)
    single_question(quiz, points=3)
    QuestionFactory(quiz=quiz, kind=Question.Kind.TRUE_FALSE, correct_bool=False, points=1)
    attempt, _ = quiz_attempt_start(quiz=quiz, user=student, now=T0)
    data = form_data(attempt)
    tf = attempt.answers.get(kind="true_false")
    data[tf.field_name] = ["true"]  # wrong
    quiz_attempt_submit(attempt_id=attempt.pk, user=student, data=data, now=T0)
    attempt.refresh_from_db()
    assert (attempt.points_awarded, attempt.points_possible, attempt.score_percent, attempt.passed) == (
        3,
        4,
        Decimal("75.00"),
        True,
    )


def test_second_submission_changes_nothing(quiz, student):
    attempt, _ = quiz_attempt_start(quiz=quiz, user=student, now=T0)
    quiz_attempt_submit(attempt_id=attempt.pk, user=student, data=form_data(attempt, right=False), now=T0)
    before = list(AttemptAnswer.objects.filter(attempt=attempt).values_list("response", "is_correct"))
    later = T0 + dt.timedelta(minutes=1)
    result = quiz_attempt_submit(attempt_id=attempt.pk, user=student, data=form_data(attempt), now=later)
    attempt.refresh_from_db()
    assert result.outcome == SubmitResult.ALREADY_SUBMITTED
    assert (attempt.score_percent, attempt.passed, attempt.submitted_at) == (Decimal("0.00"), False, T0)
    assert list(AttemptAnswer.objects.filter(attempt=attempt).values_list("response", "is_correct")) == before


def test_replayed_malformed_post_after_submission_still_changes_nothing(quiz, student):
    attempt, _ = quiz_attempt_start(quiz=quiz, user=student, now=T0)
    quiz_attempt_submit(attempt_id=attempt.pk, user=student, data=form_data(attempt), now=T0)
    result = quiz_attempt_submit(attempt_id=attempt.pk, user=student, data={"a-0": ["junk"]}, now=T0)
    assert result.outcome == SubmitResult.ALREADY_SUBMITTED


def test_invalid_answers_record_nothing(quiz, student):
    attempt, _ = quiz_attempt_start(quiz=quiz, user=student, now=T0)
    data = form_data(attempt)
    data["a-999999"] = ["1"]
    with pytest.raises(AnswersInvalid):
        quiz_attempt_submit(attempt_id=attempt.pk, user=student, data=data, now=T0)
    attempt.refresh_from_db()
    assert (attempt.submitted_at, attempt.score_percent) == (None, None)
    assert set(attempt.answers.values_list("response", flat=True)) == {None}


def test_missing_answers_are_refused_unless_blank_is_allowed(quiz, student):
    attempt, _ = quiz_attempt_start(quiz=quiz, user=student, now=T0)
    data = form_data(attempt, skip=("multiple", "short_answer"))
    with pytest.raises(AnswersInvalid) as info:
        quiz_attempt_submit(attempt_id=attempt.pk, user=student, data=data, now=T0)
    assert info.value.only_missing is True
    assert len(info.value.errors) == 2
    quiz_attempt_submit(attempt_id=attempt.pk, user=student, data=data, allow_blank=True, now=T0)
    attempt.refresh_from_db()
    assert (attempt.points_awarded, attempt.score_percent, attempt.passed) == (2, Decimal("50.00"), False)


def test_submit_needs_the_owner(quiz, student, other_student):
    attempt, _ = quiz_attempt_start(quiz=quiz, user=student, now=T0)
    with pytest.raises(Attempt.DoesNotExist):
        quiz_attempt_submit(attempt_id=attempt.pk, user=other_student, data=form_data(attempt), now=T0)
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


# --- Time limit: 10 minutes, grace 30 s (the default setting). ---


@pytest.fixture
def timed_attempt(student):
    quiz = quiz_with_all_kinds(time_limit_minutes=10)
    with freeze_time(T0):
        attempt, _ = quiz_attempt_start(quiz=quiz, user=student)
    return attempt


def test_deadline_is_start_plus_limit(timed_attempt):
    assert timed_attempt.deadline == T0 + dt.timedelta(minutes=10)


@pytest.mark.parametrize(
    ("elapsed", "outcome", "score", "timed_out"),
    [
        pytest.param(
            dt.timedelta(minutes=9, seconds=59), SubmitResult.SCORED, Decimal("100.00"), False, id="inside-limit"
        ),
        pytest.param(dt.timedelta(minutes=10), SubmitResult.SCORED, Decimal("100.00"), False, id="at-deadline"),
        pytest.param(
            dt.timedelta(minutes=10, seconds=30), SubmitResult.SCORED, Decimal("100.00"), False, id="end-of-grace"
        ),
        pytest.param(
            dt.timedelta(minutes=10, seconds=31), SubmitResult.TIMED_OUT, Decimal("0.00"), True, id="after-grace"
        ),
        pytest.param(dt.timedelta(days=2), SubmitResult.TIMED_OUT, Decimal("0.00"), True, id="days-later"),
    ],
)
def test_time_limit_is_enforced_on_the_server(timed_attempt, student, elapsed, outcome, score, timed_out):
    with freeze_time(T0 + elapsed):
        result = quiz_attempt_submit(attempt_id=timed_attempt.pk, user=student, data=form_data(timed_attempt))
    attempt = Attempt.objects.get(pk=timed_attempt.pk)
    assert (result.outcome, attempt.score_percent, attempt.timed_out) == (outcome, score, timed_out)
    assert attempt.submitted_at is not None


def test_after_grace_no_answer_is_recorded_and_submission_time_is_the_deadline(timed_attempt, student):
    with freeze_time(T0 + dt.timedelta(minutes=11)):
        quiz_attempt_submit(attempt_id=timed_attempt.pk, user=student, data=form_data(timed_attempt))
    attempt = Attempt.objects.get(pk=timed_attempt.pk)
    assert (attempt.submitted_at, attempt.points_awarded, attempt.passed) == (T0 + dt.timedelta(minutes=10), 0, False)
    assert list(attempt.answers.values_list("response", "is_correct", "points_awarded")) == [(None, False, 0)] * 4


def test_inside_grace_blank_answers_are_accepted_without_asking(timed_attempt, student):
    data = form_data(timed_attempt, skip=("single", "multiple"))
    with freeze_time(T0 + dt.timedelta(minutes=10, seconds=5)):
        result = quiz_attempt_submit(attempt_id=timed_attempt.pk, user=student, data=data)
    attempt = Attempt.objects.get(pk=timed_attempt.pk)
    assert (result.outcome, attempt.score_percent) == (SubmitResult.SCORED, Decimal("50.00"))


@override_settings(QUIZ_TIME_LIMIT_GRACE_SECONDS=0)
def test_grace_comes_from_the_setting(timed_attempt, student):
    with freeze_time(T0 + dt.timedelta(minutes=10, seconds=1)):
        result = quiz_attempt_submit(attempt_id=timed_attempt.pk, user=student, data=form_data(timed_attempt))
    assert result.outcome == SubmitResult.TIMED_OUT


def test_starting_again_after_an_expired_attempt_closes_it_and_starts_a_new_one(timed_attempt, student):
    with freeze_time(T0 + dt.timedelta(hours=1)):
        attempt, created = quiz_attempt_start(quiz=timed_attempt.quiz, user=student)
    old = Attempt.objects.get(pk=timed_attempt.pk)
    assert created is True and attempt.pk != old.pk
    assert (old.timed_out, old.score_percent, old.submitted_at) == (True, Decimal("0.00"), old.deadline)


def test_attempts_close_expired_closes_only_expired_attempts(timed_attempt, other_student):
    fresh_quiz = quiz_with_all_kinds(time_limit_minutes=10)
    with freeze_time(T0 + dt.timedelta(minutes=5)):
        fresh, _ = quiz_attempt_start(quiz=fresh_quiz, user=other_student)
    untimed, _ = quiz_attempt_start(quiz=quiz_with_all_kinds(), user=other_student, now=T0)
    closed = attempts_close_expired(now=T0 + dt.timedelta(minutes=10, seconds=45))
    assert closed == 1
    assert Attempt.objects.get(pk=timed_attempt.pk).timed_out is True
    assert Attempt.objects.get(pk=fresh.pk).submitted_at is None
    assert Attempt.objects.get(pk=untimed.pk).submitted_at is None


# --- Editing a quiz never changes past attempts. ---


def test_editing_questions_after_an_attempt_leaves_score_and_review_unchanged(quiz, student):
    attempt, _ = quiz_attempt_start(quiz=quiz, user=student, now=T0)
    quiz_attempt_submit(attempt_id=attempt.pk, user=student, data=form_data(attempt), now=T0)
    review_before = list(
        attempt.answers.values_list(
            "position", "text_html", "explanation_html", "choices", "accepted_answers", "points"
        )
    )

    single = Question.objects.get(quiz=quiz, key="single")
    single.text = "改过的题目"
    single.explanation = "改过的解析"
    single.points = 5
    single.save()
    Choice.objects.filter(question=single).update(is_correct=False)
    Choice.objects.filter(question=single, text="B").update(is_correct=True, text="B2")
    short = Question.objects.get(quiz=quiz, key="short")
    short.accepted_answers = ["GPT-4"]
    short.save()
    Question.objects.filter(quiz=quiz, key="tf").delete()
    quiz.pass_mark = 100
    quiz.save()

    attempt.refresh_from_db()
    assert (attempt.score_percent, attempt.passed, attempt.points_awarded, attempt.pass_mark) == (
        Decimal("100.00"),
        True,
        4,
        60,
    )
    assert (
        list(
            attempt.answers.values_list(
                "position", "text_html", "explanation_html", "choices", "accepted_answers", "points"
            )
        )
        == review_before
    )
    assert attempt.answers.count() == 4


def test_an_open_attempt_is_scored_against_what_the_student_was_shown(quiz, student):
    attempt, _ = quiz_attempt_start(quiz=quiz, user=student, now=T0)
    data = form_data(attempt)
    Choice.objects.filter(question__quiz=quiz, question__key="single").update(is_correct=False)
    Question.objects.filter(quiz=quiz, key="short").update(accepted_answers=["something else"])
    quiz_attempt_submit(attempt_id=attempt.pk, user=student, data=data, now=T0)
    attempt.refresh_from_db()
    assert attempt.score_percent == Decimal("100.00")
