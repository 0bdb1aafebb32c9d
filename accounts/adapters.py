"""allauth adapters: the sign-up policy (invitation only, allowed domains or open) and role on sign-up.

See https://docs.allauth.org/en/latest/account/advanced.html#custom-redirects and the adapter
reference for the hooks overridden here.
"""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.http import Http404
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, reverse

#: Session key holding the address of the invitation link the visitor opened.
INVITATION_SESSION_KEY = "invitation_email"


def signup_allowed(email: str | None) -> bool:
    """Tell whether ``email`` may create an account under ``settings.SIGNUP_MODE``.

    Args:
        email: the address being signed up, or ``None`` when not yet known (the sign-up page).
    Returns:
        ``True`` for "open"; for "domain", when the domain is in ``SIGNUP_ALLOWED_DOMAINS`` (or
        ``email`` is ``None``); for "invite", when a pending invitation exists for the address.
    """
    from accounts.selectors import email_domain_allowed, invitation_pending_for

    mode = settings.SIGNUP_MODE
    if mode == "open":
        return True
    if email is None:
        return mode == "domain"
    if mode == "domain":
        return email_domain_allowed(email)
    return invitation_pending_for(email) is not None


def invitation_email_for(request) -> str | None:
    """The address of the invitation link opened in this browser session, or ``None``."""
    session = getattr(request, "session", None)
    return session.get(INVITATION_SESSION_KEY) if session is not None else None


def _resolve_or_home(url_or_name: str) -> str:
    try:
        return resolve_url(url_or_name)
    except NoReverseMatch:
        return reverse("core:home")


class AccountAdapter(DefaultAccountAdapter):
    """Applies :func:`signup_allowed`; invitation links open sign-up for the invited address."""

    def is_open_for_signup(self, request):
        """Open when the policy allows; in invite mode only after an invitation link was opened."""
        email = invitation_email_for(request)
        if settings.SIGNUP_MODE == "invite":
            return email is not None and signup_allowed(email)
        return signup_allowed(email)

    def get_login_redirect_url(self, request):
        """``LOGIN_REDIRECT_URL`` (the home page, which routes by role), or the home page if that URL is not installed."""
        return _resolve_or_home(settings.LOGIN_REDIRECT_URL)

    def get_signup_redirect_url(self, request):
        """``ACCOUNT_SIGNUP_REDIRECT_URL`` (default: ``LOGIN_REDIRECT_URL``), or the home page."""
        from allauth.account import app_settings

        return _resolve_or_home(app_settings.SIGNUP_REDIRECT_URL)

    def save_user(self, request, user, form, commit=True):
        """Save the new user with their display name, then give them their role (see
        :func:`accounts.services.user_signup_complete`) and forget the invitation link."""
        user = super().save_user(request, user, form, commit=False)
        user.display_name = (form.cleaned_data.get("display_name") or "").strip()
        if commit:
            from accounts.services import user_signup_complete

            user.save()
            user_signup_complete(user=user)
            if hasattr(request, "session"):
                request.session.pop(INVITATION_SESSION_KEY, None)
        return user


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Social sign-up follows the same policy as email sign-up and gives the same roles."""

    def is_open_for_signup(self, request, sociallogin):
        """Open when :func:`signup_allowed` accepts the address the provider reports."""
        email = sociallogin.user.email if sociallogin and sociallogin.user else None
        return signup_allowed(email or "") if settings.SIGNUP_MODE != "open" else True

    def get_app(self, request, provider, client_id=None):
        """The configured app for ``provider``; raises ``Http404`` (not a 500) when the provider is
        installed but not configured, e.g. ``/accounts/github/login/`` without GITHUB_CLIENT_ID."""
        from allauth.socialaccount.models import SocialApp

        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist as exc:
            raise Http404(f"Login with {provider} is not configured.") from exc

    def populate_user(self, request, sociallogin, data):
        """Fill the new user from the provider's data; the provider's full name becomes the display name."""
        user = super().populate_user(request, sociallogin, data)
        user.display_name = (data.get("name") or "").strip()[:150]
        return user

    def save_user(self, request, sociallogin, form=None):
        """Save the user created from a GitHub login and give them their role."""
        from accounts.services import user_signup_complete

        user = super().save_user(request, sociallogin, form=form)
        user_signup_complete(user=user)
        return user
