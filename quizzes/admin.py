"""Admin for quizzes: quizzes with their questions inline, questions with their choices inline,
a student-eye preview with the answers marked, and read-only attempts with their answers."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q
from django.forms import Textarea
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from quizzes import selectors
from quizzes.forms import QuestionForm
from quizzes.models import Attempt, AttemptAnswer, Choice, Question, Quiz
from quizzes.scoring import question_problems


class ChoiceInlineFormSet(BaseInlineFormSet):
    """Checks the question's choices against its kind (see :func:`quizzes.scoring.question_problems`)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        choices = [
            (form.cleaned_data.get("text", ""), bool(form.cleaned_data.get("is_correct")))
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        question = self.instance
        problems = question_problems(
            kind=question.kind,
            choices=choices,
            correct_bool=question.correct_bool,
            accepted_answers=question.accepted_answers or [],
        )
        if problems:
            raise ValidationError(problems)


class ChoiceInline(admin.TabularInline):
    model = Choice
    formset = ChoiceInlineFormSet
    extra = 0
    fields = ["order", "text", "is_correct"]


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    formfield_overrides = {models.TextField: {"widget": Textarea(attrs={"rows": 2, "cols": 60})}}
    fields = ["order", "key", "kind", "text", "points", "choices_summary"]
    readonly_fields = ["choices_summary"]
    show_change_link = True
    ordering = ["order", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("choices")

    @admin.display(description=_("choices / answer"))
    def choices_summary(self, obj):
        if obj.pk is None:
            return "—"
        choices = list(obj.choices.all())
        problems = question_problems(
            kind=obj.kind,
            choices=[(c.text, c.is_correct) for c in choices],
            correct_bool=obj.correct_bool,
            accepted_answers=obj.accepted_answers,
        )
        if problems:
            return format_html('<strong class="errornote">{}</strong>', " ".join(problems))
        if obj.uses_choices:
            correct = sum(1 for c in choices if c.is_correct)
            return _("%(n)d choices, %(c)d correct") % {"n": len(choices), "c": correct}
        if obj.kind == Question.Kind.TRUE_FALSE:
            return _("True") if obj.correct_bool else _("False")
        return " / ".join(obj.accepted_answers)


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = [
        "title", "section", "is_published", "question_count", "attempt_count", "submitted_count",
        "passed_count", "preview_link",
    ]  # fmt: skip
    list_filter = ["is_published", ("section", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "key", "description"]
    autocomplete_fields = ["section"]
    list_select_related = ["section"]
    inlines = [QuestionInline]
    readonly_fields = ["preview_link", "attempts_link"]
    fieldsets = [
        (None, {"fields": ["title", "section", "key", "is_published", "description"]}),
        (_("Rules"), {"fields": ["pass_mark", "time_limit_minutes", "max_attempts"]}),
        (_("Links"), {"fields": ["preview_link", "attempts_link"]}),
    ]

    def get_queryset(self, request):
        submitted = Q(attempts__submitted_at__isnull=False)
        return (
            super()
            .get_queryset(request)
            .annotate(
                question_total=Count("questions", distinct=True),
                attempt_total=Count("attempts", distinct=True),
                submitted_total=Count("attempts", filter=submitted, distinct=True),
                passed_total=Count("attempts", filter=submitted & Q(attempts__passed=True), distinct=True),
            )
        )

    @admin.display(description=_("question count"), ordering="question_total")
    def question_count(self, obj):
        return obj.question_total

    @admin.display(description=_("attempts started"), ordering="attempt_total")
    def attempt_count(self, obj):
        url = reverse("admin:quizzes_attempt_changelist") + f"?quiz__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.attempt_total)

    @admin.display(description=_("submitted"), ordering="submitted_total")
    def submitted_count(self, obj):
        return obj.submitted_total

    @admin.display(description=_("passed"), ordering="passed_total")
    def passed_count(self, obj):
        return obj.passed_total

    @admin.display(description=_("preview"))
    def preview_link(self, obj):
        if obj.pk is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:quizzes_quiz_preview", args=[obj.pk]), _("Preview"))

    @admin.display(description=_("attempt records"))
    def attempts_link(self, obj):
        if obj.pk is None:
            return "—"
        url = reverse("admin:quizzes_attempt_changelist") + f"?quiz__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Attempts at this quiz"))

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [path("<path:object_id>/preview/", preview, name="quizzes_quiz_preview"), *super().get_urls()]

    def preview_view(self, request, object_id):
        """The quiz as students see it, in authored order, with the right answers and explanations."""
        quiz = self.get_object(request, unquote(object_id))
        if quiz is None:
            raise Http404(_("No such quiz."))
        if not self.has_view_permission(request, quiz):
            raise PermissionDenied
        context = {"quiz": quiz, "items": selectors.quiz_preview(quiz=quiz)}
        return TemplateResponse(request, "quizzes/admin_preview.html", context)


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    form = QuestionForm
    list_display = ["__str__", "quiz", "kind", "points", "order"]
    list_filter = ["kind", ("quiz", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["text", "key", "quiz__title"]
    autocomplete_fields = ["quiz"]
    list_select_related = ["quiz"]
    inlines = [ChoiceInline]
    readonly_fields = ["quiz_links"]
    fieldsets = [
        (None, {"fields": ["quiz", "quiz_links", "key", "order", "kind", "points"]}),
        (_("Question"), {"fields": ["text"]}),
        (
            _("Answer"),
            {
                "fields": ["correct_bool", "accepted_answers"],
                "description": _(
                    "Single and multiple choice: mark the correct choices below (multiple choice is "
                    "all-or-nothing: every correct choice and no other must be picked). True or false: "
                    "set the answer here. Short answer: list the accepted answers here."
                ),
            },
        ),
        (_("Explanation"), {"fields": ["explanation"]}),
    ]

    @admin.display(description=_("quiz links"))
    def quiz_links(self, obj):
        if obj.pk is None:
            return "—"
        links = [
            (reverse("admin:quizzes_quiz_change", args=[obj.quiz_id]), _("Edit the quiz")),
            (reverse("admin:quizzes_quiz_preview", args=[obj.quiz_id]), _("Preview")),
        ]
        return format_html_join(" · ", '<a href="{}">{}</a>', links)


class AttemptAnswerInline(admin.TabularInline):
    model = AttemptAnswer
    extra = 0
    can_delete = False
    fields = ["position", "question", "kind", "points", "response", "is_correct", "points_awarded"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    """Attempts are written only by the quiz services; here they can be looked at (and deleted)."""

    list_display = ["user", "quiz", "started_at", "submitted_at", "score_percent", "passed", "timed_out"]
    list_filter = ["passed", "timed_out", ("quiz", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__email", "user__display_name", "quiz__title"]
    list_select_related = ["user", "quiz"]
    date_hierarchy = "started_at"
    inlines = [AttemptAnswerInline]
    readonly_fields = [
        "quiz", "user", "started_at", "deadline", "submitted_at", "score_percent", "passed", "timed_out",
        "pass_mark", "points_awarded", "points_possible",
    ]  # fmt: skip
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
