"""Forms of the linkcheck app."""

from django import forms
from django.utils.translation import gettext_lazy as _


class LinkReportForm(forms.Form):
    """A student's "this link is broken" report: the link's URL and an optional comment."""

    url = forms.CharField(max_length=2000, widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("What is wrong with it? (optional)")}),
    )
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


class ReportCloseForm(forms.Form):
    """An admin closing a report as resolved or dismissed."""

    status = forms.ChoiceField(choices=[("resolved", _("Resolved")), ("dismissed", _("Dismissed"))])
