"""Forms of the reminders app."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reminders.models import ReminderKind
from reminders.selectors import user_for_preview


class PreviewForm(forms.Form):
    """The staff preview page's choice of user (email or id) and mail kind."""

    user = forms.CharField(label=_("User (email or id)"), max_length=254)
    kind = forms.ChoiceField(label=_("Kind"), choices=ReminderKind.choices, initial=ReminderKind.INACTIVITY)

    def clean_user(self):
        """Resolve the text to a user; a field error when nobody matches."""
        user = user_for_preview(self.cleaned_data["user"])
        if user is None:
            raise forms.ValidationError(_("No user with this email address or id."), code="unknown_user")
        return user
