"""invitations_send_task: sends each pending invitation once and retries only the unsent ones."""

import smtplib

import pytest
from django.core.mail.backends.locmem import EmailBackend

from accounts.tasks import invitations_send_task
from accounts.tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db


class RefusingBackend(EmailBackend):
    """locmem backend whose server refuses any message to an address containing "refused"."""

    def send_messages(self, messages):
        if any("refused" in address for message in messages for address in message.to):
            raise smtplib.SMTPException("550 mailbox unavailable")
        return super().send_messages(messages)


class _RetryCalled(Exception):
    pass


def test_task_sends_each_pending_invitation(mailoutbox):
    import datetime

    ids = [
        InvitationFactory(email="a@example.org").pk,
        InvitationFactory(email="b@example.org").pk,
        InvitationFactory(email="done@example.org", accepted_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)).pk,
    ]
    result = invitations_send_task.delay(ids)
    assert result.get() == 2
    assert [m.to for m in mailoutbox] == [["a@example.org"], ["b@example.org"]]


def test_task_retries_with_only_the_unsent_invitations(settings, mailoutbox, monkeypatch):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    first = InvitationFactory(email="a@example.org")
    refused = InvitationFactory(email="refused@example.org")
    last = InvitationFactory(email="c@example.org")
    calls = []

    def fake_retry(**kwargs):
        calls.append(kwargs)
        return _RetryCalled()

    monkeypatch.setattr(invitations_send_task, "retry", fake_retry)
    with pytest.raises(_RetryCalled):
        invitations_send_task.run([first.pk, refused.pk, last.pk])
    assert [m.to for m in mailoutbox] == [["a@example.org"]]
    assert len(calls) == 1
    assert calls[0]["args"] == [[refused.pk, last.pk]]
    assert calls[0]["countdown"] == 60
    assert isinstance(calls[0]["exc"], smtplib.SMTPException)
    refused.refresh_from_db()
    assert refused.sent_at is None
