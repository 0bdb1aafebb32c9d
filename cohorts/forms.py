"""Forms of the cohorts app."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cohorts.services import emails_parse


class BulkEnrollForm(forms.Form):
    """Paste email addresses to enroll them in a cohort (see :func:`cohorts.services.cohort_bulk_enroll`)."""

    emails = forms.CharField(
        label=_("Email addresses"),
        widget=forms.Textarea(
            # vLargeTextField: the admin's full-width text box (the admin page renders this form too).
            attrs={"rows": 8, "class": "vLargeTextField", "placeholder": "alice@example.org\nbob@example.org"}
        ),
        help_text=_(
            "One per line, or separated by commas, semicolons or spaces. “Name <address>” as copied "
            "from a mail program works too. Unknown addresses receive an invitation and join the "
            "cohort when they sign up."
        ),
        max_length=100_000,
    )
    move = forms.BooleanField(
        label=_("Move students who are enrolled in another cohort"),
        required=False,
        help_text=_("Otherwise they stay where they are and are listed as conflicts."),
    )

    #: Most addresses accepted at once, to keep one request short.
    MAX_ADDRESSES = 1000

    def clean_emails(self):
        """Require at least one address and at most :attr:`MAX_ADDRESSES`."""
        text = self.cleaned_data["emails"]
        count = len(emails_parse(text))
        if count == 0:
            raise forms.ValidationError(_("Enter at least one email address."))
        if count > self.MAX_ADDRESSES:
            raise forms.ValidationError(
                _("At most %(max)d addresses at a time (you entered %(count)d).")
                % {"max": self.MAX_ADDRESSES, "count": count}
            )
        return text
