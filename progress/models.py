"""Per-student progress: one summary row per (student, topic) and (student, paper), plus an
append-only event log that feeds history, charts, stalled flags and reminders.

Rows are written only through :mod:`progress.services`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class TopicProgress(TimeStampedModel):
    """A student's status on one topic (a section without child sections)."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("student"), on_delete=models.CASCADE, related_name="topic_progress"
    )
    section = models.ForeignKey(
        "curriculum.Section", verbose_name=_("topic"), on_delete=models.CASCADE, related_name="topic_progress"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.NOT_STARTED)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    note = models.TextField(_("private note"), blank=True, help_text=_("Markdown; only you can see it."))
    note_html = models.TextField(_("private note (HTML)"), blank=True, editable=False)

    class Meta:
        verbose_name = _("topic progress")
        verbose_name_plural = _("topic progress")
        constraints = [
            models.UniqueConstraint(fields=["user", "section"], name="unique_topic_progress"),
            models.CheckConstraint(
                condition=models.Q(status__in=["not_started", "in_progress", "done", "skipped"]),
                name="topic_progress_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.section} · {self.get_status_display()}"


class PaperProgress(TimeStampedModel):
    """A paper on a student's reading list, with its reading status."""

    class Status(models.TextChoices):
        TO_READ = "to_read", _("To read")
        READING = "reading", _("Reading")
        READ = "read", _("Read")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("student"), on_delete=models.CASCADE, related_name="paper_progress"
    )
    paper = models.ForeignKey(
        "curriculum.Paper", verbose_name=_("paper"), on_delete=models.CASCADE, related_name="paper_progress"
    )
    status = models.CharField(_("reading status"), max_length=20, choices=Status, default=Status.TO_READ)
    completed_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("paper progress")
        verbose_name_plural = _("paper progress")
        constraints = [
            models.UniqueConstraint(fields=["user", "paper"], name="unique_paper_progress"),
            models.CheckConstraint(
                condition=models.Q(status__in=["to_read", "reading", "read"]), name="paper_progress_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.paper} · {self.get_status_display()}"


class ProgressEvent(models.Model):
    """Append-only log of every progress change: who, what, from, to, when.

    ``kind`` tells what changed: a topic's or paper's *status* (``from_status`` → ``to_status``;
    an empty string means "no row": a paper added to or removed from the reading list), or a
    topic's private *note* (both statuses empty; the note's text is never copied here). Rows are
    only ever inserted (:meth:`save` refuses updates).
    """

    class Kind(models.TextChoices):
        STATUS = "status", _("Status change")
        NOTE = "note", _("Note edited")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("student"), on_delete=models.CASCADE, related_name="progress_events"
    )
    section = models.ForeignKey(
        "curriculum.Section", verbose_name=_("topic"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="progress_events",
    )  # fmt: skip
    paper = models.ForeignKey(
        "curriculum.Paper", verbose_name=_("paper"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="progress_events",
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.STATUS)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    created = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("progress event")
        verbose_name_plural = _("progress events")
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["user", "-created"], name="progress_event_user_recent")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(section__isnull=False, paper__isnull=True)
                | models.Q(section__isnull=True, paper__isnull=False),
                name="progress_event_one_subject",
            ),
            models.CheckConstraint(condition=models.Q(kind__in=["status", "note"]), name="progress_event_kind_valid"),
        ]

    def __str__(self):
        if self.kind == self.Kind.NOTE:
            return f"{self.user}: note"
        return f"{self.user}: {self.from_status or '∅'} → {self.to_status or '∅'}"

    def save(self, *args, **kwargs):
        """Insert the event; raise ``ValueError`` for an existing row (the log is append-only)."""
        if not self._state.adding:
            raise ValueError("Progress events are append-only and cannot be changed.")
        super().save(*args, **kwargs)
