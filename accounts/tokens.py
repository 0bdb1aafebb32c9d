"""Signed, expiring tokens for invitation links.

A token is Django's ``signing.dumps`` of ``{"id": <invitation pk>, "email": <address>}`` with a salt of
its own: it is tamper-proof (HMAC with ``SECRET_KEY``), carries the time it was made, and is refused
after ``settings.INVITATION_EXPIRY_DAYS`` days. Putting the address in the token means a link stops
working if an admin changes the invitation's address. See
https://docs.djangoproject.com/en/5.2/topics/signing/.
"""

from django.conf import settings
from django.core import signing

from accounts.models import Invitation

_SALT = "accounts.invitation"


class InvitationTokenInvalid(Exception):
    """The token was tampered with, is malformed, or names no existing invitation."""


class InvitationTokenExpired(InvitationTokenInvalid):
    """The token is genuine but older than ``settings.INVITATION_EXPIRY_DAYS`` days."""


def invitation_token_make(invitation: Invitation) -> str:
    """Return a URL-safe signed token for ``invitation`` (str), stamped with the current time."""
    return signing.dumps({"id": invitation.pk, "email": invitation.email}, salt=_SALT, compress=True)


def invitation_token_read(token: str) -> Invitation:
    """Return the invitation a token stands for.

    Args:
        token: the token from the link (str).
    Returns:
        The :class:`Invitation` (accepted or not; the caller decides what an accepted one means).
    Raises:
        InvitationTokenExpired: the signature is valid but older than the allowed age.
        InvitationTokenInvalid: bad signature, bad payload, or no invitation with that id and address.
    """
    max_age = settings.INVITATION_EXPIRY_DAYS * 24 * 60 * 60  # seconds
    try:
        payload = signing.loads(token, salt=_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise InvitationTokenExpired(str(exc)) from exc
    except signing.BadSignature as exc:
        raise InvitationTokenInvalid(str(exc)) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("id"), int) or not payload.get("email"):
        raise InvitationTokenInvalid("Malformed invitation token.")
    invitation = Invitation.objects.filter(pk=payload["id"], email=payload["email"]).first()
    if invitation is None:
        raise InvitationTokenInvalid("No such invitation.")
    return invitation
