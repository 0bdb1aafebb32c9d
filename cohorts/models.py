"""Cohorts (an intake of students with mentors), enrollments and the cohort's pace plan."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class Cohort(TimeStampedModel):
    """An intake of students guided by mentors, e.g. "2026 秋季"."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    mentors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("mentors"), related_name="mentored_cohorts", blank=True
    )

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="cohort_dates_order",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("cohorts:cohort_detail", kwargs={"pk": self.pk})


class Enrollment(TimeStampedModel):
    """A student's membership of a cohort. A student has at most one active enrollment."""

    cohort = models.ForeignKey(Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("student"), on_delete=models.CASCADE, related_name="enrollments"
    )
    enrolled_on = models.DateField(_("enrolled on"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["cohort", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "user"],
                name="unique_enrollment",
                violation_error_message=_("This student is already enrolled in this cohort."),
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(is_active=True),
                name="one_active_enrollment_per_student",
                violation_error_message=_("This student already has an active enrollment in another cohort."),
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.cohort}"


class PendingEnrollment(models.Model):
    """An invited email address waiting to sign up; it becomes an :class:`Enrollment` when the
    account is created (see :func:`cohorts.services.pending_enrollments_resolve`).

    One pending enrollment per address: inviting the address to another cohort moves it there.
    """

    cohort = models.ForeignKey(
        Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="pending_enrollments"
    )
    email = models.EmailField(_("email address"), unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("invited by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    created = models.DateTimeField(_("invited at"), auto_now_add=True)

    class Meta:
        verbose_name = _("pending enrollment")
        verbose_name_plural = _("pending enrollments")
        ordering = ["cohort", "email"]

    def __str__(self):
        return f"{self.email} · {self.cohort}"


class PaceMilestone(models.Model):
    """The cohort's pace plan: a top-level section should be complete by the end of ``due_week``.

    Weeks count from the cohort's start date; week 1 ends 7 days after it.
    """

    cohort = models.ForeignKey(Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="milestones")
    section = models.ForeignKey(
        "curriculum.Section", verbose_name=_("section"), on_delete=models.CASCADE, related_name="milestones"
    )
    due_week = models.PositiveSmallIntegerField(_("due by week"))

    class Meta:
        verbose_name = _("pace milestone")
        verbose_name_plural = _("pace plan")
        ordering = ["cohort", "due_week", "section__order"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "section"], name="unique_milestone"),
            models.CheckConstraint(condition=models.Q(due_week__gte=1), name="milestone_week_positive"),
        ]

    def __str__(self):
        return f"{self.section} · {self.due_week}"

    def clean(self):
        """Refuse a section that is not top-level: the plan sets a due week per top-level section."""
        if self.section_id is not None and self.section.parent_id is not None:
            raise ValidationError({"section": _("Choose a top-level section.")}, code="not_top_level")
