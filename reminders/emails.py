"""Reminder mails: their content, rendering (HTML + plain text, in the recipient's language and
time zone) and the signed unsubscribe links.

Every message carries an unsubscribe link in its body and the ``List-Unsubscribe`` /
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` headers of RFC 2369 and RFC 8058. The link
holds a token from :mod:`reminders.tokens`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from core.percent import percent_round
from curriculum.selectors import CurriculumTree, curriculum_tree, prerequisite_edges
from progress.selectors import event_description
from reminders.models import ReminderKind
from reminders.selectors import (
    MentorFacts,
    StudentFacts,
    digest_for_mentor,
    last_event_for_user,
    milestones_by_cohort,
    new_overdue_sections,
    next_topics,
    overdue_details,
    reminder_verdict_now,
)
from reminders.timing import Schedule, current_key, due_daily, due_weekly
from reminders.tokens import unsubscribe_token_make


def absolute_url(path: str) -> str:
    """``settings.SITE_URL`` joined with an absolute ``path``."""
    return settings.SITE_URL.rstrip("/") + path


def _url(name: str, *args) -> str:
    """Absolute URL of a named route, or ``""`` when that route does not exist (yet)."""
    try:
        return absolute_url(reverse(name, args=args))
    except NoReverseMatch:
        return ""


def unsubscribe_urls(*, user_id: int, kind: str) -> tuple[str, str]:
    """``(page_url, one_click_url)`` for the body link and the ``List-Unsubscribe`` header."""
    token = unsubscribe_token_make(user_id=user_id, kind=kind)
    return _url("reminders:unsubscribe", token), _url("reminders:unsubscribe_one_click", token)


@dataclass
class RunContext:
    """What every message of one run shares: the moment, the curriculum tree, the prerequisite graph."""

    now: dt.datetime
    tree: CurriculumTree = field(default_factory=curriculum_tree)

    @cached_property
    def edges(self) -> dict[int, set[int]]:
        """The prerequisite graph (one query, on first use)."""
        return prerequisite_edges()

    @cached_property
    def milestones(self) -> dict[int, list]:
        """Every cohort's pace plan (one query, on first use)."""
        return milestones_by_cohort(self.tree)


def inactivity_context(facts: StudentFacts, *, run: RunContext) -> dict:
    """Template context of an inactivity nudge: what the student did last and their next topics."""
    event = last_event_for_user(facts.user.pk)
    last = None
    if event is not None:
        # Described by the progress app's one sentence per event kind, in the active language.
        last = {"text": event_description(event), "when": event.created}
    topics = next_topics(run.tree, facts.statuses, run.edges)
    return {
        "inactive_days": settings.REMINDERS_INACTIVITY_DAYS,
        "last_event": last,
        "next_topics": [{"title": t.title, "url": absolute_url(t.get_absolute_url())} for t in topics],
        "completion": percent_round(facts.completion.overall),
        "cohort": facts.enrollment.cohort if facts.enrollment else None,
        "detail": {},
    }


def behind_context(facts: StudentFacts, *, run: RunContext, period_key: str) -> dict:
    """Template context of a behind-schedule notice: the newly overdue sections, then all overdue ones."""
    pace = facts.pace(run.now, stalled_days=settings.REMINDERS_INACTIVITY_DAYS)
    new_ids = new_overdue_sections(facts, now=run.now, period_key=period_key)
    new = overdue_details(facts, new_ids, run.tree)
    earlier = overdue_details(facts, [s for s in pace.overdue_section_ids if s not in new_ids], run.tree)
    for item in (*new, *earlier):
        item["url"] = absolute_url(item["section"].get_absolute_url())
    return {
        "cohort": facts.enrollment.cohort if facts.enrollment else None,
        "new_sections": new,
        "earlier_sections": earlier,
        "detail": {"section_ids": new_ids},
    }


def digest_context(facts: MentorFacts, *, run: RunContext, period_key: str) -> dict:
    """Template context of a mentor digest: each cohort's behind, stalled, finished and quiz lines."""
    tz = Schedule.for_user(facts.user).tz
    cohorts = digest_for_mentor(cohort_ids=facts.cohort_ids, tree=run.tree, now=run.now, tz=tz)
    since = run.now - dt.timedelta(days=7)
    # The subject names the ISO week the digest covers (the local week of ``since``; sent on its
    # usual day the 7 days are that whole week), not the week of the send day (``period_key``).
    year, week, _ = since.astimezone(tz).isocalendar()
    return {
        "cohorts": cohorts,
        "since": since,
        "until": run.now,
        "year": str(year),
        "week": str(week),
        "stalled_days": settings.COHORT_STALLED_DAYS,
        "dashboard_url": _url("cohorts:mentor_home"),
        "detail": {"cohort_ids": facts.cohort_ids},
    }


def message_context(kind: str, facts, *, run: RunContext, period_key: str) -> dict:
    """The kind-specific template context (dispatch over the three builders above)."""
    if kind == ReminderKind.INACTIVITY:
        return inactivity_context(facts, run=run)
    if kind == ReminderKind.BEHIND:
        return behind_context(facts, run=run, period_key=period_key)
    return digest_context(facts, run=run, period_key=period_key)


@dataclass(frozen=True)
class RenderedReminder:
    """A rendered message and the facts to record in its log row."""

    message: EmailMultiAlternatives
    detail: dict


def reminder_message_build(*, kind: str, user, to_email: str, context: dict, connection=None) -> EmailMultiAlternatives:
    """Render one reminder as :class:`~django.core.mail.EmailMultiAlternatives`.

    Templates ``reminders/email/<kind>_subject.txt``, ``<kind>.txt`` and ``<kind>.html``, rendered
    with the user's language (``translation.override``) and time zone active.

    Headers: ``List-Unsubscribe`` (the one-click https URL, plus ``mailto:`` when
    ``settings.REMINDERS_UNSUBSCRIBE_MAILTO`` is set; RFC 2369), ``List-Unsubscribe-Post:
    List-Unsubscribe=One-Click`` (RFC 8058) and ``Auto-Submitted: auto-generated`` (RFC 3834).
    """
    page_url, one_click_url = unsubscribe_urls(user_id=user.pk, kind=kind)
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language), timezone.override(Schedule.for_user(user).tz):
        ctx = {
            "user": user,
            "name": user.get_short_name(),
            "kind": kind,
            "kind_label": ReminderKind(kind).label,
            "site_url": settings.SITE_URL.rstrip("/"),
            "unsubscribe_url": page_url,
            "preferences_url": _url("accounts:profile"),
            "progress_url": _url("progress:dashboard"),
            "language": language,
            **context,
        }
        subject = " ".join(render_to_string(f"reminders/email/{kind}_subject.txt", ctx).split())
        text = render_to_string(f"reminders/email/{kind}.txt", ctx)
        html = render_to_string(f"reminders/email/{kind}.html", ctx)
    links = [f"<{one_click_url}>"]
    if settings.REMINDERS_UNSUBSCRIBE_MAILTO:
        links.append(f"<mailto:{settings.REMINDERS_UNSUBSCRIBE_MAILTO}?subject=unsubscribe%20{kind}>")
    headers = {
        "List-Unsubscribe": ", ".join(links),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to_email],
        headers=headers,
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    return message


def reminder_render(kind: str, facts, *, run: RunContext, period_key: str, connection=None) -> RenderedReminder:
    """Build the context for ``facts`` and render the message to ``facts.email``, both in the
    recipient's language and time zone (the context holds translated sentences)."""
    user = facts.user
    with translation.override(user.language or settings.LANGUAGE_CODE), timezone.override(Schedule.for_user(user).tz):
        context = message_context(kind, facts, run=run, period_key=period_key)
        message = reminder_message_build(
            kind=kind, user=user, to_email=facts.email, context=context, connection=connection
        )
    return RenderedReminder(message=message, detail=context.get("detail", {}))


@dataclass
class ReminderPreview:
    """What the staff preview page shows for one user and kind.

    Attributes:
        verdict: eligibility now (:class:`reminders.selectors.Verdict`).
        period_key: the period a run now would use (or the current local day/week).
        due_now: whether the user's send time for that period has come (timing only).
        message: the rendered message, or ``None`` when there is nothing to render (a student
            kind for a user without an active enrollment).
    """

    verdict: object
    period_key: str
    due_now: bool
    message: EmailMultiAlternatives | None


def reminder_preview(*, user, kind: str, now: dt.datetime) -> ReminderPreview:
    """Render ``kind`` for ``user`` as a run at ``now`` would, without sending or writing anything.

    Unlike a run, it renders even when the user is not eligible (the verdict says why) and falls
    back to the account's address when no verified one exists.
    """
    schedule = Schedule.for_user(user)
    weekly = kind == ReminderKind.DIGEST
    slot = due_weekly(now, schedule, weekday=settings.REMINDERS_DIGEST_WEEKDAY) if weekly else due_daily(now, schedule)
    key = slot.period_key if slot else current_key(now, schedule, weekly=weekly)
    run = RunContext(now=now)
    verdict, facts = reminder_verdict_now(user_id=user.pk, kind=kind, period_key=key, tree=run.tree, now=now)
    message = None
    if facts is not None and (weekly or facts.enrollment is not None):
        facts.email = facts.email or user.email
        message = reminder_render(kind, facts, run=run, period_key=key).message
    return ReminderPreview(verdict=verdict, period_key=key, due_now=slot is not None, message=message)
