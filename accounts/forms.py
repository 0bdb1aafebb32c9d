"""Forms of the accounts app: sign-up (policy checks), profile, and the admin's bulk invitation."""

import re

from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.core import context as allauth_context
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.adapters import invitation_email_for
from accounts.models import INVITABLE_ROLES, User, time_zone_choices
from accounts.selectors import email_domain_allowed, signup_allowed_domains, signup_mode


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form plus an optional display name and the sign-up policy.

    * After an invitation link was opened (session), the email field is prefilled and read-only,
      and any other address is refused on the server.
    * In "domain" mode, addresses outside ``SIGNUP_ALLOWED_DOMAINS`` are refused with a field error.
    """

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=150,
        required=False,
        help_text=_("How mentors and classmates see you, e.g. 张三. Optional."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    field_order = ["email", "display_name", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # allauth's sign-up view passes no request; its middleware keeps the current one here.
        self.invitation_email = invitation_email_for(allauth_context.request)
        if self.invitation_email:
            field = self.fields["email"]
            field.initial = self.invitation_email
            field.widget.attrs.update({"readonly": True, "aria-readonly": "true"})
            field.help_text = _("This is the address your invitation was sent to.")
        elif signup_mode() == "domain":
            domains = ", ".join(f"@{domain}" for domain in signup_allowed_domains())
            self.fields["email"].help_text = _("Only addresses ending in %(domains)s can sign up.") % {
                "domains": domains
            }

    def clean_email(self):
        value = (self.cleaned_data.get("email") or "").strip().lower()
        if self.invitation_email:
            if value != self.invitation_email.lower():
                raise ValidationError(
                    _("This invitation is for %(email)s; it cannot be used for another address."),
                    code="invitation_email_mismatch",
                    params={"email": self.invitation_email},
                )
        elif signup_mode() == "domain" and not email_domain_allowed(value):
            raise ValidationError(
                _("Sign-up is limited to addresses ending in %(domains)s."),
                code="domain_not_allowed",
                params={"domains": ", ".join(f"@{domain}" for domain in signup_allowed_domains())},
            )
        return super().clean_email()


class ProfileForm(forms.ModelForm):
    """The signed-in user's own preferences. Bound to ``request.user`` only (see the view)."""

    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    reminder_hour = forms.TypedChoiceField(
        label=_("Preferred hour for reminders"),
        coerce=int,
        choices=[(hour, f"{hour:02d}:00") for hour in range(24)],
        help_text=_("Reminders are sent around this hour, in your time zone."),
    )

    class Meta:
        model = User
        fields = [
            "display_name",
            "language",
            "time_zone",
            "remind_inactivity",
            "remind_behind",
            "remind_digest",
            "reminder_hour",
            "quiet_hours_enabled",
            "quiet_hours_start",
            "quiet_hours_end",
        ]
        labels = {
            "display_name": _("Display name"),
            "language": _("Interface language"),
            "remind_inactivity": _("Remind me when I have not studied for a while"),
            "remind_behind": _("Tell me when I fall behind my cohort's schedule"),
            "remind_digest": _("Weekly digest of my students (mentors)"),
            "quiet_hours_enabled": _("No reminders during quiet hours"),
            "quiet_hours_start": _("Quiet hours start"),
            "quiet_hours_end": _("Quiet hours end"),
        }
        help_texts = {
            "display_name": _("Shown in the navigation and to your mentors. Leave empty to use your email."),
            "quiet_hours_start": _("Your local time, e.g. 22:00."),
            "quiet_hours_end": _("Your local time, e.g. 07:00; may be earlier than the start (overnight)."),
        }
        widgets = {
            "quiet_hours_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The weekly digest is about a mentor's students; students do not get the choice.
        if not (self.instance.is_mentor or self.instance.is_staff):
            del self.fields["remind_digest"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("quiet_hours_start"), cleaned.get("quiet_hours_end")
        if cleaned.get("quiet_hours_enabled") and start is not None and start == end:
            self.add_error("quiet_hours_end", _("Quiet hours must end at a different time than they start."))
        return cleaned


_EMAIL_SEPARATORS = re.compile(r"[\s,;]+")


class InvitationBulkForm(forms.Form):
    """The admin's "invite these emails" form: a pasted list of addresses and one role."""

    emails = forms.CharField(
        label=_("Email addresses"),
        widget=forms.Textarea(
            attrs={"rows": 10, "class": "vLargeTextField", "placeholder": "alice@example.org\nbob@example.org"}
        ),
        help_text=_("One or more addresses, separated by new lines, spaces, commas or semicolons."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=INVITABLE_ROLES, initial="student")
    send = forms.BooleanField(label=_("Send the invitation emails now"), required=False, initial=True)

    def clean_emails(self) -> list[str]:
        """Return the distinct lower-cased addresses; refuse the form if any is malformed."""
        raw = [part.strip().strip("<>").lower() for part in _EMAIL_SEPARATORS.split(self.cleaned_data["emails"])]
        emails = list(dict.fromkeys(part for part in raw if part))
        invalid = []
        for email in emails:
            try:
                validate_email(email)
            except ValidationError:
                invalid.append(email)
        if invalid:
            raise ValidationError(
                ngettext(
                    "This is not a valid email address: %(emails)s",
                    "These are not valid email addresses: %(emails)s",
                    len(invalid),
                )
                % {"emails": ", ".join(invalid)},
                code="invalid",
            )
        if not emails:
            raise ValidationError(_("Enter at least one email address."), code="required")
        return emails
