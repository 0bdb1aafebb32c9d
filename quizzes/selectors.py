"""Read queries of the quizzes app: what a user may see, quiz lists with the user's results, mastery.

Mastery rule (issue "Quizzes"): a student has *mastered* a section when they have a passed,
submitted attempt at a published quiz of that section. Their *best score* for the section is the
highest ``score_percent`` of their submitted attempts at the section's quizzes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Max, Prefetch, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from curriculum.models import Section
from quizzes.models import Attempt, AttemptAnswer, Quiz


@dataclass(frozen=True)
class Mastery:
    """A student's standing on one section's quizzes.

    Attributes:
        best_score: highest score in percent over submitted attempts (``Decimal``), ``None`` without any.
        mastered: a submitted attempt at a published quiz of the section passed.
        attempts: number of submitted attempts at the section's quizzes.
    """

    best_score: Decimal | None
    mastered: bool
    attempts: int


#: The standing of a student who has not submitted any attempt.
NO_MASTERY = Mastery(best_score=None, mastered=False, attempts=0)


def section_mastery(
    *, user_ids: Iterable[int], section_ids: Iterable[int] | None = None
) -> dict[tuple[int, int], Mastery]:
    """Mastery of each (student, section) pair, in one query.

    Only a quiz's own section counts (a quiz on a topic does not make its parent mastered).

    Args:
        user_ids: the students' ids.
        section_ids: limit to these sections; ``None`` means every section with a quiz.
    Returns:
        ``{(user_id, section_id): Mastery}``. When ``section_ids`` is given every requested pair is
        present (:data:`NO_MASTERY` without attempts); otherwise only pairs with submitted attempts.
    """
    user_ids = list(user_ids)
    section_ids = None if section_ids is None else list(section_ids)
    qs = Attempt.objects.filter(user_id__in=user_ids, submitted_at__isnull=False)
    if section_ids is not None:
        qs = qs.filter(quiz__section_id__in=section_ids)
    rows = (
        qs.order_by()
        .values("user_id", "quiz__section_id")
        .annotate(
            best=Max("score_percent"),
            count=Count("pk"),
            mastered=Max(
                Case(
                    When(passed=True, quiz__is_published=True, then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            ),
        )
    )
    result: dict[tuple[int, int], Mastery] = {}
    if section_ids is not None:
        result = {(uid, sid): NO_MASTERY for uid in user_ids for sid in section_ids}
    for row in rows:
        result[(row["user_id"], row["quiz__section_id"])] = Mastery(
            best_score=row["best"], mastered=bool(row["mastered"]), attempts=row["count"]
        )
    return result


def quizzes_visible_to(user) -> QuerySet[Quiz]:
    """Quizzes ``user`` may see: every quiz for admins (``is_staff``); otherwise published quizzes of
    sections that are not archived."""
    qs = Quiz.objects.all()
    if not (user.is_authenticated and user.is_staff):
        qs = qs.filter(is_published=True, section__is_archived=False)
    return qs


def quiz_cards(*, user, section_ids: Iterable[int] | None = None) -> list[Quiz]:
    """Quizzes with at least one question that ``user`` may see, with the user's results, in one query.

    Args:
        user: the viewer (may be anonymous: no results then).
        section_ids: limit to quizzes of these sections.
    Returns:
        Quizzes ordered by section order, each annotated with ``question_count``, ``attempts_used``
        (attempts started), ``best_score`` (``Decimal`` or ``None``), ``has_passed`` (bool) and
        ``open_attempt_id`` (the attempt in progress or ``None``), with ``section`` loaded.
    """
    qs = quizzes_visible_to(user).select_related("section")
    if section_ids is not None:
        qs = qs.filter(section_id__in=list(section_ids))
    qs = qs.annotate(question_count=Count("questions", distinct=True)).filter(question_count__gt=0)
    if user.is_authenticated:
        mine = Q(attempts__user=user)
        submitted = mine & Q(attempts__submitted_at__isnull=False)
        qs = qs.annotate(
            attempts_used=Count("attempts", filter=mine, distinct=True),
            best_score=Max("attempts__score_percent", filter=submitted),
            passed_flag=Max(
                Case(When(submitted & Q(attempts__passed=True), then=Value(1)), default=Value(0)),
                output_field=IntegerField(),
            ),
            open_attempt_id=Max("attempts__pk", filter=mine & Q(attempts__submitted_at__isnull=True)),
        )
    quizzes = list(qs.order_by("section__order", "section__pk", "pk"))
    for quiz in quizzes:
        if not user.is_authenticated:
            quiz.attempts_used, quiz.best_score, quiz.passed_flag, quiz.open_attempt_id = 0, None, 0, None
        quiz.has_passed = bool(quiz.passed_flag)
        quiz.attempts_left = None if quiz.max_attempts is None else max(quiz.max_attempts - quiz.attempts_used, 0)
    return quizzes


@dataclass
class QuizGroup:
    """Quizzes of one top-level section, for the quizzes list and the dashboard table.

    Attributes:
        section: the top-level section.
        quizzes: quiz cards (see :func:`quiz_cards`) of the section and of sections below it.
        mastery: the viewer's :class:`Mastery` of the section's own quizzes, rolled up with the quizzes
            below it (best score is the maximum, attempts the sum, mastered when any section is).
    """

    section: Section
    quizzes: list[Quiz] = field(default_factory=list)
    mastery: Mastery = NO_MASTERY


def quiz_groups(*, user, include_empty: bool = False) -> list[QuizGroup]:
    """The quizzes ``user`` may see grouped by top-level section, with ``user``'s mastery (3 queries).

    Args:
        user: the viewer (anonymous viewers get :data:`NO_MASTERY` everywhere).
        include_empty: also return top-level sections without any quiz (the dashboard table lists
            every part of the curriculum).
    Returns:
        :class:`QuizGroup` list in curriculum order.
    """
    sections = list(Section.objects.filter(is_archived=False).only("pk", "parent_id", "title", "slug", "order"))
    by_id = {s.pk: s for s in sections}

    def root_of(section_id: int) -> int | None:
        seen = set()
        while section_id in by_id and by_id[section_id].parent_id is not None and section_id not in seen:
            seen.add(section_id)
            section_id = by_id[section_id].parent_id
        return section_id if section_id in by_id else None

    roots = sorted((s for s in sections if s.parent_id is None), key=lambda s: (s.order, s.pk))
    groups = {s.pk: QuizGroup(section=s) for s in roots}
    for quiz in quiz_cards(user=user):
        root_id = root_of(quiz.section_id)
        if root_id in groups:
            groups[root_id].quizzes.append(quiz)
    if user.is_authenticated:
        for (_uid, section_id), mastery in section_mastery(user_ids=[user.pk]).items():
            root_id = root_of(section_id)
            if root_id in groups:
                groups[root_id].mastery = _mastery_merge(groups[root_id].mastery, mastery)
    return [g for g in groups.values() if include_empty or g.quizzes]


def _mastery_merge(a: Mastery, b: Mastery) -> Mastery:
    """Combine two sections' standings: best of the scores, sum of attempts, mastered if either is."""
    scores = [s for s in (a.best_score, b.best_score) if s is not None]
    return Mastery(
        best_score=max(scores) if scores else None,
        mastered=a.mastered or b.mastered,
        attempts=a.attempts + b.attempts,
    )


def attempts_visible_to(user) -> QuerySet[Attempt]:
    """Attempts ``user`` may look at.

    Admins (``is_staff``) see every attempt; mentors see their own and those of students with an
    active enrollment in a cohort they mentor (``cohorts.Enrollment.is_active``); everyone else
    sees only their own. Anonymous users see none.
    """
    qs = Attempt.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if user.is_staff:
        return qs
    if user.is_mentor:
        from cohorts.models import Enrollment

        students = Enrollment.objects.filter(cohort__mentors=user, is_active=True).values("user_id")
        return qs.filter(Q(user=user) | Q(user_id__in=students))
    return qs.filter(user=user)


def attempt_for_page(*, user, pk: int) -> Attempt:
    """One attempt ``user`` may see, with its quiz, section, student and answers (in shown order).

    Raises ``Http404`` when it does not exist or is not visible to ``user``.
    """
    qs = (
        attempts_visible_to(user)
        .select_related("quiz__section", "user")
        .prefetch_related(Prefetch("answers", queryset=AttemptAnswer.objects.order_by("position")))
    )
    return get_object_or_404(qs, pk=pk)


def attempts_list(*, user, quiz: Quiz | None = None) -> QuerySet[Attempt]:
    """Attempts visible to ``user`` (optionally of one quiz), newest first, with quiz, section and student."""
    qs = attempts_visible_to(user).select_related("quiz__section", "user")
    if quiz is not None:
        qs = qs.filter(quiz=quiz)
    return qs.order_by("-started_at", "-pk")


def quiz_for_page(*, user, pk: int) -> Quiz:
    """A quiz ``user`` may see, with its section and ``question_count``; ``Http404`` otherwise."""
    qs = quizzes_visible_to(user).select_related("section").annotate(question_count=Count("questions"))
    return get_object_or_404(qs, pk=pk)


def own_attempts(*, user, quiz: Quiz) -> list[Attempt]:
    """``user``'s own attempts at ``quiz``, newest first."""
    return list(Attempt.objects.filter(user=user, quiz=quiz).order_by("-started_at", "-pk"))


def quiz_preview(*, quiz: Quiz) -> list[AttemptAnswer]:
    """The quiz's questions as unsaved :class:`AttemptAnswer` snapshots in authored order (2 queries).

    Each carries ``problems`` (list of str, see :func:`quizzes.scoring.question_problems`) and
    ``question`` (the live question). Used by the admin preview, which marks the right answers.
    """
    from quizzes.scoring import question_problems

    items = []
    for position, question in enumerate(quiz.questions.prefetch_related("choices").order_by("order", "pk")):
        choices = list(question.choices.all())
        item = AttemptAnswer.from_question(question=question, position=position)
        item.problems = question_problems(
            kind=question.kind,
            choices=[(c.text, c.is_correct) for c in choices],
            correct_bool=question.correct_bool,
            accepted_answers=question.accepted_answers,
        )
        items.append(item)
    return items
