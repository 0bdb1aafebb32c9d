"""Signed unsubscribe tokens (django.core.signing): scoped to one user and one reminder kind.

A token is ``signing.dumps({"u": user_id, "k": kind})`` with a salt of its own, so it cannot be
swapped with any other signed value of the site, and it carries its creation time, so it expires
after ``settings.REMINDERS_UNSUBSCRIBE_MAX_AGE_DAYS`` days. It needs no login: whoever holds the
mail may turn that one kind of mail off, and nothing else.
"""

import datetime as dt

from django.conf import settings
from django.core import signing

from reminders.models import ReminderKind

TOKEN_SALT = "reminders.unsubscribe"  # noqa: S105 (a salt namespaces signatures; it is not a secret)


class InvalidUnsubscribeToken(Exception):
    """The unsubscribe token was tampered with or malformed, or (``expired`` True) is too old."""

    def __init__(self, message: str, *, expired: bool = False):
        super().__init__(message)
        self.expired = expired


def unsubscribe_token_make(*, user_id: int, kind: str) -> str:
    """A URL-safe signed token meaning "turn ``kind`` off for ``user_id``"."""
    return signing.dumps({"u": user_id, "k": kind}, salt=TOKEN_SALT)


def unsubscribe_token_read(token: str) -> tuple[int, str]:
    """Verify ``token`` and return ``(user_id, kind)``.

    Raises :class:`InvalidUnsubscribeToken` when the signature does not match, the payload is not
    ours, or the token is older than ``settings.REMINDERS_UNSUBSCRIBE_MAX_AGE_DAYS`` days.
    """
    max_age = dt.timedelta(days=settings.REMINDERS_UNSUBSCRIBE_MAX_AGE_DAYS)
    try:
        payload = signing.loads(token, salt=TOKEN_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise InvalidUnsubscribeToken("expired", expired=True) from exc
    except signing.BadSignature as exc:
        raise InvalidUnsubscribeToken("bad signature") from exc
    if not isinstance(payload, dict):
        raise InvalidUnsubscribeToken("bad payload")
    user_id, kind = payload.get("u"), payload.get("k")
    if not isinstance(user_id, int) or isinstance(user_id, bool) or kind not in ReminderKind.values:
        raise InvalidUnsubscribeToken("bad payload")
    return user_id, kind
