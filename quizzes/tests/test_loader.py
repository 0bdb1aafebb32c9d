"""``manage.py load_quizzes``: the YAML quiz bank, its error messages, idempotent re-loads, the default bank."""

import copy
import io
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from curriculum.tests.factories import SectionFactory
from quizzes.bank import DEFAULT_QUIZ_BANK_PATH
from quizzes.models import Attempt, Choice, Question, Quiz
from quizzes.scoring import question_problems
from quizzes.services import quiz_attempt_start, quiz_attempt_submit
from quizzes.tests.factories import form_data

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]

GOOD = {
    "quizzes": [
        {
            "key": "alpha",
            "section": "sec-a",
            "title": "甲测验",
            "description": "说明 **粗体**",
            "pass_mark": 70,
            "time_limit_minutes": 10,
            "max_attempts": 3,
            "questions": [
                {
                    "key": "one",
                    "kind": "single",
                    "text": "单选 *题*",
                    "points": 2,
                    "choices": [{"text": "对", "correct": True}, {"text": "错"}],
                    "explanation": "因为。",
                },
                {
                    "key": "two",
                    "kind": "multiple",
                    "text": "多选",
                    "choices": [{"text": "A", "correct": True}, {"text": "B", "correct": True}, {"text": "C"}],
                },
                {"key": "three", "kind": "true_false", "text": "判断", "answer": False},
                {"key": "four", "kind": "short_answer", "text": "填空", "accepted": ["GPT-3", "GPT3"]},
            ],
        },
        {
            "key": "beta",
            "section": "sec-b",
            "title": "乙测验",
            "published": False,
            "questions": [{"key": "only", "kind": "true_false", "text": "对吗？", "answer": True}],
        },
    ]
}


@pytest.fixture
def sections():
    return SectionFactory(slug="sec-a"), SectionFactory(slug="sec-b")


def write(tmp_path, doc, name="bank.yaml") -> Path:
    path = tmp_path / name
    text = doc if isinstance(doc, str) else yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def load(*paths, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("load_quizzes", *[str(p) for p in paths], stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_good_file_loads_everything(tmp_path, sections):
    out, err = load(write(tmp_path, GOOD))
    assert (
        out == "Quizzes: 2 created, 0 updated, 0 unchanged. Questions: 5 created, 0 updated, 0 unchanged, 0 deleted.\n"
    )
    assert err == ""
    alpha = Quiz.objects.get(key="alpha")
    assert (
        alpha.section,
        alpha.title,
        alpha.pass_mark,
        alpha.time_limit_minutes,
        alpha.max_attempts,
        alpha.is_published,
        alpha.description_html,
    ) == (sections[0], "甲测验", 70, 10, 3, True, "<p>说明 <strong>粗体</strong></p>")
    assert Quiz.objects.get(key="beta").is_published is False
    rows = list(alpha.questions.order_by("order").values_list("key", "order", "kind", "points", "correct_bool"))
    assert rows == [
        ("one", 0, "single", 2, None),
        ("two", 1, "multiple", 1, None),
        ("three", 2, "true_false", 1, False),
        ("four", 3, "short_answer", 1, None),
    ]
    one = alpha.questions.get(key="one")
    assert (one.text_html, one.explanation_html) == ("<p>单选 <em>题</em></p>", "<p>因为。</p>")
    assert list(one.choices.values_list("order", "text", "is_correct")) == [(0, "对", True), (1, "错", False)]
    assert alpha.questions.get(key="four").accepted_answers == ["GPT-3", "GPT3"]


def test_dry_run_writes_nothing(tmp_path, sections):
    out, _err = load(write(tmp_path, GOOD), dry_run=True)
    assert out == (
        "Dry run, nothing written. Quizzes: 2 created, 0 updated, 0 unchanged. "
        "Questions: 5 created, 0 updated, 0 unchanged, 0 deleted.\n"
    )
    assert (Quiz.objects.count(), Question.objects.count(), Choice.objects.count()) == (0, 0, 0)


def test_reload_is_idempotent(tmp_path, sections):
    path = write(tmp_path, GOOD)
    load(path)
    before = sorted(Question.objects.values_list("pk", "key", "modified"))
    choices_before = sorted(Choice.objects.values_list("pk", "text"))
    out, _err = load(path)
    assert (
        out == "Quizzes: 0 created, 0 updated, 2 unchanged. Questions: 0 created, 0 updated, 5 unchanged, 0 deleted.\n"
    )
    assert sorted(Question.objects.values_list("pk", "key", "modified")) == before
    assert sorted(Choice.objects.values_list("pk", "text")) == choices_before


def test_reload_updates_in_place_and_leaves_past_attempts_alone(tmp_path, sections, student):
    path = write(tmp_path, GOOD)
    load(path)
    alpha = Quiz.objects.get(key="alpha")
    attempt, _ = quiz_attempt_start(quiz=alpha, user=student)
    quiz_attempt_submit(attempt_id=attempt.pk, user=student, data=form_data(attempt))
    snapshot = list(attempt.answers.values_list("text_html", "choices", "accepted_answers", "points"))
    one_pk = alpha.questions.get(key="one").pk

    doc = copy.deepcopy(GOOD)
    questions = doc["quizzes"][0]["questions"]
    questions[0]["text"] = "新的单选"
    questions[0]["choices"] = [{"text": "错"}, {"text": "对", "correct": True}, {"text": "也许"}]
    questions[3]["accepted"] = ["GPT-4"]
    del questions[1]  # "two" goes away
    questions.append({"key": "five", "kind": "true_false", "text": "新题", "answer": True})
    doc["quizzes"][0]["pass_mark"] = 90
    out, _err = load(write(tmp_path, doc))

    assert (
        out == "Quizzes: 0 created, 1 updated, 1 unchanged. Questions: 1 created, 3 updated, 1 unchanged, 1 deleted.\n"
    )
    alpha.refresh_from_db()
    one = alpha.questions.get(key="one")
    assert (alpha.pass_mark, one.pk, one.text_html) == (90, one_pk, "<p>新的单选</p>")
    assert list(one.choices.values_list("text", "is_correct")) == [("错", False), ("对", True), ("也许", False)]
    assert list(alpha.questions.order_by("order").values_list("key", flat=True)) == ["one", "three", "four", "five"]
    attempt = Attempt.objects.get(pk=attempt.pk)
    assert (attempt.score_percent, attempt.passed, attempt.pass_mark) == (Decimal("100.00"), True, 70)
    assert list(attempt.answers.values_list("text_html", "choices", "accepted_answers", "points")) == snapshot


def test_directory_of_files(tmp_path, sections):
    folder = tmp_path / "bank"
    folder.mkdir()
    write(folder, {"quizzes": GOOD["quizzes"][:1]}, "a.yaml")
    write(folder, {"quizzes": GOOD["quizzes"][1:]}, "b.yml")
    (folder / "notes.txt").write_text("ignored")
    out, _err = load(folder)
    assert out.startswith("Quizzes: 2 created")


def test_missing_sections_can_be_skipped_with_a_warning(tmp_path):
    SectionFactory(slug="sec-b")
    path = write(tmp_path, GOOD)
    out, err = load(path, skip_missing_sections=True)
    assert err == f'Warning: {path}: quiz "alpha": skipped, section "sec-a" does not exist\n'
    assert (
        out == "Quizzes: 1 created, 0 updated, 0 unchanged. Questions: 1 created, 0 updated, 0 unchanged, 0 deleted.\n"
    )
    assert list(Quiz.objects.values_list("key", flat=True)) == ["beta"]


def mutate(fn):
    doc = copy.deepcopy(GOOD)
    fn(doc)
    return doc


def q(doc, quiz=0, question=0):
    return doc["quizzes"][quiz]["questions"][question]


BAD_CASES = [
    pytest.param(
        "quizzes: [\n  - key: a\n   title: b\n",
        "invalid YAML at line 2, column 3: expected the node content, but found '-'",
        id="yaml-syntax",
    ),  # fmt: skip
    pytest.param("- just\n- a list\n", 'the top level must be a mapping with a "quizzes" list', id="top-level-list"),
    pytest.param("", 'the top level must be a mapping with a "quizzes" list', id="empty-file"),
    pytest.param({"quizzes": [], "x": 1}, 'unknown top-level field "x"', id="unknown-top-level-field"),
    pytest.param({"quizzes": []}, 'the "quizzes" list is empty', id="no-quizzes"),
    pytest.param(mutate(lambda d: d["quizzes"][0].pop("key")), 'quiz #1: missing "key"', id="quiz-without-key"),
    pytest.param(
        mutate(lambda d: d["quizzes"][1].update(key="Beta Quiz")),
        'quiz "Beta Quiz": "key" must be lower-case letters, digits, "-" or "_" (at most 100 characters)',
        id="quiz-bad-key",
    ),
    pytest.param(
        mutate(lambda d: d["quizzes"][1].update(titel="x")),
        'quiz "beta": unknown field "titel"',
        id="quiz-unknown-field",
    ),  # fmt: skip
    pytest.param(
        mutate(lambda d: d["quizzes"][1].pop("title")), 'quiz "beta": missing "title"', id="quiz-without-title"
    ),  # fmt: skip
    pytest.param(
        mutate(lambda d: d["quizzes"][1].update(section=7)),
        'quiz "beta": "section" must be a section slug',
        id="section-not-text",
    ),  # fmt: skip
    pytest.param(
        mutate(lambda d: d["quizzes"][0].update(pass_mark=150)),
        'quiz "alpha": "pass_mark" must be a whole number 0–100, not 150',
        id="pass-mark-out-of-range",
    ),
    pytest.param(
        mutate(lambda d: d["quizzes"][0].update(pass_mark="60%")),
        'quiz "alpha": "pass_mark" must be a whole number 0–100, not \'60%\'',
        id="pass-mark-not-a-number",
    ),
    pytest.param(
        mutate(lambda d: d["quizzes"][0].update(time_limit_minutes=0)),
        'quiz "alpha": "time_limit_minutes" must be a whole number 1–32767, not 0',
        id="time-limit-zero",
    ),
    pytest.param(
        mutate(lambda d: d["quizzes"][0].update(max_attempts=True)),
        'quiz "alpha": "max_attempts" must be a whole number 1–32767, not True',
        id="max-attempts-bool",
    ),
    pytest.param(
        mutate(lambda d: d["quizzes"][0].update(published="yes")),
        'quiz "alpha": "published" must be true or false, not \'yes\'',
        id="published-not-bool",
    ),
    pytest.param(
        mutate(lambda d: d["quizzes"][0].update(questions={})),
        'quiz "alpha": "questions" must be a list',
        id="questions-not-list",
    ),  # fmt: skip
    pytest.param(
        mutate(lambda d: d["quizzes"][1].update(key="alpha")),
        'quiz "alpha": duplicate quiz key (also in {path})',
        id="duplicate-quiz-key",
    ),  # fmt: skip
    pytest.param(
        mutate(lambda d: d["quizzes"][1].update(section="nope")),
        'quiz "beta": section "nope" does not exist',
        id="unknown-section",
    ),  # fmt: skip
    pytest.param(
        mutate(lambda d: q(d).pop("key")), 'quiz "alpha", question #1: missing "key"', id="question-without-key"
    ),  # fmt: skip
    pytest.param(
        mutate(lambda d: q(d, 0, 1).update(key="one")),
        'quiz "alpha", question "one": duplicate question key',
        id="duplicate-question-key",
    ),  # fmt: skip
    pytest.param(
        mutate(lambda d: q(d).update(text="  ")),
        'quiz "alpha", question "one": missing "text"',
        id="question-blank-text",
    ),  # fmt: skip
    pytest.param(
        mutate(lambda d: q(d).update(kind="essay")),
        'quiz "alpha", question "one": "kind" must be one of single, multiple, true_false, short_answer, not \'essay\'',
        id="unknown-kind",
    ),
    pytest.param(
        mutate(lambda d: q(d).update(hint="x")),
        'quiz "alpha", question "one": unknown field "hint"',
        id="question-unknown-field",
    ),  # fmt: skip
    pytest.param(
        mutate(lambda d: q(d).update(points=0)),
        'quiz "alpha", question "one": "points" must be a whole number 1–100, not 0',
        id="points-zero",
    ),
    pytest.param(
        mutate(lambda d: q(d)["choices"][1].update(correct=True)),
        'quiz "alpha", question "one": A single-choice question needs exactly one correct choice (found 2).',
        id="single-two-correct",
    ),
    pytest.param(
        mutate(lambda d: q(d).update(choices=[{"text": "只有一个", "correct": True}])),
        'quiz "alpha", question "one": A choice question needs at least two choices (found 1).',
        id="single-one-choice",
    ),
    pytest.param(
        mutate(lambda d: [c.pop("correct", None) for c in q(d, 0, 1)["choices"]]),
        'quiz "alpha", question "two": A multiple-choice question needs at least one correct choice.',
        id="multiple-none-correct",
    ),
    pytest.param(
        mutate(lambda d: q(d)["choices"][0].update(right=True)),
        'quiz "alpha", question "one", choice #1: unknown field "right"',
        id="choice-unknown-field",
    ),
    pytest.param(
        mutate(lambda d: q(d)["choices"][1].update(correct="no")),
        'quiz "alpha", question "one", choice #2: "correct" must be true or false, not \'no\'',
        id="choice-correct-not-bool",
    ),
    pytest.param(
        mutate(lambda d: q(d).update(answer=True)),
        'quiz "alpha", question "one": "answer" is only for true_false questions',
        id="answer-on-single",
    ),  # fmt: skip
    pytest.param(
        mutate(lambda d: q(d, 0, 2).pop("answer")),
        'quiz "alpha", question "three": A true-or-false question needs its answer (true or false).',
        id="true-false-without-answer",
    ),
    pytest.param(
        mutate(lambda d: q(d, 0, 2).update(answer="yes")),
        'quiz "alpha", question "three": "answer" must be true or false, not \'yes\'',
        id="true-false-answer-not-bool",
    ),
    pytest.param(
        mutate(lambda d: q(d, 0, 2).update(choices=[{"text": "对"}, {"text": "错"}])),
        'quiz "alpha", question "three": Only single- and multiple-choice questions have choices.',
        id="true-false-with-choices",
    ),
    pytest.param(
        mutate(lambda d: q(d, 0, 3).update(accepted=[])),
        'quiz "alpha", question "four": A short-answer question needs at least one accepted answer.',
        id="short-answer-without-accepted",
    ),
    pytest.param(
        mutate(lambda d: q(d, 0, 3).update(accepted={"a": 1})),
        'quiz "alpha", question "four": "accepted" must be a list of texts',
        id="accepted-not-a-list",
    ),
    pytest.param(
        mutate(lambda d: q(d).update(accepted=["x"])),
        'quiz "alpha", question "one": "accepted" is only for short_answer questions',
        id="accepted-on-single",
    ),  # fmt: skip
]


@pytest.mark.parametrize(("doc", "message"), BAD_CASES)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, sections, doc, message):
    path = write(tmp_path, doc)
    with pytest.raises(CommandError) as info:
        load(path)
    assert str(info.value) == f"{path}: {message}".replace("{path}", str(path))
    assert "\n" not in str(info.value)
    assert (Quiz.objects.count(), Question.objects.count(), Choice.objects.count()) == (0, 0, 0)


def test_missing_path(tmp_path):
    with pytest.raises(CommandError) as info:
        load(tmp_path / "nope.yaml")
    assert str(info.value) == f"{tmp_path / 'nope.yaml'}: no such file or directory"


def test_directory_without_yaml(tmp_path):
    with pytest.raises(CommandError) as info:
        load(tmp_path)
    assert str(info.value) == f"{tmp_path}: no .yaml or .yml files in this directory"


def test_a_bad_second_file_writes_nothing_from_the_first(tmp_path, sections):
    good = write(tmp_path, {"quizzes": GOOD["quizzes"][:1]}, "a.yaml")
    bad = write(tmp_path, mutate(lambda d: d["quizzes"][1].update(section="nope")), "b.yaml")
    with pytest.raises(CommandError):
        load(good, bad)
    assert Quiz.objects.count() == 0


def test_command_exits_non_zero_with_one_line(tmp_path):
    bad = write(tmp_path, "quizzes: {}\n")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "coinportal.settings.test"}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "load_quizzes", str(bad)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr == f'CommandError: {bad}: the top level must be a mapping with a "quizzes" list\n'


# --- The default bank shipped with the portal ---

DEFAULT_SLUGS = ["prompt-engineering", "nn-basics", "pytorch", "huggingface", "advanced-llm"]


def test_default_bank_loads_a_quiz_for_each_top_level_section(student):
    sections = {slug: SectionFactory(slug=slug) for slug in DEFAULT_SLUGS}
    out, err = load(DEFAULT_QUIZ_BANK_PATH)
    assert err == ""
    assert out.startswith("Quizzes: 5 created, 0 updated, 0 unchanged. Questions: ")
    assert sorted(Quiz.objects.values_list("section__slug", flat=True)) == sorted(DEFAULT_SLUGS)
    kinds = set()
    for slug, section in sections.items():
        quiz = Quiz.objects.get(section=section)
        questions = list(quiz.questions.prefetch_related("choices"))
        assert len(questions) >= 5, slug
        for question in questions:
            kinds.add(question.kind)
            assert question.explanation_html, f"{slug}/{question.key} has no explanation"
            assert (
                question_problems(
                    kind=question.kind,
                    choices=[(c.text, c.is_correct) for c in question.choices.all()],
                    correct_bool=question.correct_bool,
                    accepted_answers=question.accepted_answers,
                )
                == []
            )
        attempt, _ = quiz_attempt_start(quiz=quiz, user=student)
        quiz_attempt_submit(attempt_id=attempt.pk, user=student, data=form_data(attempt))
        attempt.refresh_from_db()
        assert (attempt.score_percent, attempt.passed) == (Decimal("100.00"), True), slug
    assert kinds == {"single", "multiple", "true_false", "short_answer"}
    again, _err = load(DEFAULT_QUIZ_BANK_PATH)
    assert again.startswith("Quizzes: 0 created, 0 updated, 5 unchanged. Questions: 0 created, 0 updated, ")


def test_default_bank_before_the_curriculum_is_imported_only_warns():
    out, err = load(DEFAULT_QUIZ_BANK_PATH, skip_missing_sections=True)
    assert err.count("Warning: ") == 5
    assert (
        out == "Quizzes: 0 created, 0 updated, 0 unchanged. Questions: 0 created, 0 updated, 0 unchanged, 0 deleted.\n"
    )
