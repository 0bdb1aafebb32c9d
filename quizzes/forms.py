"""Forms of the quizzes app (admin authoring)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from quizzes.models import Question


class TrueFalseSelect(forms.NullBooleanSelect):
    """Offers an em dash, "True" and "False" instead of Django's "Unknown", "Yes" and "No"."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (("unknown", "—"), ("true", _("True")), ("false", _("False")))


class QuestionForm(forms.ModelForm):
    """A question with its accepted answers edited as text, one answer per line."""

    accepted_answers = forms.CharField(
        label=_("accepted answers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Short-answer questions only: one accepted answer per line. Answers are compared after "
            "Unicode NFKC normalisation (full-width → half-width), case folding and trimming white space."
        ),
    )

    class Meta:
        model = Question
        fields = ["quiz", "key", "order", "kind", "points", "text", "correct_bool", "accepted_answers", "explanation"]
        widgets = {"correct_bool": TrueFalseSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["accepted_answers"] = "\n".join(self.instance.accepted_answers or [])

    def clean_accepted_answers(self) -> list[str]:
        """Split the text into a list of non-blank, trimmed answers."""
        text = self.cleaned_data.get("accepted_answers") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]
