"""Writes about student progress: topic statuses, private notes and the paper reading list.

Every write goes through a function here (STYLE.md, "One door for every write"). Each one:

* runs in one transaction and locks the student's row (``select_for_update``) before reading its
  current value, so two tabs, a double click or concurrent requests are applied one after the
  other and never lose the later change;
* creates the row with ``get_or_create``; a concurrent insert of the same (student, item) pair hits
  the unique constraint, and the loser falls back to reading (and locking) the winner's row;
* changes the row only when the value changes, saving with ``update_fields``, and then appends one
  :class:`~progress.models.ProgressEvent`; an unchanged value writes nothing.

Errors are raised as :class:`django.core.exceptions.ValidationError` (views answer 400).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.markdown import render_markdown
from curriculum.models import Paper, Section
from progress.models import PaperProgress, ProgressEvent, TopicProgress

#: Longest private note accepted, in characters.
NOTE_MAX_LENGTH = 20_000

_STARTED = {TopicProgress.Status.IN_PROGRESS, TopicProgress.Status.DONE}


def _lock_or_create(model: type[models.Model], *, defaults: dict, **lookup) -> tuple[models.Model, bool]:
    """Return ``(row, created)`` for ``lookup``, the row locked until the surrounding transaction ends.

    Must run inside ``transaction.atomic()``. The inner savepoint keeps the outer transaction usable
    when a concurrent request inserted the same row first (``IntegrityError`` on the unique
    constraint); the row is then read again, with ``SELECT ... FOR UPDATE``, which on PostgreSQL
    waits for the other transaction and sees its committed value. SQLite ignores ``FOR UPDATE``:
    its writers are serialised by the database lock instead.
    """
    try:
        with transaction.atomic():
            return model.objects.select_for_update().get_or_create(defaults=defaults, **lookup)
    except IntegrityError:
        return model.objects.select_for_update().get(**lookup), False


def _check_choice(value: str, choices: type[models.TextChoices]) -> str:
    if value not in choices.values:
        raise ValidationError(
            _("“%(value)s” is not a valid status.") % {"value": value}, code="invalid_status", params={"value": value}
        )
    return value


def _check_topic(section: Section) -> None:
    """Raise ``ValidationError`` unless ``section`` is an active topic (a section without active children)."""
    if section.is_archived:
        raise ValidationError(
            _("“%(title)s” has been removed from the curriculum.") % {"title": section.title}, code="archived"
        )
    if Section.objects.filter(parent_id=section.pk, is_archived=False).exists():
        raise ValidationError(
            _("“%(title)s” is a part with sub-sections, not a topic: record progress on its topics instead.")
            % {"title": section.title},
            code="not_a_topic",
        )


def progress_record(*, user, section: Section, status: str) -> TopicProgress:
    """Set ``user``'s status on the topic ``section``.

    Args:
        user: the student (an ``accounts.User``); never taken from request data.
        section: a topic, i.e. an active section without active child sections.
        status: a :class:`TopicProgress.Status` value.
    Returns:
        The student's (saved) :class:`TopicProgress` row.
    Raises:
        ValidationError: ``code="invalid_status"`` for an unknown status, ``"not_a_topic"`` for a
            part, ``"archived"`` for an archived section.

    ``started_at`` is set the first time the topic becomes in progress or done, ``completed_at``
    the first time it becomes done; later transitions keep both (the dates of first study and first
    completion). Nothing is written when the status is unchanged.
    """
    _check_choice(status, TopicProgress.Status)
    _check_topic(section)
    now = timezone.now()
    with transaction.atomic():
        defaults = {
            "status": status,
            "started_at": now if status in _STARTED else None,
            "completed_at": now if status == TopicProgress.Status.DONE else None,
        }
        row, created = _lock_or_create(TopicProgress, defaults=defaults, user=user, section=section)
        if created:
            if status != TopicProgress.Status.NOT_STARTED:
                ProgressEvent.objects.create(
                    user=user, section=section, from_status=TopicProgress.Status.NOT_STARTED, to_status=status
                )
            return row
        previous = row.status
        if previous == status:
            return row
        changed = ["status", "modified"]
        row.status = status
        if status in _STARTED and row.started_at is None:
            row.started_at = now
            changed.append("started_at")
        if status == TopicProgress.Status.DONE and row.completed_at is None:
            row.completed_at = now
            changed.append("completed_at")
        row.save(update_fields=changed)
        ProgressEvent.objects.create(user=user, section=section, from_status=previous, to_status=status)
    return row


def progress_note_set(*, user, section: Section, note: str) -> TopicProgress:
    """Save ``user``'s private Markdown note on the topic ``section``.

    The note is normalised (``\\r\\n`` to ``\\n``, trailing white space removed) and rendered through
    :func:`core.markdown.render_markdown` into ``note_html``. A blank note clears it. When the
    note changes, one :class:`ProgressEvent` of kind ``note`` is appended (without the text: notes
    are private). The topic's status is not touched; a topic without a row gets one, not started.

    Raises:
        ValidationError: ``code="note_too_long"`` past :data:`NOTE_MAX_LENGTH` characters,
            ``code="null_characters_not_allowed"`` for a NUL character (PostgreSQL cannot store one
            in a text column), or the errors of :func:`progress_record` for a part or an archived section.
    """
    ProhibitNullCharactersValidator()(note)
    note = "\n".join(line.rstrip() for line in (note or "").replace("\r\n", "\n").split("\n")).strip("\n")
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            _("The note is too long (at most %(max)d characters).") % {"max": NOTE_MAX_LENGTH}, code="note_too_long"
        )
    _check_topic(section)
    with transaction.atomic():
        defaults = {"note": note, "note_html": render_markdown(note)}
        row, created = _lock_or_create(TopicProgress, defaults=defaults, user=user, section=section)
        if not created:
            if row.note == note:
                return row
            row.note = note
            row.note_html = defaults["note_html"]
            row.save(update_fields=["note", "note_html", "modified"])
        elif not note:
            return row
        ProgressEvent.objects.create(user=user, section=section, kind=ProgressEvent.Kind.NOTE)
    return row


def _check_paper(paper: Paper) -> None:
    if paper.is_archived:
        raise ValidationError(
            _("“%(title)s” has been removed from the curriculum.") % {"title": paper.title}, code="archived"
        )


def reading_list_add(*, user, paper: Paper) -> PaperProgress:
    """Put ``paper`` on ``user``'s reading list as "to read"; a paper already there keeps its status.

    Returns the :class:`PaperProgress` row. Raises ``ValidationError`` (``code="archived"``) for an
    archived paper. Appends an event (``"" → "to_read"``) only when the paper was not on the list.
    """
    _check_paper(paper)
    with transaction.atomic():
        row, created = _lock_or_create(
            PaperProgress, defaults={"status": PaperProgress.Status.TO_READ}, user=user, paper=paper
        )
        if created:
            ProgressEvent.objects.create(user=user, paper=paper, from_status="", to_status=row.status)
    return row


def paper_status_set(*, user, paper: Paper, status: str) -> PaperProgress:
    """Set ``user``'s reading status of ``paper``, adding it to the reading list when absent.

    Args:
        status: a :class:`PaperProgress.Status` value.
    Returns:
        The saved :class:`PaperProgress` row. ``completed_at`` is set the first time the paper
        becomes "read" and kept afterwards.
    Raises:
        ValidationError: ``code="invalid_status"``, or ``"archived"`` for an archived paper.
    """
    _check_choice(status, PaperProgress.Status)
    _check_paper(paper)
    now = timezone.now()
    with transaction.atomic():
        defaults = {"status": status, "completed_at": now if status == PaperProgress.Status.READ else None}
        row, created = _lock_or_create(PaperProgress, defaults=defaults, user=user, paper=paper)
        if created:
            ProgressEvent.objects.create(user=user, paper=paper, from_status="", to_status=status)
            return row
        previous = row.status
        if previous == status:
            return row
        changed = ["status", "modified"]
        row.status = status
        if status == PaperProgress.Status.READ and row.completed_at is None:
            row.completed_at = now
            changed.append("completed_at")
        row.save(update_fields=changed)
        ProgressEvent.objects.create(user=user, paper=paper, from_status=previous, to_status=status)
    return row


def reading_list_remove(*, user, paper: Paper) -> bool:
    """Take ``paper`` off ``user``'s reading list.

    Returns ``True`` when it was there (and appends an event ``status → ""``), ``False`` when it was
    not (nothing is written). Works for archived papers too, so old entries can be cleaned up.
    """
    with transaction.atomic():
        row = PaperProgress.objects.select_for_update().filter(user=user, paper=paper).first()
        if row is None:
            return False
        previous = row.status
        row.delete()
        ProgressEvent.objects.create(user=user, paper=paper, from_status=previous, to_status="")
    return True
