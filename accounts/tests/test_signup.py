"""Sign-up under each policy: open, allowed domains, invitation only (valid, expired, tampered links)."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from freezegun import freeze_time

from accounts.models import Invitation, User
from accounts.services import invitation_url
from accounts.tests.factories import InvitationFactory
from accounts.tokens import invitation_token_make

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-unusual-passphrase-42"
SIGNUP_URL = "/accounts/signup/"


def _signup(client, email, **extra):
    data = {"email": email, "password1": PASSWORD, "password2": PASSWORD, **extra}
    return client.post(SIGNUP_URL, data)


def _open_invitation(client, invitation):
    token = invitation_token_make(invitation)
    return client.get(reverse("accounts:invitation_accept", kwargs={"token": token}))


# --- open ----------------------------------------------------------------------------------------


def test_open_mode_creates_student_with_unverified_email_and_sends_verification(client, settings, mailoutbox):
    settings.SIGNUP_MODE = "open"
    response = _signup(client, "Alice@Example.org", display_name="爱丽丝")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="alice@example.org")
    assert user.display_name == "爱丽丝"
    assert list(user.groups.values_list("name", flat=True)) == ["student"]
    assert user.role == "student"
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == ("alice@example.org", False, True)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["alice@example.org"]


# --- domain --------------------------------------------------------------------------------------


def test_domain_mode_accepts_allowed_domain(client, settings, mailoutbox):
    settings.SIGNUP_MODE = "domain"
    settings.SIGNUP_ALLOWED_DOMAINS = ["coin-lab.edu.cn"]
    response = _signup(client, "wang@COIN-lab.edu.cn")
    assert response.status_code == 302
    assert User.objects.filter(email="wang@coin-lab.edu.cn").count() == 1


def test_domain_mode_refuses_other_domain_with_field_error(client, settings, mailoutbox):
    settings.SIGNUP_MODE = "domain"
    settings.SIGNUP_ALLOWED_DOMAINS = ["coin-lab.edu.cn"]
    response = _signup(client, "wang@gmail.com")
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Sign-up is limited to addresses ending in @coin-lab.edu.cn."]
    assert User.objects.count() == 0
    assert mailoutbox == []


def test_domain_mode_refuses_lookalike_subdomain(client, settings):
    settings.SIGNUP_MODE = "domain"
    settings.SIGNUP_ALLOWED_DOMAINS = ["coin-lab.edu.cn"]
    response = _signup(client, "x@evil.coin-lab.edu.cn.example.com")
    assert response.status_code == 200
    assert User.objects.count() == 0


def test_domain_mode_signup_page_states_allowed_domains(client, settings):
    settings.SIGNUP_MODE = "domain"
    settings.SIGNUP_ALLOWED_DOMAINS = ["coin-lab.edu.cn", "example.edu"]
    response = client.get(SIGNUP_URL)
    assert response.status_code == 200
    assert "Only addresses ending in @coin-lab.edu.cn, @example.edu can sign up." in response.content.decode()


# --- invitation ----------------------------------------------------------------------------------


def test_invite_mode_without_invitation_shows_signup_closed_page(client, settings):
    settings.SIGNUP_MODE = "invite"
    response = client.get(SIGNUP_URL)
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "account/signup_closed.html"
    content = response.content.decode()
    assert "<h1>Sign-up is by invitation</h1>" in content
    assert 'name="password1"' not in content


def test_invite_mode_post_without_invitation_creates_nobody(client, settings):
    settings.SIGNUP_MODE = "invite"
    InvitationFactory(email="invited@example.org")  # invited, but the link was not opened
    response = _signup(client, "invited@example.org")
    assert response.status_code == 200
    assert User.objects.count() == 0


def test_signup_closed_page_is_translated_to_chinese(client, settings):
    settings.SIGNUP_MODE = "invite"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    content = client.get(SIGNUP_URL).content.decode()
    assert "<h1>仅限受邀注册</h1>" in content


def test_valid_invitation_link_opens_signup_with_locked_email(client, settings):
    settings.SIGNUP_MODE = "invite"
    invitation = InvitationFactory(email="mentor.li@example.org", role="mentor")
    response = _open_invitation(client, invitation)
    assert response.status_code == 302
    assert response["Location"] == SIGNUP_URL
    page = client.get(SIGNUP_URL)
    assert page.status_code == 200
    field = page.context["form"]["email"]
    assert field.value() == "mentor.li@example.org"
    assert 'value="mentor.li@example.org"' in str(field)
    assert "readonly" in str(field)


@freeze_time("2026-03-02 08:00:00+00:00")
def test_invited_signup_accepts_invitation_gives_role_and_verifies_email(client, settings, mailoutbox):
    settings.SIGNUP_MODE = "invite"
    invitation = InvitationFactory(email="mentor.li@example.org", role="mentor")
    _open_invitation(client, invitation)
    response = _signup(client, "mentor.li@example.org", display_name="李老师")
    assert response.status_code == 302
    assert response["Location"] == "/"  # signed in at once: the link proved the address
    user = User.objects.get(email="mentor.li@example.org")
    assert user.role == "mentor"
    assert user.display_name == "李老师"
    assert EmailAddress.objects.get(user=user).verified is True
    invitation.refresh_from_db()
    assert invitation.accepted_at == datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
    assert int(client.session["_auth_user_id"]) == user.pk
    assert "invitation_email" not in client.session
    assert mailoutbox == []  # no verification mail needed


def test_invitation_link_cannot_sign_up_another_address(client, settings):
    settings.SIGNUP_MODE = "invite"
    invitation = InvitationFactory(email="invited@example.org")
    _open_invitation(client, invitation)
    response = _signup(client, "someone.else@example.org")
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "This invitation is for invited@example.org; it cannot be used for another address."
    ]
    assert User.objects.count() == 0
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_expired_invitation_link_answers_410_and_keeps_signup_closed(client, settings):
    settings.SIGNUP_MODE = "invite"
    settings.INVITATION_EXPIRY_DAYS = 14
    invitation = InvitationFactory(email="late@example.org")
    with freeze_time("2026-01-01 00:00:00+00:00"):
        token = invitation_token_make(invitation)
    with freeze_time("2026-01-15 00:00:01+00:00"):
        response = client.get(reverse("accounts:invitation_accept", kwargs={"token": token}))
    assert response.status_code == 410
    assert "This invitation link has expired." in response.content.decode()
    assert "invitation_email" not in client.session
    assert client.get(SIGNUP_URL).templates[0].name == "account/signup_closed.html"


def test_invitation_link_still_valid_on_its_last_day(client, settings):
    settings.SIGNUP_MODE = "invite"
    settings.INVITATION_EXPIRY_DAYS = 14
    invitation = InvitationFactory(email="ontime@example.org")
    with freeze_time("2026-01-01 00:00:00+00:00"):
        token = invitation_token_make(invitation)
    with freeze_time("2026-01-14 23:59:59+00:00"):
        response = client.get(reverse("accounts:invitation_accept", kwargs={"token": token}))
    assert response.status_code == 302


def test_tampered_invitation_link_answers_400(client, settings):
    settings.SIGNUP_MODE = "invite"
    invitation = InvitationFactory(email="victim@example.org")
    token = invitation_token_make(invitation)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    response = client.get(reverse("accounts:invitation_accept", kwargs={"token": tampered}))
    assert response.status_code == 400
    assert "This invitation link is not valid." in response.content.decode()
    assert "invitation_email" not in client.session


def test_accepted_invitation_link_sends_to_login(client, settings):
    settings.SIGNUP_MODE = "invite"
    invitation = InvitationFactory(email="done@example.org")
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    response = _open_invitation(client, invitation)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"


def test_invitation_url_uses_site_url_without_request(settings):
    settings.SITE_URL = "https://portal.coin-lab.example/"
    invitation = InvitationFactory(email="x@example.org")
    url = invitation_url(invitation=invitation)
    assert url.startswith("https://portal.coin-lab.example/me/invitation/")
    assert url.endswith("/")
