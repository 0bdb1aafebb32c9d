"""Model rules: time zone validation, roles, invitation status and constraints."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import translation
from freezegun import freeze_time

from accounts.models import Invitation, User, time_zone_choices, validate_time_zone
from accounts.tests.factories import AdminFactory, InvitationFactory, MentorFactory, StudentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["Asia/Shanghai", "UTC", "America/Argentina/Buenos_Aires"])
def test_validate_time_zone_accepts_iana_names(name):
    validate_time_zone(name)


@pytest.mark.parametrize("name", ["", "Mars/Olympus_Mons", "asia/shanghai", "+08:00", "../etc/passwd"])
def test_validate_time_zone_refuses_others(name):
    with pytest.raises(ValidationError) as excinfo:
        validate_time_zone(name)
    assert excinfo.value.code == "invalid_time_zone"


def test_time_zone_choices_are_sorted_pairs():
    choices = time_zone_choices()
    assert ("Asia/Shanghai", "Asia/Shanghai") in choices
    assert [value for value, _label in choices] == sorted(value for value, _label in choices)


def test_user_full_clean_validates_time_zone():
    user = UserFactory()
    user.time_zone = "Nowhere/Special"
    with pytest.raises(ValidationError) as excinfo:
        user.full_clean()
    assert list(excinfo.value.message_dict) == ["time_zone"]


def test_reminder_hour_constraint_in_the_database():
    user = UserFactory()
    with pytest.raises(IntegrityError):
        User.objects.filter(pk=user.pk).update(reminder_hour=24)


def test_roles_and_display():
    assert (StudentFactory().role, MentorFactory().role, AdminFactory().role, UserFactory().role) == (
        "student",
        "mentor",
        "admin",
        "",
    )
    mentor = MentorFactory()
    with translation.override("en"):
        assert mentor.get_role_display() == "Mentor"
    with translation.override("zh-hans"):
        assert mentor.get_role_display() == "导师"
    assert UserFactory().get_role_display() == ""


def test_short_and_full_names():
    named = UserFactory(email="li.hua@example.org", display_name="李华")
    unnamed = UserFactory(email="li.hua2@example.org", display_name="")
    assert (named.get_short_name(), named.get_full_name(), str(named)) == ("李华", "李华", "李华")
    assert (unnamed.get_short_name(), unnamed.get_full_name()) == ("li.hua2", "li.hua2@example.org")


def test_manager_lowercases_email_and_requires_it():
    assert User.objects.create_user("Mixed@Example.ORG").email == "mixed@example.org"
    with pytest.raises(ValueError, match="An email address is required."):
        User.objects.create_user("")


def test_invitation_email_is_lowercased_on_save():
    assert InvitationFactory(email="  Upper@Example.ORG ").email == "upper@example.org"


def test_invitation_role_constraint():
    with pytest.raises(IntegrityError):
        Invitation.objects.create(email="x@example.org", role="admin")


@pytest.mark.parametrize(
    ("sent_at", "accepted_at", "now", "status"),
    [
        (None, None, "2026-02-01", "unsent"),
        ("2026-01-01", None, "2026-01-14", "pending"),
        ("2026-01-01", None, "2026-01-15", "expired"),
        ("2026-01-01", "2026-01-02", "2026-03-01", "accepted"),
    ],
)
def test_invitation_status(settings, sent_at, accepted_at, now, status):
    settings.INVITATION_EXPIRY_DAYS = 14

    def aware(day):
        return datetime.datetime.fromisoformat(day).replace(tzinfo=datetime.UTC) if day else None

    invitation = InvitationFactory(sent_at=aware(sent_at), accepted_at=aware(accepted_at))
    with freeze_time(aware(now)):
        assert invitation.status == status
    assert invitation.expires_at == (aware(sent_at) + datetime.timedelta(days=14) if sent_at else None)
