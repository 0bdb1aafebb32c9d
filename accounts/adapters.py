"""allauth adapters: the sign-up policy (invitation only, allowed domains or open)."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings


def signup_allowed(email: str | None) -> bool:
    """Tell whether ``email`` may create an account under ``settings.SIGNUP_MODE``.

    Args:
        email: the address being signed up, or ``None`` when not yet known (the sign-up page).
    Returns:
        ``True`` for "open"; for "domain", when the domain is in ``SIGNUP_ALLOWED_DOMAINS`` (or
        ``email`` is ``None``); for "invite", when a pending invitation exists for the address.
    """
    mode = settings.SIGNUP_MODE
    if mode == "open":
        return True
    if email is None:
        return mode == "domain"
    email = email.strip().lower()
    if mode == "domain":
        domain = email.rsplit("@", 1)[-1]
        return domain in {d.lower() for d in settings.SIGNUP_ALLOWED_DOMAINS}
    from accounts.selectors import invitation_pending_for

    return invitation_pending_for(email) is not None


class AccountAdapter(DefaultAccountAdapter):
    """Applies :func:`signup_allowed`; invitation links open sign-up for the invited address."""

    def is_open_for_signup(self, request):
        email = request.session.get("invitation_email") if hasattr(request, "session") else None
        if settings.SIGNUP_MODE == "invite":
            return email is not None and signup_allowed(email)
        return signup_allowed(email)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Social sign-up follows the same policy as email sign-up."""

    def is_open_for_signup(self, request, sociallogin):
        email = sociallogin.user.email if sociallogin and sociallogin.user else None
        return signup_allowed(email)
