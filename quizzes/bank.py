"""The plain-text quiz bank: YAML files read and checked before anything is written.

Format (one file holds any number of quizzes; every key is checked, unknown keys are errors)::

    quizzes:
      - key: prompt-engineering-basics   # required, a slug, unique across the files loaded together
        section: prompt-engineering      # required, the slug of an existing section
        title: 提示工程入门自测             # required
        description: Markdown…           # optional
        pass_mark: 60                    # optional, integer 0–100 (percent), default 60
        time_limit_minutes: 10           # optional, integer ≥ 1, or null for no limit (default)
        max_attempts: 3                  # optional, integer ≥ 1, or null for unlimited (default)
        published: true                  # optional, default true
        questions:                       # required, at least one
          - key: poe-models              # required, a slug, unique within the quiz
            kind: single                 # single | multiple | true_false | short_answer
            text: Markdown…              # required
            points: 1                    # optional, integer ≥ 1, default 1
            choices:                     # single and multiple only, at least two
              - text: Markdown…
                correct: true            # optional, default false
            answer: true                 # true_false only: true or false
            accepted: [GPT-3, GPT3]      # short_answer only: at least one text
            explanation: Markdown…       # optional, shown after the attempt is submitted

Keys are stable identifiers: loading the same file again updates quizzes and questions in place
(see :func:`quizzes.services.quiz_bank_load`). Problems raise :class:`BankError` with one line that
names the file, the quiz and the question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from quizzes.scoring import question_problems

#: The quiz bank shipped with the portal (loaded by ``manage.py setup_demo``).
DEFAULT_QUIZ_BANK_PATH = Path(__file__).resolve().parent / "data" / "default_quizzes.yaml"

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
KEY_MAX_LENGTH = 100
QUIZ_FIELDS = {
    "key", "section", "title", "description", "pass_mark", "time_limit_minutes", "max_attempts", "published",
    "questions",
}  # fmt: skip
QUESTION_FIELDS = {"key", "kind", "text", "points", "choices", "answer", "accepted", "explanation"}
CHOICE_FIELDS = {"text", "correct"}
KINDS = ("single", "multiple", "true_false", "short_answer")


class BankError(Exception):
    """A quiz bank file that cannot be loaded; ``str(error)`` is one readable line."""


@dataclass
class ChoiceSpec:
    text: str
    correct: bool


@dataclass
class QuestionSpec:
    key: str
    kind: str
    text: str
    points: int = 1
    choices: list[ChoiceSpec] = field(default_factory=list)
    answer: bool | None = None
    accepted: list[str] = field(default_factory=list)
    explanation: str = ""


@dataclass
class QuizSpec:
    """One quiz as read from a file. ``origin`` is ``'<path>: quiz "<key>"'`` for messages."""

    key: str
    section: str
    title: str
    origin: str
    description: str = ""
    pass_mark: int = 60
    time_limit_minutes: int | None = None
    max_attempts: int | None = None
    published: bool = True
    questions: list[QuestionSpec] = field(default_factory=list)


def bank_files(paths: list[str | Path]) -> list[Path]:
    """Expand the given paths: a file stays, a directory gives its ``*.yaml``/``*.yml`` files (sorted).

    Raises :class:`BankError` for a path that does not exist or a directory without YAML files.
    """
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
            if not found:
                raise BankError(f"{raw}: no .yaml or .yml files in this directory")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise BankError(f"{raw}: no such file or directory")
    return files


def bank_read(paths: list[str | Path]) -> list[QuizSpec]:
    """Read and check every quiz in ``paths`` (files or directories).

    Checks everything that does not need the database: structure, types, ranges, unknown fields,
    duplicate keys (quiz keys across all files, question keys within a quiz) and whether each
    question can be marked (:func:`quizzes.scoring.question_problems`).

    Returns:
        The quizzes in file order.
    Raises:
        BankError: the first problem, as one line naming the file, quiz and question.
    """
    specs: list[QuizSpec] = []
    seen: dict[str, str] = {}
    for path in bank_files(paths):
        for spec in _read_file(path):
            if spec.key in seen:
                raise BankError(f"{spec.origin}: duplicate quiz key (also in {seen[spec.key]})")
            seen[spec.key] = str(path)
            specs.append(spec)
    return specs


def _read_file(path: Path) -> list[QuizSpec]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BankError(f"{path}: cannot read the file ({exc.__class__.__name__})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise BankError(f"{path}: invalid YAML{where}: {problem}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("quizzes"), list):
        raise BankError(f'{path}: the top level must be a mapping with a "quizzes" list')
    extra = set(data) - {"quizzes"}
    if extra:
        raise BankError(f'{path}: unknown top-level field "{sorted(extra)[0]}"')
    if not data["quizzes"]:
        raise BankError(f'{path}: the "quizzes" list is empty')
    return [_read_quiz(path, index, raw) for index, raw in enumerate(data["quizzes"], start=1)]


def _label(kind: str, index: int, raw) -> str:
    key = raw.get("key") if isinstance(raw, dict) else None
    return f'{kind} "{key}"' if isinstance(key, str) and key else f"{kind} #{index}"


def _check_fields(where: str, raw, allowed: set[str], required: tuple[str, ...]) -> None:
    if not isinstance(raw, dict):
        raise BankError(f"{where}: must be a mapping")
    unknown = sorted(set(raw) - allowed, key=str)
    if unknown:
        raise BankError(f'{where}: unknown field "{unknown[0]}"')
    for name in required:
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise BankError(f'{where}: missing "{name}"')


def _check_key(where: str, value) -> str:
    if not isinstance(value, str) or not KEY_RE.match(value) or len(value) > KEY_MAX_LENGTH:
        raise BankError(
            f'{where}: "key" must be lower-case letters, digits, "-" or "_" (at most {KEY_MAX_LENGTH} characters)'
        )
    return value


def _text(where: str, raw: dict, name: str, *, required: bool = False) -> str:
    value = raw.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise BankError(f'{where}: "{name}" must be text')
    return value.strip()


def _int(where: str, raw: dict, name: str, *, default, low: int, high: int | None = None):
    if name not in raw or raw[name] is None:
        return default
    value = raw[name]
    if not isinstance(value, int) or isinstance(value, bool) or value < low or (high is not None and value > high):
        span = f"{low}–{high}" if high is not None else f"≥ {low}"
        raise BankError(f'{where}: "{name}" must be a whole number {span}, not {value!r}')
    return value


def _bool(where: str, raw: dict, name: str, *, default):
    if name not in raw or raw[name] is None:
        return default
    if not isinstance(raw[name], bool):
        raise BankError(f'{where}: "{name}" must be true or false, not {raw[name]!r}')
    return raw[name]


def _read_quiz(path: Path, index: int, raw) -> QuizSpec:
    where = f"{path}: {_label('quiz', index, raw)}"
    _check_fields(where, raw, QUIZ_FIELDS, ("key", "section", "title", "questions"))
    key = _check_key(where, raw["key"])
    section = raw["section"]
    if not isinstance(section, str):
        raise BankError(f'{where}: "section" must be a section slug')
    if not isinstance(raw["questions"], list):
        raise BankError(f'{where}: "questions" must be a list')
    title = _text(where, raw, "title", required=True)
    if len(title) > 200:
        raise BankError(f'{where}: "title" is longer than 200 characters')
    spec = QuizSpec(
        key=key,
        section=section,
        title=title,
        origin=where,
        description=_text(where, raw, "description"),
        pass_mark=_int(where, raw, "pass_mark", default=60, low=0, high=100),
        time_limit_minutes=_int(where, raw, "time_limit_minutes", default=None, low=1, high=32767),
        max_attempts=_int(where, raw, "max_attempts", default=None, low=1, high=32767),
        published=_bool(where, raw, "published", default=True),
    )
    seen: set[str] = set()
    for q_index, q_raw in enumerate(raw["questions"], start=1):
        question = _read_question(where, q_index, q_raw)
        if question.key in seen:
            raise BankError(f'{where}, question "{question.key}": duplicate question key')
        seen.add(question.key)
        spec.questions.append(question)
    return spec


def _read_question(quiz_where: str, index: int, raw) -> QuestionSpec:
    where = f"{quiz_where}, {_label('question', index, raw)}"
    _check_fields(where, raw, QUESTION_FIELDS, ("key", "kind", "text"))
    key = _check_key(where, raw["key"])
    kind = raw["kind"]
    if kind not in KINDS:
        raise BankError(f'{where}: "kind" must be one of {", ".join(KINDS)}, not {kind!r}')
    choices: list[ChoiceSpec] = []
    if "choices" in raw:
        if not isinstance(raw["choices"], list):
            raise BankError(f'{where}: "choices" must be a list')
        for c_index, c_raw in enumerate(raw["choices"], start=1):
            c_where = f"{where}, choice #{c_index}"
            _check_fields(c_where, c_raw, CHOICE_FIELDS, ("text",))
            text = c_raw["text"]
            if isinstance(text, bool | int | float):
                text = str(text).lower() if isinstance(text, bool) else str(text)
            if not isinstance(text, str) or len(text) > 1000:
                raise BankError(f'{c_where}: "text" must be text of at most 1000 characters')
            choices.append(ChoiceSpec(text=text.strip(), correct=_bool(c_where, c_raw, "correct", default=False)))
    if "answer" in raw and kind != "true_false":
        raise BankError(f'{where}: "answer" is only for true_false questions')
    if "accepted" in raw and kind != "short_answer":
        raise BankError(f'{where}: "accepted" is only for short_answer questions')
    accepted = raw.get("accepted", [])
    if isinstance(accepted, str):
        accepted = [accepted]
    if not isinstance(accepted, list) or not all(isinstance(a, str | int | float) for a in accepted):
        raise BankError(f'{where}: "accepted" must be a list of texts')
    spec = QuestionSpec(
        key=key,
        kind=kind,
        text=_text(where, raw, "text", required=True),
        points=_int(where, raw, "points", default=1, low=1, high=100),
        choices=choices,
        answer=_bool(where, raw, "answer", default=None),
        accepted=[str(a).strip() for a in accepted if str(a).strip()],
        explanation=_text(where, raw, "explanation"),
    )
    problems = question_problems(
        kind=kind,
        choices=[(c.text, c.correct) for c in choices],
        correct_bool=spec.answer,
        accepted_answers=spec.accepted,
    )
    if problems:
        raise BankError(f"{where}: {problems[0]}")
    return spec
