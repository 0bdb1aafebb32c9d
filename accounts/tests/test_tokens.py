"""Signed invitation tokens: round trip, tampering, expiry, changed or deleted invitations."""

import pytest
from freezegun import freeze_time

from accounts.models import Invitation
from accounts.tests.factories import InvitationFactory
from accounts.tokens import InvitationTokenExpired, InvitationTokenInvalid, invitation_token_make, invitation_token_read

pytestmark = pytest.mark.django_db


def test_round_trip():
    invitation = InvitationFactory()
    assert invitation_token_read(invitation_token_make(invitation)) == invitation


@pytest.mark.parametrize("bad", ["", "garbage", "a:b:c", "eyJpZCI6MX0:1tX:invalidsignature"])
def test_malformed_tokens_are_invalid(bad):
    with pytest.raises(InvitationTokenInvalid):
        invitation_token_read(bad)


def test_token_signed_with_another_salt_is_invalid():
    from django.core import signing

    invitation = InvitationFactory()
    forged = signing.dumps({"id": invitation.pk, "email": invitation.email}, salt="something.else")
    with pytest.raises(InvitationTokenInvalid):
        invitation_token_read(forged)


def test_token_expires_after_the_configured_days(settings):
    settings.INVITATION_EXPIRY_DAYS = 3
    invitation = InvitationFactory()
    with freeze_time("2026-05-01 12:00:00+00:00"):
        token = invitation_token_make(invitation)
    with freeze_time("2026-05-04 11:59:59+00:00"):
        assert invitation_token_read(token) == invitation
    with freeze_time("2026-05-04 12:00:01+00:00"), pytest.raises(InvitationTokenExpired):
        invitation_token_read(token)


def test_token_stops_working_when_the_address_changes():
    invitation = InvitationFactory(email="old@example.org")
    token = invitation_token_make(invitation)
    Invitation.objects.filter(pk=invitation.pk).update(email="new@example.org")
    with pytest.raises(InvitationTokenInvalid):
        invitation_token_read(token)


def test_token_of_a_deleted_invitation_is_invalid():
    invitation = InvitationFactory()
    token = invitation_token_make(invitation)
    invitation.delete()
    with pytest.raises(InvitationTokenInvalid):
        invitation_token_read(token)


def test_expired_is_a_kind_of_invalid():
    assert issubclass(InvitationTokenExpired, InvitationTokenInvalid)
