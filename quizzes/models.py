"""Section quizzes: questions with choices, attempts that store their own answers and scores.

An :class:`Attempt` copies everything it needs from the quiz when it starts (question text, choices,
which choices are correct, accepted answers, points, explanations) into one :class:`AttemptAnswer`
row per question. Scoring and the review page read only those copies, so editing or deleting
questions later never changes a past score or review.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.markdown import render_markdown
from core.models import TimeStampedModel


def render_inline_markdown(text: str) -> str:
    """Render short Markdown (a choice) through :func:`core.markdown.render_markdown`.

    A result that is one plain paragraph loses its ``<p>`` wrapper so it can sit inside a ``<label>``;
    links are dropped (their text stays), so clicking a choice selects it instead of leaving the quiz.
    Returns sanitized HTML (str).
    """
    html = render_markdown(text, links=False).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


def _save_rendered(instance, pairs, kwargs) -> None:
    """Render each ``(source, target, renderer)`` and widen ``update_fields`` when a source is in it."""
    for source, target, renderer in pairs:
        setattr(instance, target, renderer(getattr(instance, source)))
    update_fields = kwargs.get("update_fields")
    if update_fields is not None:
        extra = {target for source, target, _renderer in pairs if source in update_fields}
        kwargs["update_fields"] = set(update_fields) | extra


class Quiz(TimeStampedModel):
    """A short self-check attached to a section."""

    section = models.ForeignKey(
        "curriculum.Section", verbose_name=_("section"), on_delete=models.CASCADE, related_name="quizzes"
    )
    key = models.SlugField(
        _("stable key"), max_length=100, unique=True, null=True, blank=True,
        help_text=_("Stable identifier used by the YAML quiz bank (load_quizzes). Empty for admin-only quizzes."),
    )  # fmt: skip
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown, shown before starting."))
    description_html = models.TextField(_("description (HTML)"), blank=True, editable=False)
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=60, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("time limit (minutes)"), null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_("Empty means no time limit."),
    )  # fmt: skip
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts allowed"), null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_("Empty means unlimited."),
    )  # fmt: skip
    is_published = models.BooleanField(_("published"), default=True)

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        ordering = ["section__order", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(pass_mark__lte=100), name="quiz_pass_mark_range"),
            models.CheckConstraint(
                condition=models.Q(time_limit_minutes__isnull=True) | models.Q(time_limit_minutes__gte=1),
                name="quiz_time_limit_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(max_attempts__isnull=True) | models.Q(max_attempts__gte=1),
                name="quiz_max_attempts_positive",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        """Render ``description`` into ``description_html``, then save."""
        _save_rendered(self, [("description", "description_html", render_markdown)], kwargs)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("quizzes:quiz_detail", kwargs={"pk": self.pk})


class Question(TimeStampedModel):
    """One question of a quiz.

    Kinds and what makes an answer correct (the scoring rules, see :mod:`quizzes.scoring`):

    * ``single``: choices, exactly one correct; the answer is right when that choice is picked.
    * ``multiple``: choices, at least one correct; all-or-nothing: the answer is right only when the
      picked set equals the set of correct choices (a partial selection scores 0).
    * ``true_false``: no choices; :attr:`correct_bool` holds the right answer.
    * ``short_answer``: no choices; :attr:`accepted_answers` lists the accepted texts, compared after
      normalisation (NFKC, case folding, trimming, collapsing inner white space).
    """

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TRUE_FALSE = "true_false", _("True or false")
        SHORT_ANSWER = "short_answer", _("Short answer")

    quiz = models.ForeignKey(Quiz, verbose_name=_("quiz"), on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(
        _("stable key"), max_length=100, null=True, blank=True,
        help_text=_("Stable identifier within the quiz, used by the YAML quiz bank."),
    )  # fmt: skip
    order = models.PositiveIntegerField(_("order"), default=0)
    kind = models.CharField(pgettext_lazy("quiz question", "kind"), max_length=20, choices=Kind, default=Kind.SINGLE)
    text = models.TextField(_("question"), help_text=_("Markdown."))
    text_html = models.TextField(_("question (HTML)"), blank=True, editable=False)
    explanation = models.TextField(
        _("explanation"), blank=True, help_text=_("Markdown, shown after the attempt is submitted.")
    )
    explanation_html = models.TextField(_("explanation (HTML)"), blank=True, editable=False)
    points = models.PositiveSmallIntegerField(_("points"), default=1, validators=[MinValueValidator(1)])
    correct_bool = models.BooleanField(
        _("correct answer (true or false)"), null=True, blank=True, help_text=_("Only for true-or-false questions.")
    )
    accepted_answers = models.JSONField(
        _("accepted answers"), default=list, blank=True, help_text=_("Only for short-answer questions.")
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["quiz", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "key"], name="unique_question_key_per_quiz"),
            models.CheckConstraint(condition=models.Q(points__gte=1), name="question_points_positive"),
        ]

    def __str__(self):
        text = " ".join(self.text.split())
        return text if len(text) <= 60 else text[:59] + "…"

    def save(self, *args, **kwargs):
        """Render ``text`` and ``explanation`` into their ``*_html`` fields, then save."""
        _save_rendered(
            self,
            [("text", "text_html", render_markdown), ("explanation", "explanation_html", render_markdown)],
            kwargs,
        )
        super().save(*args, **kwargs)

    @property
    def uses_choices(self) -> bool:
        """True for single- and multiple-choice questions."""
        return self.kind in (self.Kind.SINGLE, self.Kind.MULTIPLE)


class Choice(models.Model):
    """A choice of a single- or multiple-choice question."""

    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="choices")
    order = models.PositiveIntegerField(_("order"), default=0)
    text = models.CharField(_("text"), max_length=1000, help_text=_("Markdown."))
    text_html = models.TextField(_("text (HTML)"), blank=True, editable=False)
    is_correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["question", "order", "pk"]

    def __str__(self):
        return self.text

    def save(self, *args, **kwargs):
        """Render ``text`` into ``text_html``, then save."""
        _save_rendered(self, [("text", "text_html", render_inline_markdown)], kwargs)
        super().save(*args, **kwargs)


class Attempt(TimeStampedModel):
    """One student's attempt at a quiz. Scores are fixed at submission and never recomputed.

    An attempt is *open* until ``submitted_at`` is set; a student has at most one open attempt per
    quiz. ``deadline`` is ``started_at`` plus the quiz's time limit at start (``None``: no limit).
    """

    quiz = models.ForeignKey(Quiz, verbose_name=_("quiz"), on_delete=models.CASCADE, related_name="attempts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("student"), on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    started_at = models.DateTimeField(_("started at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    score_percent = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("passed"), default=False)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    timed_out = models.BooleanField(
        _("timed out"), default=False, help_text=_("Closed after the time limit; no answers were counted.")
    )
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%) at start"), null=True, blank=True)
    points_awarded = models.PositiveIntegerField(_("points awarded"), default=0)
    points_possible = models.PositiveIntegerField(_("points possible"), default=0)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = pgettext_lazy("quiz attempt", "attempts")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["user", "quiz"], name="attempt_user_quiz")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score_percent__isnull=True) | models.Q(score_percent__gte=0, score_percent__lte=100),
                name="attempt_score_range",
            ),
            models.CheckConstraint(
                condition=models.Q(submitted_at__isnull=True) | models.Q(score_percent__isnull=False),
                name="attempt_scored_when_submitted",
            ),
            models.UniqueConstraint(
                fields=["user", "quiz"], condition=models.Q(submitted_at__isnull=True), name="one_open_attempt_per_quiz"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.quiz}"

    def get_absolute_url(self):
        return reverse("quizzes:attempt_detail", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        """True until the attempt is submitted (or closed after its time limit)."""
        return self.submitted_at is None


class AttemptAnswer(models.Model):
    """One question of one attempt: a snapshot of the question taken at start, and the student's answer.

    ``choices`` is a list of ``{"id": int, "html": str, "correct": bool}`` in the order shown to this
    student. ``response`` is ``None`` while unanswered, else a list of choice ids (choice kinds), a bool
    (true or false) or a string (short answer). ``is_correct`` and ``points_awarded`` are set on submit.
    """

    attempt = models.ForeignKey(Attempt, verbose_name=_("attempt"), on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(
        Question, verbose_name=_("question"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="attempt_answers",
    )  # fmt: skip
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(pgettext_lazy("quiz question", "kind"), max_length=20, choices=Question.Kind)
    text_html = models.TextField(_("question (HTML)"))
    explanation_html = models.TextField(_("explanation (HTML)"), blank=True)
    points = models.PositiveSmallIntegerField(_("points"))
    choices = models.JSONField(_("choices"), default=list, blank=True)
    correct_bool = models.BooleanField(_("correct answer (true or false)"), null=True, blank=True)
    accepted_answers = models.JSONField(_("accepted answers"), default=list, blank=True)
    response = models.JSONField(_("response"), null=True, blank=True)
    is_correct = models.BooleanField(_("correct"), null=True, blank=True)
    points_awarded = models.PositiveSmallIntegerField(_("points awarded"), default=0)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="unique_answer_position"),
        ]

    def __str__(self):
        return f"{self.attempt_id} · {self.position + 1}"

    @classmethod
    def from_question(cls, *, question: Question, position: int, attempt=None, rng=None) -> "AttemptAnswer":
        """An unsaved snapshot of ``question`` (text, choices, correctness, points, explanation).

        Args:
            question: the live question; its ``choices`` should be prefetched.
            position: 0-based place in the attempt.
            attempt: the :class:`Attempt` it belongs to (``None`` for the admin preview).
            rng: a ``random.Random`` that shuffles the choices; ``None`` keeps the authored order.
        Returns:
            The :class:`AttemptAnswer`, not saved.
        """
        choices = [{"id": c.pk, "html": c.text_html, "correct": c.is_correct} for c in question.choices.all()]
        if rng is not None:
            rng.shuffle(choices)
        return cls(
            attempt=attempt,
            question=question,
            position=position,
            kind=question.kind,
            text_html=question.text_html,
            explanation_html=question.explanation_html,
            points=question.points,
            choices=choices,
            correct_bool=question.correct_bool,
            accepted_answers=list(question.accepted_answers) if question.kind == Question.Kind.SHORT_ANSWER else [],
        )

    @property
    def field_name(self) -> str:
        """The form field name of this question on the take page (``a-<id>``)."""
        return f"a-{self.pk}"

    @property
    def number(self) -> int:
        """The question's number as shown to the student (1-based)."""
        return self.position + 1

    @property
    def review_choices(self) -> list[dict]:
        """The choices for the review page: ``{"id", "html", "correct", "picked"}`` in shown order.

        Only for pages shown after submission (or the admin preview): it reveals the right answers.
        """
        picked = set(self.response) if isinstance(self.response, list) else set()
        return [{**choice, "picked": choice["id"] in picked} for choice in self.choices]

    @property
    def is_answered(self) -> bool:
        """True when the student gave an answer."""
        return self.response is not None
