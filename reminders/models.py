"""The reminder log: one row per (user, kind, period) that the database keeps unique.

The row is the lock that makes sending idempotent: it is inserted and committed *before* the mail
goes out, so two beat processes, two workers or a retried task that reach the same user in the same
period find the row and do not send again. See :mod:`reminders.services` for the state machine.
Rows are written only through :mod:`reminders.services`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class ReminderKind(models.TextChoices):
    """The kinds of mail this app sends; each has its own on/off preference on ``accounts.User``."""

    INACTIVITY = "inactivity", _("Inactivity nudge")
    BEHIND = "behind", _("Behind-schedule notice")
    DIGEST = "digest", _("Weekly mentor digest")


#: The ``accounts.User`` boolean field that turns each kind on or off.
PREFERENCE_FIELD = {
    ReminderKind.INACTIVITY: "remind_inactivity",
    ReminderKind.BEHIND: "remind_behind",
    ReminderKind.DIGEST: "remind_digest",
}


class ReminderLog(TimeStampedModel):
    """One message for one user, kind and period (a local day, or an ISO week for digests).

    Status moves ``pending`` → ``sent`` | ``failed`` | ``skipped``; ``failed`` goes back to
    ``pending`` when the next run retries it. ``attempts`` counts hand-overs to the mail server.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="reminder_logs"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind)
    period_key = models.CharField(
        _("period"), max_length=10, help_text=_("Local date (2026-03-09) or ISO week (2026-W11) of the recipient.")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    to_email = models.EmailField(_("sent to"), blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    error = models.TextField(_("error or reason"), blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True, help_text=_("Facts the message announced."))
    attempted_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reminder log entry")
        verbose_name_plural = _("reminder log")
        ordering = ["-created", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "period_key"], name="unique_reminder_per_period"),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "sent", "failed", "skipped"]), name="reminder_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["inactivity", "behind", "digest"]), name="reminder_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["kind", "period_key"], name="reminder_kind_period")]

    def __str__(self):
        return f"{self.user_id} · {self.kind} · {self.period_key} · {self.status}"
