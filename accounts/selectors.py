"""Read queries about users, invitations and the sign-up policy."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import Invitation, Role, User


def invitation_pending_for(email: str) -> Invitation | None:
    """Return the not-yet-accepted invitation for ``email`` (case-insensitive), or ``None``."""
    return Invitation.objects.filter(email__iexact=email.strip(), accepted_at__isnull=True).first()


def users_with_role(role: str) -> QuerySet[User]:
    """Users whose :attr:`User.role` is ``role`` (a :class:`Role` value), as one query.

    Admin means ``is_staff``; mentor means in the "mentor" group and not staff; student means in
    the "student" group and neither staff nor mentor (the same precedence as :attr:`User.role`).
    Raises ``ValueError`` for an unknown role.
    """
    if role not in Role.values:
        raise ValueError(f"Unknown role: {role!r}")
    if role == Role.ADMIN:
        return User.objects.filter(is_staff=True)
    in_mentor = Exists(User.groups.through.objects.filter(user=OuterRef("pk"), group__name=Role.MENTOR))
    in_student = Exists(User.groups.through.objects.filter(user=OuterRef("pk"), group__name=Role.STUDENT))
    users = User.objects.filter(is_staff=False)
    if role == Role.MENTOR:
        return users.filter(in_mentor)
    return users.filter(in_student).exclude(in_mentor)


def signup_mode() -> str:
    """The configured sign-up policy: ``"invite"``, ``"domain"`` or ``"open"`` (``settings.SIGNUP_MODE``)."""
    return settings.SIGNUP_MODE


def signup_allowed_domains() -> list[str]:
    """The lower-cased domains that may sign up in "domain" mode (``settings.SIGNUP_ALLOWED_DOMAINS``)."""
    return [domain.strip().lower().lstrip("@") for domain in settings.SIGNUP_ALLOWED_DOMAINS if domain.strip()]


def email_domain_allowed(email: str) -> bool:
    """Tell whether the domain of ``email`` (after the last ``@``, case-insensitive) is allowed.

    Only an exact domain match counts: subdomains of an allowed domain are not allowed. A string
    without ``@`` is never allowed.
    """
    local, at, domain = email.strip().lower().rpartition("@")
    return bool(at and local) and domain in signup_allowed_domains()


@dataclass(frozen=True)
class LoginLimit:
    """The per-address failed-login limit: ``attempts`` failures within ``minutes`` minutes."""

    attempts: int
    minutes: int


def login_failed_limit() -> LoginLimit | None:
    """The per-email-address part of allauth's ``login_failed`` rate limit, for the login page.

    Reads ``ACCOUNT_RATE_LIMITS["login_failed"]`` as allauth resolves it (rates such as
    ``"10/m/ip,5/5m/key"``; format in https://docs.allauth.org/en/latest/account/rate_limits.html).
    Returns ``None`` when there is no per-key rate (rate limiting off or IP-only).
    """
    from allauth.account import app_settings

    rates = app_settings.RATE_LIMITS.get("login_failed") or ""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}  # seconds
    for rate in rates.split(","):
        parts = rate.strip().split("/")
        if len(parts) != 3 or parts[2] != "key":
            continue
        amount, duration = parts[0], parts[1]
        count = float(duration[:-1]) if duration[:-1] else 1.0
        seconds = count * units[duration[-1]]
        return LoginLimit(attempts=int(amount), minutes=max(1, round(seconds / 60)))
    return None
