"""Link health: one row per checked target, the history of checks, runs, and students' reports.

A :class:`Link` is keyed by the URL exactly as stored in ``curriculum.Resource.url`` /
``curriculum.Paper.url`` (or by the path of a ``curriculum.LocalReference``), so a page can look up the
health of all its links in one query. Rows are written only through :mod:`linkcheck.services`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStampedModel

WAYBACK_PREFIX = "https://web.archive.org/web/"


class LinkStatus(models.TextChoices):
    """The class of a check result (same values as :class:`linkcheck.checker.LinkClass`)."""

    UNCHECKED = "unchecked", _("Not checked yet")
    OK = "ok", _("OK")
    REDIRECTED = "redirected", _("Moved")
    BROKEN = "broken", _("Broken")
    BLOCKED = "blocked", _("Blocks robots")
    TIMEOUT = "timeout", _("Timed out")
    ERROR = "error", _("Error")
    SOFT_404 = "soft_404", _("Content removed")


#: Statuses that count as a failure for the consecutive-failure rule. "Blocked" is not a failure.
FAILURE_STATUSES = (LinkStatus.BROKEN, LinkStatus.TIMEOUT, LinkStatus.ERROR, LinkStatus.SOFT_404)


class Link(TimeStampedModel):
    """A link target and its current health.

    ``status`` and the fields beside it describe the latest check; ``broken_since`` is set once the
    link failed ``LINKCHECK_FAILURES_BEFORE_BROKEN`` checks in a row and cleared by the next success:
    only then do students see it as broken.
    """

    class Kind(models.TextChoices):
        WEB = "web", _("Web page")
        LOCAL = "local", _("Uploaded file")

    url = models.CharField(_("URL or path"), max_length=2000, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.WEB)
    is_active = models.BooleanField(
        _("in use"), default=True, help_text=_("Listed by an active resource, paper or file reference.")
    )
    status = models.CharField(_("status"), max_length=20, choices=LinkStatus, default=LinkStatus.UNCHECKED)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    final_url = models.CharField(_("final URL"), max_length=2000, blank=True)
    new_url = models.CharField(
        _("moved to"), max_length=2000, blank=True, help_text=_("Target of a permanent redirect, to accept.")
    )
    error = models.TextField(_("error"), blank=True)
    elapsed_ms = models.PositiveIntegerField(_("time (ms)"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    broken_since = models.DateTimeField(_("broken since"), null=True, blank=True, db_index=True)
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True, db_index=True)
    last_ok_at = models.DateTimeField(_("last OK"), null=True, blank=True)
    # A run claims the links it is checking, so overlapping runs never check one link twice at once.
    claimed_by = models.ForeignKey(
        "LinkCheckRun", verbose_name=_("being checked by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("link")
        verbose_name_plural = _("links")
        ordering = ["url"]
        indexes = [models.Index(fields=["is_active", "status"], name="linkcheck_active_status")]

    def __str__(self):
        return self.url

    @property
    def is_broken(self) -> bool:
        """True when students see the link as broken (failed enough checks in a row)."""
        return self.broken_since is not None

    @property
    def is_failing(self) -> bool:
        """True when the latest check failed (maybe not yet often enough to show it as broken)."""
        return self.status in FAILURE_STATUSES

    @property
    def archive_url(self) -> str:
        """The Wayback Machine's latest copy of the URL (``https://web.archive.org/web/<url>``)."""
        return f"{WAYBACK_PREFIX}{self.url}" if self.kind == self.Kind.WEB else ""


class LinkCheckRun(models.Model):
    """One execution of the checker over a set of links (all, one section, or chosen links).

    ``lock`` holds ``"all"`` while a full run is running; the unique constraint lets only one full run
    hold it, which makes an overlapping second run a no-op (status ``skipped``).
    """

    class Scope(models.TextChoices):
        ALL = "all", _("All links")
        SECTION = "section", _("One section")
        LINKS = "links", _("Chosen links")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped (another run was active)")
        ABANDONED = "abandoned", _("Abandoned (worker lost)")
        FAILED = "failed", pgettext_lazy("link check run", "Failed")

    scope = models.CharField(_("scope"), max_length=10, choices=Scope, default=Scope.ALL)
    section_slug = models.CharField(_("section"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.RUNNING)
    lock = models.CharField(_("lock"), max_length=50, null=True, blank=True, unique=True, editable=False)
    task_id = models.CharField(_("Celery task id"), max_length=100, blank=True, db_index=True)
    started_at = models.DateTimeField(_("started"))
    heartbeat_at = models.DateTimeField(_("last progress"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    total = models.PositiveIntegerField(_("links"), default=0)
    checked = models.PositiveIntegerField(_("checked"), default=0)
    counts = models.JSONField(_("results per class"), default=dict, blank=True)
    newly_broken = models.PositiveIntegerField(_("newly broken"), default=0)
    digest_sent_at = models.DateTimeField(_("digest sent"), null=True, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    note = models.TextField(pgettext_lazy("link report", "note"), blank=True)

    class Meta:
        verbose_name = _("link check run")
        verbose_name_plural = _("link check runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"{self.get_scope_display()} · {self.started_at:%Y-%m-%d %H:%M} · {self.get_status_display()}"


class LinkCheck(models.Model):
    """One stored check of one link (the history). Pruned after ``LINKCHECK_HISTORY_DAYS`` days."""

    link = models.ForeignKey(Link, verbose_name=_("link"), on_delete=models.CASCADE, related_name="checks")
    run = models.ForeignKey(
        LinkCheckRun, verbose_name=_("run"), null=True, blank=True, on_delete=models.SET_NULL, related_name="checks"
    )
    checked_at = models.DateTimeField(_("checked at"))
    status = models.CharField(_("status"), max_length=20, choices=LinkStatus)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    final_url = models.CharField(_("final URL"), max_length=2000, blank=True)
    new_url = models.CharField(_("moved to"), max_length=2000, blank=True)
    elapsed_ms = models.PositiveIntegerField(_("time (ms)"), default=0)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)
    became_broken = models.BooleanField(_("became broken"), default=False)

    class Meta:
        verbose_name = _("link check")
        verbose_name_plural = _("link checks")
        ordering = ["-checked_at", "-pk"]
        indexes = [models.Index(fields=["link", "-checked_at"], name="linkcheck_check_link_time")]

    def __str__(self):
        return f"{self.link} · {self.status} · {self.checked_at:%Y-%m-%d %H:%M}"


class LinkReport(TimeStampedModel):
    """A student's report that a link is broken; it feeds the admins' link-health queue."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("link report status", "Open")
        RESOLVED = "resolved", _("Resolved")
        DISMISSED = "dismissed", _("Dismissed")

    link = models.ForeignKey(Link, verbose_name=_("link"), on_delete=models.CASCADE, related_name="reports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.CASCADE, related_name="link_reports"
    )
    comment = models.TextField(_("comment"), blank=True, max_length=1000)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    resolved_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("closed by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("link report")
        verbose_name_plural = _("link reports")
        ordering = ["-created", "-pk"]
        constraints = [
            # One open report per student and link: a second click updates the comment instead.
            models.UniqueConstraint(
                fields=["link", "user"], condition=models.Q(status="open"), name="linkcheck_one_open_report"
            ),
        ]

    def __str__(self):
        return f"{self.link} · {self.user} · {self.get_status_display()}"
