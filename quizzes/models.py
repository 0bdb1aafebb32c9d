"""Section quizzes: questions with choices, attempts that store their own answers and scores."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class Quiz(TimeStampedModel):
    """A short self-check attached to a section."""

    section = models.ForeignKey(
        "curriculum.Section", verbose_name=_("section"), on_delete=models.CASCADE, related_name="quizzes"
    )
    title = models.CharField(_("title"), max_length=200)
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=60, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    time_limit_minutes = models.PositiveSmallIntegerField(_("time limit (minutes)"), null=True, blank=True)
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts allowed"), null=True, blank=True, help_text=_("Empty means unlimited.")
    )
    is_published = models.BooleanField(_("published"), default=True)

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        ordering = ["section__order", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(pass_mark__lte=100), name="quiz_pass_mark_range"),
        ]

    def __str__(self):
        return self.title


class Attempt(TimeStampedModel):
    """One student's attempt at a quiz. Scores are fixed at submission and never recomputed."""

    quiz = models.ForeignKey(Quiz, verbose_name=_("quiz"), on_delete=models.CASCADE, related_name="attempts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("student"), on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    started_at = models.DateTimeField(_("started at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    score_percent = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("passed"), default=False)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["user", "quiz"], name="attempt_user_quiz")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score_percent__isnull=True) | models.Q(score_percent__gte=0, score_percent__lte=100),
                name="attempt_score_range",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.quiz}"
