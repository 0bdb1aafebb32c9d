"""Pure scoring rules: answer normalisation, parsing of submitted form values, and marking.

Rules (issue "Quizzes: short self-checks per section"):

* **Single choice**: right when exactly the one correct choice is picked.
* **Multiple choice**: all-or-nothing. Right only when the set of picked choices equals the set of
  correct choices; a partial selection (some correct choices missing, or any wrong choice added)
  scores 0. Students are told "select all that apply".
* **True or false**: right when the answer equals the stored one.
* **Short answer**: right when the normalised answer equals one of the normalised accepted answers.
  Normalisation (:func:`answer_normalise`): Unicode NFKC (full-width letters, digits and punctuation
  become half-width, e.g. ``ＧＰＴ－３`` → ``GPT-3``; the ideographic space becomes a space), then
  case folding (``str.casefold``), NFKC again (case folding can leave non-normalised text), then
  leading/trailing white space is trimmed and inner runs of white space become one space.
  See Unicode Standard Annex #15 (normalisation forms) and §3.13 (caseless matching).
* Each question is worth its ``points``, all or nothing; the attempt's score is
  ``100 × awarded ÷ possible`` rounded half-up to 0.01 percent; it passes when the score is at least
  the pass mark.

Nothing here touches the database.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext as _

from quizzes.models import Question

#: Longest short answer accepted, in characters; longer values are malformed input.
SHORT_ANSWER_MAX_LENGTH = 500

Kind = Question.Kind
Response = list[int] | bool | str


def answer_normalise(text: str) -> str:
    """Normalise a short answer for comparison (see the module docstring for the rule).

    Args:
        text: what the student typed, or an accepted answer.
    Returns:
        The normalised text (str); ``"ＧＰＴ－３ "`` and ``"gpt-3"`` both give ``"gpt-3"``.
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(folded.split())


class AnswersInvalid(Exception):
    """Submitted values that cannot be recorded.

    Attributes:
        errors: ``{attempt_answer_id: message}`` for problems tied to one question.
        problems: messages not tied to a question of this attempt (unknown question ids).
        only_missing: True when every problem is an unanswered question (the student may resubmit
            or choose to submit with blanks); False when the input was malformed or tampered with.
    """

    def __init__(self, *, errors: dict[int, str], problems: list[str], only_missing: bool):
        self.errors = errors
        self.problems = problems
        self.only_missing = only_missing
        super().__init__("; ".join([*problems, *errors.values()]))


def responses_parse(
    *, answers: Sequence, data: Mapping[str, Sequence[str]], allow_blank: bool
) -> dict[int, Response | None]:
    """Turn submitted form values into one response per question of an attempt.

    Args:
        answers: the attempt's :class:`~quizzes.models.AttemptAnswer` rows (their snapshots).
        data: form values, ``{field_name: [value, ...]}`` (e.g. ``dict(request.POST.lists())``).
            Fields named ``a-<attempt answer id>`` are answers; other fields are ignored.
        allow_blank: when False, an unanswered question is an error.
    Returns:
        ``{attempt_answer_id: response}``; ``None`` for an unanswered question, a sorted list of
        choice ids for choice questions, a bool for true or false, the typed text for short answers.
    Raises:
        AnswersInvalid: unknown question or choice ids, malformed values, or (unless
            ``allow_blank``) unanswered questions.
    """
    by_id = {answer.pk: answer for answer in answers}
    problems: list[str] = []
    for name in data:
        if not name.startswith("a-"):
            continue
        suffix = name[2:]
        if not suffix.isdigit() or int(suffix) not in by_id:
            problems.append(_("The form contains an unknown question (%(name)s).") % {"name": name})

    errors: dict[int, str] = {}
    missing: set[int] = set()
    parsed: dict[int, Response | None] = {}
    for answer in answers:
        values = [v for v in data.get(f"a-{answer.pk}", []) if v.strip()]
        if not values:
            parsed[answer.pk] = None
            if not allow_blank:
                errors[answer.pk] = _("Please answer this question.")
                missing.add(answer.pk)
            continue
        try:
            parsed[answer.pk] = _parse_one(answer, values)
        except ValueError as exc:
            errors[answer.pk] = str(exc)
    if problems or errors:
        raise AnswersInvalid(errors=errors, problems=problems, only_missing=not problems and set(errors) == missing)
    return parsed


def _parse_one(answer, values: list[str]) -> Response:
    """Parse the non-empty values of one question; raise ``ValueError`` with a readable message."""
    if answer.kind in (Kind.SINGLE, Kind.MULTIPLE):
        known = {choice["id"] for choice in answer.choices}
        if answer.kind == Kind.SINGLE and len(values) > 1:
            raise ValueError(_("Pick only one choice."))
        picked = set()
        for value in values:
            if not value.strip().isdigit():
                raise ValueError(_("“%(value)s” is not a choice.") % {"value": value[:40]})
            if int(value) not in known:
                raise ValueError(_("Unknown choice %(value)s.") % {"value": int(value)})
            picked.add(int(value))
        return sorted(picked)
    if answer.kind == Kind.TRUE_FALSE:
        if len(values) > 1 or values[0] not in ("true", "false"):
            raise ValueError(_("Answer with true or false."))
        return values[0] == "true"
    if len(values) > 1:
        raise ValueError(_("Give one answer."))
    if len(values[0]) > SHORT_ANSWER_MAX_LENGTH:
        raise ValueError(_("The answer is too long (at most %(max)d characters).") % {"max": SHORT_ANSWER_MAX_LENGTH})
    try:  # PostgreSQL cannot store a NUL character in the response (jsonb): refuse it here, not with a 500.
        ProhibitNullCharactersValidator()(values[0])
    except ValidationError as exc:
        raise ValueError(exc.messages[0]) from exc
    return values[0].strip()


def answer_is_correct(answer, response: Response | None) -> bool:
    """Mark one response against a question snapshot (an ``AttemptAnswer`` or anything with its fields).

    Args:
        answer: has ``kind``, ``choices``, ``correct_bool`` and ``accepted_answers``.
        response: as returned by :func:`responses_parse`; ``None`` (unanswered) is never correct.
    Returns:
        True when the response is right under the rules in the module docstring.
    """
    if response is None:
        return False
    if answer.kind in (Kind.SINGLE, Kind.MULTIPLE):
        correct = {choice["id"] for choice in answer.choices if choice["correct"]}
        return set(response) == correct and bool(correct)
    if answer.kind == Kind.TRUE_FALSE:
        return answer.correct_bool is not None and response is answer.correct_bool
    accepted = {answer_normalise(text) for text in answer.accepted_answers}
    accepted.discard("")
    return answer_normalise(response) in accepted


def score_percent(awarded: int, possible: int) -> Decimal:
    """The score in percent, rounded half-up to two decimals (``Decimal``); 0 when nothing is possible."""
    if possible <= 0:
        return Decimal("0.00")
    return (Decimal(100) * awarded / possible).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def question_problems(
    *, kind: str, choices: Sequence[tuple[str, bool]], correct_bool: bool | None, accepted_answers: Sequence[str]
) -> list[str]:
    """Check that a question can be answered and marked.

    Args:
        kind: a :class:`~quizzes.models.Question.Kind` value.
        choices: ``(text, is_correct)`` per choice.
        correct_bool: the true-or-false answer (``None`` when unset).
        accepted_answers: the short-answer texts.
    Returns:
        Readable problems (translated str), empty when the question is sound: choice questions need at
        least two choices, single choice exactly one correct, multiple choice at least one; true or
        false needs its answer; short answer needs at least one non-blank accepted answer; kinds
        without choices must not have any.
    """
    problems: list[str] = []
    if kind not in Kind.values:
        return [_("Unknown question kind “%(kind)s”.") % {"kind": kind}]
    correct = sum(1 for _text, is_correct in choices if is_correct)
    if kind in (Kind.SINGLE, Kind.MULTIPLE):
        if len(choices) < 2:
            problems.append(_("A choice question needs at least two choices (found %(n)d).") % {"n": len(choices)})
        if kind == Kind.SINGLE and correct != 1:
            problems.append(
                _("A single-choice question needs exactly one correct choice (found %(n)d).") % {"n": correct}
            )
        if kind == Kind.MULTIPLE and correct < 1:
            problems.append(_("A multiple-choice question needs at least one correct choice."))
        if any(not text.strip() for text, _c in choices):
            problems.append(_("A choice has no text."))
    else:
        if choices:
            problems.append(_("Only single- and multiple-choice questions have choices."))
        if kind == Kind.TRUE_FALSE and correct_bool is None:
            problems.append(_("A true-or-false question needs its answer (true or false)."))
        if kind == Kind.SHORT_ANSWER and not any(answer_normalise(a) for a in accepted_answers):
            problems.append(_("A short-answer question needs at least one accepted answer."))
    return problems
