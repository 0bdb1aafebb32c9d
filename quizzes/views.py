"""Quiz pages: the list, a quiz's start page, taking an attempt, its result, and the attempts list.

Views are thin: they parse the request, check permissions on the server through the selectors
(``attempts_visible_to``, ``quizzes_visible_to``), call one service, and render.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from quizzes import selectors, services
from quizzes.models import Attempt
from quizzes.scoring import AnswersInvalid

ATTEMPTS_PER_PAGE = 50


@require_GET
@login_required
def quiz_list(request):
    """Every quiz the user may take, grouped by top-level section, with the user's best score."""
    groups = selectors.quiz_groups(user=request.user)
    context = {"groups": groups, "mastered_count": sum(1 for g in groups if g.mastery.mastered)}
    return render(request, "quizzes/quiz_list.html", context)


@require_GET
@login_required
def quiz_detail(request, pk):
    """A quiz's start page: rules (questions, pass mark, time limit, attempts) and the user's attempts."""
    quiz = selectors.quiz_for_page(user=request.user, pk=pk)
    attempts = selectors.own_attempts(user=request.user, quiz=quiz)
    open_attempt = next((a for a in attempts if a.is_open), None)
    used = len(attempts)
    context = {
        "quiz": quiz,
        "attempts": attempts,
        "open_attempt": open_attempt,
        "attempts_used": used,
        "attempts_left": None if quiz.max_attempts is None else max(quiz.max_attempts - used, 0),
        "best_score": max((a.score_percent for a in attempts if a.score_percent is not None), default=None),
        "has_passed": any(a.passed and not a.is_open for a in attempts),
    }
    return render(request, "quizzes/quiz_detail.html", context)


@require_POST
@login_required
def quiz_start(request, pk):
    """Start (or resume) an attempt and go to it; 403 when no attempt is left, 404 when unavailable."""
    quiz = selectors.quiz_for_page(user=request.user, pk=pk)
    try:
        attempt, created = services.quiz_attempt_start(quiz=quiz, user=request.user)
    except services.QuizUnavailable as exc:
        raise Http404(_("This quiz cannot be taken right now.")) from exc
    except services.AttemptLimitReached:
        attempts = selectors.own_attempts(user=request.user, quiz=quiz)
        return render(request, "quizzes/limit_reached.html", {"quiz": quiz, "attempts": attempts}, status=403)
    if not created:
        messages.info(request, _("You already have an attempt in progress: here it is."))
    return redirect(attempt)


@require_GET
@login_required
def attempt_detail(request, pk):
    """An attempt: the question form while it is open (its owner only), the result once submitted."""
    attempt = selectors.attempt_for_page(user=request.user, pk=pk)
    if attempt.is_open:
        if attempt.user_id != request.user.pk:
            return render(request, "quizzes/attempt_in_progress.html", {"attempt": attempt})
        if services.attempt_is_expired(attempt):
            services.quiz_attempt_close_expired(attempt_id=attempt.pk)
            messages.warning(request, _("Time ran out: the attempt was closed and no answers were counted."))
            return redirect(attempt)
        return _render_take(request, attempt)
    return render(request, "quizzes/attempt_result.html", {"attempt": attempt, "answers": attempt.answers.all()})


@require_POST
@login_required
def attempt_submit(request, pk):
    """Submit the answers of one's own open attempt (once); re-show the form with a 400 on bad input."""
    attempt = get_object_or_404(Attempt, pk=pk, user=request.user)
    data = dict(request.POST.lists())
    try:
        result = services.quiz_attempt_submit(
            attempt_id=attempt.pk, user=request.user, data=data, allow_blank=request.POST.get("allow_blank") == "1"
        )
    except AnswersInvalid as exc:
        attempt = selectors.attempt_for_page(user=request.user, pk=pk)
        return _render_take(request, attempt, data=data, invalid=exc, status=400)
    if result.outcome == services.SubmitResult.ALREADY_SUBMITTED:
        messages.warning(request, _("This attempt was already submitted; nothing was changed."))
    elif result.outcome == services.SubmitResult.TIMED_OUT:
        messages.warning(
            request, _("Your answers arrived after the time limit: the attempt was closed and no answers were counted.")
        )
    elif result.attempt.deadline is not None and result.attempt.submitted_at >= result.attempt.deadline:
        messages.success(request, _("Time was up: the answers you had given were submitted."))
    else:
        messages.success(request, _("Your answers were submitted."))
    return redirect(result.attempt.get_absolute_url(), permanent=False)


def _render_take(request, attempt, *, data=None, invalid: AnswersInvalid | None = None, status: int = 200):
    """Render the question form from the attempt's snapshot, without anything that reveals answers.

    Only choice ids and texts are passed to the template: never correctness, accepted answers or
    explanations, so the page cannot leak them.
    """
    data = data or {}
    errors = invalid.errors if invalid else {}
    items = []
    for answer in attempt.answers.all():
        values = [v for v in data.get(answer.field_name, []) if v.strip()]
        items.append(
            {
                "id": answer.pk,
                "number": answer.number,
                "field": answer.field_name,
                "kind": answer.kind,
                "points": answer.points,
                "text_html": answer.text_html,
                "choices": [
                    {"id": c["id"], "html": c["html"], "checked": str(c["id"]) in values} for c in answer.choices
                ],
                "value": values[0] if values else "",
                "error": errors.get(answer.pk, ""),
            }
        )
    remaining = remaining_display = None
    if attempt.deadline is not None:
        remaining = max(int((attempt.deadline - timezone.now()).total_seconds()), 0)
        hours, rest = divmod(remaining, 3600)
        remaining_display = (f"{hours}:" if hours else "") + "{:02d}:{:02d}".format(*divmod(rest, 60))
    context = {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "items": items,
        "invalid": invalid,
        "remaining_seconds": remaining,
        "remaining_display": remaining_display,
        "unanswered": sum(1 for item in items if item["error"]) if invalid and invalid.only_missing else 0,
    }
    return render(request, "quizzes/attempt_take.html", context, status=status)


@require_GET
@login_required
def attempt_list(request):
    """Attempts the user may see (own; mentors: their cohorts' students; admins: all), newest first."""
    quiz = None
    quiz_id = request.GET.get("quiz", "")
    if quiz_id:
        if not quiz_id.isdigit():
            raise Http404(_("Unknown quiz."))
        quiz = get_object_or_404(selectors.quizzes_visible_to(request.user), pk=int(quiz_id))
    page = Paginator(selectors.attempts_list(user=request.user, quiz=quiz), ATTEMPTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "quizzes/attempt_list.html", {"page": page, "quiz": quiz})
