"""Read queries about users and invitations."""

from accounts.models import Invitation


def invitation_pending_for(email: str) -> Invitation | None:
    """Return the not-yet-accepted invitation for ``email`` (case-insensitive), or ``None``."""
    return Invitation.objects.filter(email__iexact=email.strip(), accepted_at__isnull=True).first()
