"""The scoring rules: normalisation, marking each question kind, parsing form values, percentages."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import translation

from quizzes.scoring import (
    AnswersInvalid,
    answer_is_correct,
    answer_normalise,
    question_problems,
    responses_parse,
    score_percent,
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def snap(kind, pk=1, choices=(), correct_bool=None, accepted=()):
    """A stand-in for an AttemptAnswer snapshot."""
    return SimpleNamespace(
        pk=pk,
        kind=kind,
        choices=[{"id": cid, "html": f"c{cid}", "correct": ok} for cid, ok in choices],
        correct_bool=correct_bool,
        accepted_answers=list(accepted),
    )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        pytest.param("ＧＰＴ－３ ", "gpt-3", id="full-width-letters-digits-hyphen-and-trailing-space"),
        pytest.param("gpt-3", "gpt-3", id="already-normal"),
        pytest.param("  Chain   of\tThought\n", "chain of thought", id="inner-white-space-collapsed"),
        pytest.param("\u3000注意力\u3000", "注意力", id="ideographic-spaces-trimmed"),
        pytest.param("Ａｔｔｅｎｔｉｏｎ", "attention", id="full-width-word"),
        pytest.param("Straße", "strasse", id="case-folding-not-just-lower"),
        pytest.param("ｐｉｐｅｌｉｎｅ（）", "pipeline()", id="full-width-parentheses"),
        pytest.param("", "", id="empty"),
    ],
)
def test_answer_normalise(typed, expected):
    assert answer_normalise(typed) == expected


@pytest.mark.parametrize(
    ("typed", "correct"),
    [
        pytest.param("ＧＰＴ－３ ", True, id="full-width-matches"),
        pytest.param("gpt-3", True, id="lower-case-matches"),
        pytest.param("  GPT-3", True, id="leading-space"),
        pytest.param("gpt3", True, id="second-accepted-answer"),
        pytest.param("gpt 3", False, id="space-instead-of-hyphen"),
        pytest.param("gpt-4", False, id="wrong"),
        pytest.param(None, False, id="unanswered"),
    ],
)
def test_short_answer_marking(typed, correct):
    question = snap("short_answer", accepted=["GPT-3", "GPT3"])
    assert answer_is_correct(question, typed) is correct


def test_single_choice_marking():
    question = snap("single", choices=[(10, True), (11, False), (12, False)])
    assert answer_is_correct(question, [10]) is True
    assert answer_is_correct(question, [11]) is False
    assert answer_is_correct(question, None) is False


@pytest.mark.parametrize(
    ("picked", "correct"),
    [
        pytest.param([10, 11], True, id="exactly-the-correct-set"),
        pytest.param([10], False, id="partial-one-of-two-correct"),
        pytest.param([11], False, id="partial-other-one"),
        pytest.param([10, 11, 12], False, id="all-correct-plus-a-wrong-one"),
        pytest.param([10, 12], False, id="one-correct-one-wrong"),
        pytest.param([10, 11, 12, 13], False, id="everything"),
        pytest.param([12, 13], False, id="only-wrong"),
        pytest.param(None, False, id="unanswered"),
    ],
)
def test_multiple_choice_is_all_or_nothing(picked, correct):
    question = snap("multiple", choices=[(10, True), (11, True), (12, False), (13, False)])
    assert answer_is_correct(question, picked) is correct


@pytest.mark.parametrize(
    ("stored", "given", "correct"),
    [(True, True, True), (True, False, False), (False, False, True), (False, True, False)],
)
def test_true_false_marking(stored, given, correct):
    assert answer_is_correct(snap("true_false", correct_bool=stored), given) is correct


@pytest.mark.parametrize(
    ("awarded", "possible", "expected"),
    [
        (2, 3, "66.67"),
        (1, 3, "33.33"),
        (1, 8, "12.50"),
        (5, 5, "100.00"),
        (0, 4, "0.00"),
        (0, 0, "0.00"),
        (1, 6, "16.67"),
    ],
)
def test_score_percent_rounds_half_up_to_hundredths(awarded, possible, expected):
    assert score_percent(awarded, possible) == Decimal(expected)


ROWS = [
    snap("single", pk=1, choices=[(10, True), (11, False)]),
    snap("multiple", pk=2, choices=[(20, True), (21, True), (22, False)]),
    snap("true_false", pk=3, correct_bool=True),
    snap("short_answer", pk=4, accepted=["RAG"]),
]
GOOD = {"a-1": ["10"], "a-2": ["21", "20"], "a-3": ["false"], "a-4": ["  ＲＡＧ "], "csrfmiddlewaretoken": ["x"]}


def test_responses_parse_good_values():
    assert responses_parse(answers=ROWS, data=GOOD, allow_blank=False) == {1: [10], 2: [20, 21], 3: False, 4: "ＲＡＧ"}


def test_responses_parse_blank_allowed_gives_none():
    data = {"a-1": ["10"], "a-4": ["   "]}
    assert responses_parse(answers=ROWS, data=data, allow_blank=True) == {1: [10], 2: None, 3: None, 4: None}


def test_responses_parse_missing_answers_are_reported_per_question():
    with pytest.raises(AnswersInvalid) as info:
        responses_parse(answers=ROWS, data={"a-1": ["10"], "a-4": [""]}, allow_blank=False)
    assert info.value.errors == {
        2: "Please answer this question.",
        3: "Please answer this question.",
        4: "Please answer this question.",
    }
    assert info.value.problems == []
    assert info.value.only_missing is True


@pytest.mark.parametrize(
    ("change", "question_id", "message"),
    [
        pytest.param({"a-1": ["99"]}, 1, "Unknown choice 99.", id="unknown-choice"),
        pytest.param({"a-1": ["20"]}, 1, "Unknown choice 20.", id="choice-of-another-question"),
        pytest.param({"a-1": ["abc"]}, 1, "“abc” is not a choice.", id="non-numeric-choice"),
        pytest.param({"a-1": ["10", "11"]}, 1, "Pick only one choice.", id="two-values-for-single"),
        pytest.param({"a-2": ["20", "-1"]}, 2, "“-1” is not a choice.", id="negative-choice"),
        pytest.param({"a-3": ["yes"]}, 3, "Answer with true or false.", id="true-false-other-word"),
        pytest.param({"a-3": ["true", "false"]}, 3, "Answer with true or false.", id="true-false-both"),
        pytest.param({"a-4": ["a", "b"]}, 4, "Give one answer.", id="short-two-values"),
        pytest.param({"a-4": ["x" * 501]}, 4, "The answer is too long (at most 500 characters).", id="short-too-long"),
        # PostgreSQL cannot store NUL in the response: refused here instead of a 500 on submit.
        pytest.param({"a-4": ["a\x00b"]}, 4, "Null characters are not allowed.", id="short-nul"),
    ],
)
def test_responses_parse_malformed_values(change, question_id, message):
    with pytest.raises(AnswersInvalid) as info:
        responses_parse(answers=ROWS, data={**GOOD, **change}, allow_blank=True)
    assert info.value.errors == {question_id: message}
    assert info.value.only_missing is False


@pytest.mark.parametrize("name", ["a-999", "a-x", "a-"])
def test_responses_parse_unknown_question(name):
    with pytest.raises(AnswersInvalid) as info:
        responses_parse(answers=ROWS, data={**GOOD, name: ["10"]}, allow_blank=False)
    assert info.value.problems == [f"The form contains an unknown question ({name})."]
    assert info.value.errors == {}
    assert info.value.only_missing is False


@pytest.mark.parametrize(
    ("kwargs", "problems"),
    [
        pytest.param({"kind": "single", "choices": [("a", True), ("b", False)]}, [], id="single-ok"),
        pytest.param(
            {"kind": "single", "choices": [("a", True), ("b", True)]},
            ["A single-choice question needs exactly one correct choice (found 2)."],
            id="single-two-correct",
        ),
        pytest.param(
            {"kind": "single", "choices": [("a", True)]},
            ["A choice question needs at least two choices (found 1)."],
            id="single-one-choice",
        ),
        pytest.param(
            {"kind": "multiple", "choices": [("a", False), ("b", False)]},
            ["A multiple-choice question needs at least one correct choice."],
            id="multiple-none-correct",
        ),
        pytest.param(
            {"kind": "multiple", "choices": [("a", True), (" ", False)]}, ["A choice has no text."], id="blank-choice"
        ),
        pytest.param(
            {"kind": "true_false"}, ["A true-or-false question needs its answer (true or false)."], id="tf-no-answer"
        ),
        pytest.param({"kind": "true_false", "correct_bool": False}, [], id="tf-ok"),
        pytest.param(
            {"kind": "true_false", "correct_bool": True, "choices": [("a", True)]},
            ["Only single- and multiple-choice questions have choices."],
            id="tf-with-choices",
        ),
        pytest.param(
            {"kind": "short_answer", "accepted_answers": ["  "]},
            ["A short-answer question needs at least one accepted answer."],
            id="short-blank-accepted",
        ),
        pytest.param({"kind": "essay"}, ["Unknown question kind “essay”."], id="unknown-kind"),
    ],
)
def test_question_problems(kwargs, problems):
    arguments = {"choices": [], "correct_bool": None, "accepted_answers": [], **kwargs}
    assert question_problems(**arguments) == problems
