"""Writes of the quizzes app: starting, submitting and closing attempts.

Every attempt row and every answer row is written here. Time limits are enforced on the server:
an answer that arrives later than the attempt's deadline plus ``settings.QUIZ_TIME_LIMIT_GRACE_SECONDS``
(default 30 s, to absorb network latency and the page's auto-submit) is not counted, and the attempt
is closed as submitted with no answers counted.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from quizzes.models import Attempt, AttemptAnswer, Choice, Question, Quiz
from quizzes.scoring import answer_is_correct, question_problems, responses_parse, score_percent

DEFAULT_GRACE_SECONDS = 30


class QuizUnavailable(Exception):
    """The quiz cannot be taken: unpublished, in an archived section, or without usable questions."""


class AttemptLimitReached(Exception):
    """The student has used every attempt the quiz allows (``Quiz.max_attempts``)."""


@dataclass(frozen=True)
class SubmitResult:
    """What :func:`quiz_attempt_submit` did.

    Attributes:
        attempt: the attempt, re-read after the change.
        outcome: ``"scored"`` (answers marked now), ``"already_submitted"`` (nothing changed) or
            ``"timed_out"`` (closed now, after the time limit, with no answers counted).
    """

    attempt: Attempt
    outcome: str

    SCORED = "scored"
    ALREADY_SUBMITTED = "already_submitted"
    TIMED_OUT = "timed_out"


def grace_period() -> dt.timedelta:
    """The grace after a deadline during which answers still count (``QUIZ_TIME_LIMIT_GRACE_SECONDS``)."""
    return dt.timedelta(seconds=getattr(settings, "QUIZ_TIME_LIMIT_GRACE_SECONDS", DEFAULT_GRACE_SECONDS))


def attempt_is_expired(attempt: Attempt, *, now: dt.datetime | None = None) -> bool:
    """True when ``attempt`` has a deadline and ``now`` (aware; default: now) is past deadline + grace."""
    now = now or timezone.now()
    return attempt.deadline is not None and now > attempt.deadline + grace_period()


def quiz_attempt_start(
    *, quiz: Quiz, user, now: dt.datetime | None = None, rng: random.Random | None = None
) -> tuple[Attempt, bool]:
    """Start an attempt at ``quiz`` for ``user``, or return the attempt already in progress.

    The new attempt copies every sound question of the quiz (see
    :func:`quizzes.scoring.question_problems`) into :class:`AttemptAnswer` rows, with questions and
    choices shuffled once; that order is the one the student sees for the whole attempt. An open
    attempt whose time ran out is closed first (see :func:`quiz_attempt_close_expired`).

    Args:
        quiz: the quiz.
        user: the student (any signed-in user; staff may start unpublished quizzes to try them).
        now: aware datetime of the start (default: now).
        rng: random source for the shuffle (default: ``secrets.SystemRandom``); tests pass a seeded one.
    Returns:
        ``(attempt, created)``; ``created`` is False when an open attempt was resumed.
    Raises:
        QuizUnavailable: unpublished (for non-staff), archived section, or no sound question.
        AttemptLimitReached: ``quiz.max_attempts`` attempts were already started.
    """
    now = now or timezone.now()
    rng = rng or secrets.SystemRandom()
    open_attempt = Attempt.objects.filter(quiz=quiz, user=user, submitted_at__isnull=True).first()
    if open_attempt is not None:
        if not attempt_is_expired(open_attempt, now=now):
            return open_attempt, False
        quiz_attempt_close_expired(attempt_id=open_attempt.pk, now=now)

    if (not quiz.is_published and not user.is_staff) or quiz.section.is_archived:
        raise QuizUnavailable(quiz.pk)
    questions = [
        q
        for q in quiz.questions.prefetch_related("choices").order_by("order", "pk")
        if not question_problems(
            kind=q.kind,
            choices=[(c.text, c.is_correct) for c in q.choices.all()],
            correct_bool=q.correct_bool,
            accepted_answers=q.accepted_answers,
        )
    ]
    if not questions:
        raise QuizUnavailable(quiz.pk)

    try:
        with transaction.atomic():
            used = Attempt.objects.filter(quiz=quiz, user=user).count()
            if quiz.max_attempts is not None and used >= quiz.max_attempts:
                raise AttemptLimitReached(quiz.pk)
            attempt = Attempt.objects.create(
                quiz=quiz,
                user=user,
                started_at=now,
                deadline=now + dt.timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None,
                pass_mark=quiz.pass_mark,
                points_possible=sum(q.points for q in questions),
            )
            rng.shuffle(questions)
            AttemptAnswer.objects.bulk_create(
                [
                    AttemptAnswer.from_question(question=question, position=position, attempt=attempt, rng=rng)
                    for position, question in enumerate(questions)
                ]
            )
    except IntegrityError:
        # A concurrent request (double click on "Start") created the open attempt first.
        return Attempt.objects.get(quiz=quiz, user=user, submitted_at__isnull=True), False
    return attempt, True


def quiz_attempt_submit(
    *,
    attempt_id: int,
    user,
    data: Mapping[str, Sequence[str]],
    allow_blank: bool = False,
    now: dt.datetime | None = None,
) -> SubmitResult:
    """Mark and close an open attempt, once.

    The attempt row is locked (``select_for_update``) and ``submitted_at`` checked inside the same
    transaction, so a double click, the back button or a replayed POST changes nothing.

    Args:
        attempt_id: the attempt's primary key; it must belong to ``user``.
        user: the student submitting.
        data: form values ``{field_name: [value, ...]}`` (see :func:`quizzes.scoring.responses_parse`).
        allow_blank: accept unanswered questions (they score 0). Always true once the deadline passed.
        now: aware datetime of the submission (default: now).
    Returns:
        :class:`SubmitResult`.
    Raises:
        Attempt.DoesNotExist: no such attempt of ``user``.
        quizzes.scoring.AnswersInvalid: unknown ids, malformed values or (unless allowed) unanswered
            questions; nothing is written.
    """
    now = now or timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt_id, user=user)
        if attempt.submitted_at is not None:
            return SubmitResult(attempt, SubmitResult.ALREADY_SUBMITTED)
        if attempt_is_expired(attempt, now=now):
            _close_unanswered(attempt)
            return SubmitResult(attempt, SubmitResult.TIMED_OUT)
        answers = list(attempt.answers.all())
        time_is_up = attempt.deadline is not None and now >= attempt.deadline
        responses = responses_parse(answers=answers, data=data, allow_blank=allow_blank or time_is_up)
        awarded = 0
        for answer in answers:
            answer.response = responses[answer.pk]
            answer.is_correct = answer_is_correct(answer, answer.response)
            answer.points_awarded = answer.points if answer.is_correct else 0
            awarded += answer.points_awarded
        AttemptAnswer.objects.bulk_update(answers, ["response", "is_correct", "points_awarded"])
        _finish(attempt, submitted_at=now, awarded=awarded)
    return SubmitResult(attempt, SubmitResult.SCORED)


def _finish(attempt: Attempt, *, submitted_at: dt.datetime, awarded: int) -> None:
    """Set the score fields of a locked open attempt and save them."""
    attempt.submitted_at = submitted_at
    attempt.points_awarded = awarded
    attempt.score_percent = score_percent(awarded, attempt.points_possible)
    pass_mark = attempt.pass_mark if attempt.pass_mark is not None else attempt.quiz.pass_mark
    attempt.passed = attempt.score_percent >= pass_mark
    attempt.save(update_fields=["submitted_at", "points_awarded", "score_percent", "passed", "timed_out", "modified"])


def _close_unanswered(attempt: Attempt) -> None:
    """Close a locked, expired attempt: every question unanswered, submitted at its deadline."""
    attempt.answers.update(response=None, is_correct=False, points_awarded=0)
    attempt.timed_out = True
    _finish(attempt, submitted_at=attempt.deadline, awarded=0)


def quiz_attempt_close_expired(*, attempt_id: int, now: dt.datetime | None = None) -> bool:
    """Close one open attempt whose deadline plus grace has passed (no answers counted).

    Args:
        attempt_id: the attempt's primary key.
        now: aware datetime (default: now).
    Returns:
        True when the attempt was closed now; False when it was already submitted or still running.
    Raises:
        Attempt.DoesNotExist: no such attempt.
    """
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt_id)
        if attempt.submitted_at is not None or not attempt_is_expired(attempt, now=now):
            return False
        _close_unanswered(attempt)
    return True


def attempts_close_expired(*, now: dt.datetime | None = None) -> int:
    """Close every open attempt whose time ran out (for a periodic task). Returns how many were closed."""
    now = now or timezone.now()
    candidates = Attempt.objects.filter(
        submitted_at__isnull=True, deadline__isnull=False, deadline__lt=now - grace_period()
    ).values_list("pk", flat=True)
    return sum(quiz_attempt_close_expired(attempt_id=pk, now=now) for pk in list(candidates))


@dataclass
class BankLoadReport:
    """What :func:`quiz_bank_load` did (or would do, in a dry run). Counts are of rows."""

    quizzes_created: int = 0
    quizzes_updated: int = 0
    quizzes_unchanged: int = 0
    questions_created: int = 0
    questions_updated: int = 0
    questions_unchanged: int = 0
    questions_deleted: int = 0
    warnings: list[str] | None = None
    dry_run: bool = False

    def summary(self) -> str:
        """One line, e.g. ``Quizzes: 5 created, 0 updated, 0 unchanged. Questions: 30 created, …``."""
        text = (
            f"Quizzes: {self.quizzes_created} created, {self.quizzes_updated} updated, "
            f"{self.quizzes_unchanged} unchanged. Questions: {self.questions_created} created, "
            f"{self.questions_updated} updated, {self.questions_unchanged} unchanged, "
            f"{self.questions_deleted} deleted."
        )
        return f"Dry run, nothing written. {text}" if self.dry_run else text


def _assign(instance, values: dict) -> list[str]:
    """Set ``values`` on ``instance``; return the names of the fields whose value changed."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    return changed


def quiz_bank_load(
    *, paths: Sequence[str], dry_run: bool = False, skip_missing_sections: bool = False
) -> BankLoadReport:
    """Load quiz bank files (format: :mod:`quizzes.bank`) into the database, all or nothing.

    Quizzes are matched by ``key`` and questions by ``(quiz, key)``: a re-load updates them in place
    and writes only what changed. Choices are matched by position. Questions of a loaded quiz that are
    not in the file are deleted; quizzes not in the file are left alone. Past attempts never change,
    because each attempt keeps its own copy of the questions (:class:`AttemptAnswer`).

    Args:
        paths: files or directories of ``*.yaml`` files.
        dry_run: check and count everything, then roll back.
        skip_missing_sections: skip a quiz whose section slug does not exist (with a warning) instead
            of failing; ``setup_demo`` uses it so it works before the curriculum is imported.
    Returns:
        :class:`BankLoadReport`.
    Raises:
        quizzes.bank.BankError: the first problem, one line naming the file, quiz and question;
            nothing is written.
    """
    from curriculum.models import Section
    from quizzes.bank import BankError, bank_read

    specs = bank_read(list(paths))
    sections = {s.slug: s for s in Section.objects.filter(slug__in={spec.section for spec in specs})}
    report = BankLoadReport(warnings=[], dry_run=dry_run)
    for spec in specs:
        if spec.section not in sections and not skip_missing_sections:
            raise BankError(f'{spec.origin}: section "{spec.section}" does not exist')
    with transaction.atomic():
        for spec in specs:
            section = sections.get(spec.section)
            if section is None:
                report.warnings.append(f'{spec.origin}: skipped, section "{spec.section}" does not exist')
                continue
            _quiz_load(spec, section, report)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _quiz_load(spec, section, report: BankLoadReport) -> None:
    """Create or update one quiz and its questions from a :class:`quizzes.bank.QuizSpec`."""
    values = {
        "section": section,
        "title": spec.title,
        "description": spec.description,
        "pass_mark": spec.pass_mark,
        "time_limit_minutes": spec.time_limit_minutes,
        "max_attempts": spec.max_attempts,
        "is_published": spec.published,
    }
    quiz = Quiz.objects.filter(key=spec.key).first()
    if quiz is None:
        quiz = Quiz.objects.create(key=spec.key, **values)
        report.quizzes_created += 1
        existing: dict[str, Question] = {}
    else:
        changed = _assign(quiz, values)
        existing = {q.key: q for q in quiz.questions.prefetch_related("choices")}
        if changed:
            quiz.save(update_fields=[*changed, "modified"])
        questions_changed = False
        for order, q_spec in enumerate(spec.questions):
            question = existing.get(q_spec.key)
            questions_changed |= question is None or _question_differs(question, q_spec, order)
        questions_changed |= any(key not in {q.key for q in spec.questions} for key in existing)
        if changed or questions_changed:
            report.quizzes_updated += 1
        else:
            report.quizzes_unchanged += 1
    kept = set()
    for order, q_spec in enumerate(spec.questions):
        kept.add(q_spec.key)
        _question_load(quiz, q_spec, order, existing.get(q_spec.key), report)
    stale = [q.pk for key, q in existing.items() if key not in kept]
    if stale:
        Question.objects.filter(pk__in=stale).delete()
        report.questions_deleted += len(stale)


def _question_values(q_spec, order: int) -> dict:
    return {
        "order": order,
        "kind": q_spec.kind,
        "text": q_spec.text,
        "explanation": q_spec.explanation,
        "points": q_spec.points,
        "correct_bool": q_spec.answer if q_spec.kind == Question.Kind.TRUE_FALSE else None,
        "accepted_answers": list(q_spec.accepted) if q_spec.kind == Question.Kind.SHORT_ANSWER else [],
    }


def _question_differs(question: Question, q_spec, order: int) -> bool:
    values = _question_values(q_spec, order)
    if any(getattr(question, name) != value for name, value in values.items()):
        return True
    current = [(c.text, c.is_correct) for c in question.choices.all()]
    return current != [(c.text, c.correct) for c in q_spec.choices]


def _question_load(quiz: Quiz, q_spec, order: int, question: Question | None, report: BankLoadReport) -> None:
    """Create or update one question and its choices (matched by position)."""
    values = _question_values(q_spec, order)
    if question is None:
        question = Question.objects.create(quiz=quiz, key=q_spec.key, **values)
        current = []
        report.questions_created += 1
    else:
        differs = _question_differs(question, q_spec, order)
        changed = _assign(question, values)
        if changed:
            question.save(update_fields=[*changed, "modified"])
        current = list(question.choices.all())
        if differs:
            report.questions_updated += 1
        else:
            report.questions_unchanged += 1
    for position, c_spec in enumerate(q_spec.choices):
        if position < len(current):
            choice = current[position]
            changed = _assign(choice, {"order": position, "text": c_spec.text, "is_correct": c_spec.correct})
            if changed:
                choice.save(update_fields=changed)
        else:
            Choice.objects.create(question=question, order=position, text=c_spec.text, is_correct=c_spec.correct)
    extra = [c.pk for c in current[len(q_spec.choices) :]]
    if extra:
        Choice.objects.filter(pk__in=extra).delete()
