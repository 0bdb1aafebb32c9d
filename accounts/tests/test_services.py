"""Services: roles, sign-up completion, profile updates, invitations and the demo accounts."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from freezegun import freeze_time

from accounts.models import Invitation, User
from accounts.services import (
    DEMO_ACCOUNTS,
    InvitationError,
    demo_accounts_ensure,
    invitation_accept,
    invitation_create,
    invitations_bulk_create,
    invitations_send,
    user_language_set,
    user_profile_update,
    user_role_set,
    user_signup_complete,
)
from accounts.tests.factories import AdminFactory, InvitationFactory, MentorFactory, StudentFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 4, 1, 9, 30, tzinfo=datetime.UTC)


# --- roles ---------------------------------------------------------------------------------------


def test_user_role_set_replaces_the_group():
    user = StudentFactory()
    user_role_set(user=user, role="mentor")
    assert sorted(user.groups.values_list("name", flat=True)) == ["mentor"]
    assert user.role == "mentor"


def test_user_role_set_admin_sets_staff_flags():
    user = MentorFactory()
    user_role_set(user=user, role="admin")
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser, user.role) == (True, True, "admin")
    assert list(user.groups.all()) == []


def test_user_role_set_refuses_unknown_role():
    with pytest.raises(ValueError, match="Unknown role: 'teacher'"):
        user_role_set(user=UserFactory(), role="teacher")


def test_user_signup_complete_without_invitation_makes_a_student():
    user = UserFactory()
    assert user_signup_complete(user=user) is None
    assert user.role == "student"


@freeze_time(NOW)
def test_user_signup_complete_accepts_the_pending_invitation():
    invitation = InvitationFactory(email="new.mentor@example.org", role="mentor")
    user = UserFactory(email="new.mentor@example.org")
    assert user_signup_complete(user=user) == invitation
    invitation.refresh_from_db()
    assert invitation.accepted_at == NOW
    assert user.role == "mentor"


def test_invitation_accept_refuses_another_address():
    invitation = InvitationFactory(email="a@example.org")
    with pytest.raises(InvitationError):
        invitation_accept(invitation=invitation, user=UserFactory(email="b@example.org"))
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


# --- profile -----------------------------------------------------------------------------------


def test_user_profile_update_writes_only_changed_profile_fields(django_assert_num_queries):
    user = UserFactory(display_name="甲", language="zh-hans", reminder_hour=9)
    with django_assert_num_queries(1):
        changed = user_profile_update(
            user=user, data={"display_name": "乙", "language": "zh-hans", "reminder_hour": 21, "is_staff": True}
        )
    assert changed == ["display_name", "reminder_hour"]
    user.refresh_from_db()
    assert (user.display_name, user.reminder_hour, user.is_staff) == ("乙", 21, False)


def test_user_profile_update_without_changes_writes_nothing(django_assert_num_queries):
    user = UserFactory(display_name="甲")
    with django_assert_num_queries(0):
        assert user_profile_update(user=user, data={"display_name": "甲"}) == []


# --- invitations -------------------------------------------------------------------------------


def test_invitation_create_normalises_and_records_inviter():
    admin = AdminFactory()
    invitation = invitation_create(email="  New.Student@Example.ORG ", role="student", invited_by=admin)
    assert (invitation.email, invitation.role, invitation.invited_by, invitation.sent_at) == (
        "new.student@example.org",
        "student",
        admin,
        None,
    )


def test_invitation_create_is_idempotent_and_updates_a_pending_role():
    first = invitation_create(email="x@example.org", role="student", invited_by=None)
    mentor = MentorFactory()
    second = invitation_create(email="X@example.org", role="mentor", invited_by=mentor)
    assert second.pk == first.pk
    assert Invitation.objects.count() == 1
    first.refresh_from_db()
    assert (first.role, first.invited_by) == ("mentor", mentor)


def test_invitation_create_leaves_an_accepted_invitation_alone():
    invitation = InvitationFactory(email="done@example.org", role="student", accepted_at=NOW)
    again = invitation_create(email="done@example.org", role="mentor", invited_by=None)
    again.refresh_from_db()
    assert (again.pk, again.role, again.accepted_at) == (invitation.pk, "student", NOW)


@pytest.mark.parametrize(
    ("email", "role", "message"),
    [
        ("not-an-address", "student", "Invalid email address: 'not-an-address'"),
        ("ok@example.org", "admin", "Invalid role for an invitation: 'admin'"),
        ("taken@example.org", "student", "An account with taken@example.org already exists."),
    ],
)
def test_invitation_create_refuses(email, role, message):
    UserFactory(email="taken@example.org")
    with pytest.raises(InvitationError, match=message):
        invitation_create(email=email, role=role, invited_by=None)
    assert Invitation.objects.count() == 0


def test_invitations_bulk_create_sorts_addresses_into_outcomes():
    UserFactory(email="member@example.org")
    InvitationFactory(email="pending@example.org", role="student")
    InvitationFactory(email="accepted@example.org", accepted_at=NOW)
    result = invitations_bulk_create(
        emails=["New1@example.org", "new2@example.org", "new1@example.org", "pending@example.org",
                "member@example.org", "accepted@example.org"],
        role="mentor",
        invited_by=None,
    )  # fmt: skip
    assert [inv.email for inv in result.created] == ["new1@example.org", "new2@example.org"]
    assert [inv.email for inv in result.pending] == ["pending@example.org"]
    assert result.skipped == ["member@example.org", "accepted@example.org"]
    assert [inv.email for inv in result.to_send] == ["new1@example.org", "new2@example.org", "pending@example.org"]
    assert Invitation.objects.get(email="pending@example.org").role == "mentor"


def test_invitations_bulk_create_is_all_or_nothing_on_a_bad_address():
    with pytest.raises(InvitationError):
        invitations_bulk_create(emails=["good@example.org", "bad@"], role="student", invited_by=None)
    assert Invitation.objects.count() == 0


@freeze_time(NOW)
def test_invitations_send_mails_each_pending_invitation_once(mailoutbox, settings):
    settings.SITE_URL = "https://portal.example"
    settings.INVITATION_EXPIRY_DAYS = 14
    inviter = MentorFactory(display_name="王老师")
    first = InvitationFactory(email="one@example.org", role="student", invited_by=inviter)
    second = InvitationFactory(email="two@example.org", role="mentor")
    accepted = InvitationFactory(email="three@example.org", accepted_at=NOW)
    assert invitations_send(invitations=[first, second, accepted]) == 2
    assert [m.to for m in mailoutbox] == [["one@example.org"], ["two@example.org"]]
    message = mailoutbox[0]
    assert message.subject == "邀请您加入 COIN Portal / You are invited to COIN Portal"
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert "王老师 invites you to join COIN Portal, the COIN lab's LLM training curriculum, as a Student." in (
        message.body
    )
    assert "王老师邀请您以学生身份加入 COIN Portal" in message.body
    assert "The link works for 14 days." in message.body
    assert "https://portal.example/me/invitation/" in message.body
    first.refresh_from_db()
    second.refresh_from_db()
    accepted.refresh_from_db()
    assert (first.sent_at, second.sent_at, accepted.sent_at) == (NOW, NOW, None)


def test_invitation_mail_link_opens_signup(client, mailoutbox, settings):
    settings.SIGNUP_MODE = "invite"
    settings.SITE_URL = "http://testserver"
    invitation = InvitationFactory(email="linked@example.org")
    invitations_send(invitations=[invitation])
    path = next(line for line in mailoutbox[0].body.splitlines() if "/me/invitation/" in line).strip()
    response = client.get(path.removeprefix("http://testserver"))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/signup/"


# --- demo accounts -----------------------------------------------------------------------------


def test_demo_accounts_ensure_creates_them_once():
    first = demo_accounts_ensure()
    second = demo_accounts_ensure()

    assert first == second == list(DEMO_ACCOUNTS)
    assert User.objects.count() == 3
    assert EmailAddress.objects.count() == 3
    for account in DEMO_ACCOUNTS:
        user = User.objects.get(email=account.email)
        assert user.check_password(account.password) is True
        assert user.is_active is True
        assert user.role == account.role
        assert user.display_name == account.display_name
        assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified", "primary")) == [
            (account.email, True, True)
        ]
    assert Group.objects.get(name="mentor").user_set.count() == 1
    assert Group.objects.get(name="student").user_set.count() == 1


def test_demo_accounts_ensure_leaves_changed_accounts_alone():
    """Regression: running `make run` again reset the demo passwords a user had changed."""
    demo_accounts_ensure()
    student = User.objects.get(email="student@coin.local")
    student.set_password("changed-by-someone")
    student.is_active = False
    student.save(update_fields=["password", "is_active"])

    demo_accounts_ensure()

    student.refresh_from_db()
    assert student.check_password("changed-by-someone") is True
    assert student.check_password("coin-student-2026") is False
    assert student.is_active is False


def test_demo_accounts_can_log_in(client):
    demo_accounts_ensure()
    response = client.post(
        "/accounts/login/?next=/me/profile/", {"login": "student@coin.local", "password": "coin-student-2026"}
    )
    assert response["Location"] == "/me/profile/"


def test_user_language_set_saves_a_new_language():
    user = UserFactory(language="en")
    assert user_language_set(user=user, language="zh-hans") is True
    user.refresh_from_db()
    assert user.language == "zh-hans"
    assert user_language_set(user=user, language="zh-hans") is False


def test_user_language_set_rejects_unknown_languages():
    user = UserFactory(language="en")
    with pytest.raises(ValueError, match="unknown language 'klingon'"):
        user_language_set(user=user, language="klingon")
    user.refresh_from_db()
    assert user.language == "en"
