"""Celery tasks of the accounts app: sending invitation emails outside the request."""

import smtplib

from celery import shared_task


@shared_task(bind=True, max_retries=3)
def invitations_send_task(self, invitation_ids: list[int]) -> int:
    """Email the invitations with these ids (see :func:`accounts.services.invitations_send`).

    Each invitation is sent on its own; when the mail server fails, the task retries (after 60
    seconds, at most 3 times) with only the invitations not sent yet, so nobody gets two mails.
    Enqueue with ``invitations_send_task.delay_on_commit(ids)``.

    Returns:
        The number of emails sent by this run.
    """
    from accounts.models import Invitation
    from accounts.services import invitations_send

    invitations = list(
        Invitation.objects.filter(pk__in=invitation_ids, accepted_at__isnull=True)
        .select_related("invited_by")
        .order_by("pk")
    )
    sent = 0
    for index, invitation in enumerate(invitations):
        try:
            sent += invitations_send(invitations=[invitation])
        except (smtplib.SMTPException, OSError) as exc:
            remaining = [inv.pk for inv in invitations[index:]]
            raise self.retry(exc=exc, countdown=60, args=[remaining]) from exc
    return sent
