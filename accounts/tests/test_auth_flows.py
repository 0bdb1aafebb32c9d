"""allauth flows end to end: email verification, login by email, failed-login limit, password reset
and change. Mail goes to Django's locmem backend (``mailoutbox``)."""

import re

import pytest
from allauth.account.models import EmailAddress

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-long-passphrase-77"
LINK_RE = re.compile(r"https?://testserver(/\S+)")


def _link_in(message) -> str:
    """The one site path in a mail body."""
    paths = LINK_RE.findall(message.body)
    assert len(paths) == 1, message.body
    return paths[0]


def test_email_verification_link_in_the_mail_verifies_the_address(client, settings, mailoutbox):
    settings.SIGNUP_MODE = "open"
    client.post("/accounts/signup/", {"email": "new@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    user = User.objects.get(email="new@example.org")
    assert EmailAddress.objects.get(user=user).verified is False

    # Mandatory verification: logging in before confirming only re-sends to the "verify" page.
    blocked = client.post("/accounts/login/", {"login": "new@example.org", "password": NEW_PASSWORD})
    assert blocked.status_code == 302
    assert blocked["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session

    assert len(mailoutbox) >= 1
    path = _link_in(mailoutbox[0])
    assert path.startswith("/accounts/confirm-email/")
    confirm_page = client.get(path)
    assert confirm_page.status_code == 200
    assert "Confirm Email Address" in confirm_page.content.decode()
    confirmed = client.post(path)
    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(user=user).verified is True

    client.logout()
    login = client.post("/accounts/login/?next=/me/profile/", {"login": "New@Example.org", "password": NEW_PASSWORD})
    assert login.status_code == 302
    assert login["Location"] == "/me/profile/"
    assert int(client.session["_auth_user_id"]) == user.pk


def test_login_with_email_and_password_redirects_to_next(client):
    user = UserFactory(email="student@example.org")
    response = client.post("/accounts/login/?next=/me/profile/", {"login": "student@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/me/profile/"
    assert int(client.session["_auth_user_id"]) == user.pk


@pytest.mark.parametrize(
    ("setting", "expected"),
    [("/me/profile/", "/me/profile/"), ("accounts:profile", "/me/profile/"), ("missing:dashboard", "/")],
)
def test_login_without_next_goes_to_login_redirect_url_or_home(client, settings, setting, expected):
    """An uninstalled LOGIN_REDIRECT_URL name (e.g. before the progress app exists) falls back to "/"."""
    settings.LOGIN_REDIRECT_URL = setting
    UserFactory(email="student@example.org")
    response = client.post("/accounts/login/", {"login": "student@example.org", "password": PASSWORD})
    assert response["Location"] == expected


def test_login_page_has_no_username_field_and_states_the_limit(client):
    content = client.get("/accounts/login/").content.decode()
    assert 'name="login" type="email"' in content or 'type="email" name="login"' in content
    assert "username" not in content.lower()
    assert (
        "For your security, after 5 failed attempts for the same email address, logging in with it is "
        "blocked for 5 minutes." in " ".join(content.split())
    )


def test_wrong_password_shows_error_and_does_not_log_in(client):
    UserFactory(email="student@example.org")
    response = client.post("/accounts/login/", {"login": "student@example.org", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The email address and/or password you specified are not correct."
    ]
    assert "_auth_user_id" not in client.session


def test_failed_logins_are_rate_limited_with_a_plain_message(client):
    UserFactory(email="student@example.org")
    for _attempt in range(5):
        response = client.post("/accounts/login/", {"login": "student@example.org", "password": "wrong"})
        assert response.context["form"].non_field_errors() == [
            "The email address and/or password you specified are not correct."
        ]
    # The sixth attempt is refused even with the right password.
    response = client.post("/accounts/login/", {"login": "student@example.org", "password": PASSWORD})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["Too many failed login attempts. Try again later."]
    assert '<div class="form-error" role="alert"><p>Too many failed login attempts. Try again later.</p></div>' in (
        response.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_rate_limit_message_is_translated(client, settings):
    UserFactory(email="student@example.org")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    for _attempt in range(6):
        response = client.post("/accounts/login/", {"login": "student@example.org", "password": "wrong"})
    assert "登录失败次数过多，请稍后重试。" in response.content.decode()


def test_password_reset_mail_link_sets_a_new_password(client, mailoutbox):
    user = UserFactory(email="forgetful@example.org")
    response = client.post("/accounts/password/reset/", {"email": "forgetful@example.org"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["forgetful@example.org"]
    assert mailoutbox[0].subject == "[COIN Portal] Password Reset Email"
    path = _link_in(mailoutbox[0])
    assert path.startswith("/accounts/password/reset/key/")

    key_page = client.get(path)  # allauth moves the key into the session and redirects
    assert key_page.status_code == 302
    form_url = key_page["Location"]
    done = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == "/accounts/password/reset/key/done/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) is True


def test_password_reset_for_unknown_address_reveals_nothing(client, mailoutbox):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"


def test_password_change_for_signed_in_user(client):
    user = UserFactory(email="student@example.org")
    client.force_login(user)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) is True
    assert int(client.session["_auth_user_id"]) == user.pk  # ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False


def test_password_change_requires_login(client):
    response = client.get("/accounts/password/change/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/password/change/"


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/login/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/confirm-email/",
    ],
)
def test_entrance_pages_render_in_the_portal_card(client, url):
    response = client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert '<article class="auth-card">' in content
    assert "accounts/accounts.css" in content


@pytest.mark.parametrize("url", ["/accounts/email/", "/accounts/password/change/", "/accounts/logout/", "/me/profile/"])
def test_account_pages_render_in_the_portal_card_with_account_menu(client, url):
    client.force_login(UserFactory())
    response = client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert '<article class="auth-card">' in content
    assert '<nav class="account-nav"' in content


def test_login_page_shows_allauth_chinese_translations(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    content = client.get("/accounts/login/").content.decode()
    assert "忘记密码？" in content  # from allauth's own zh_Hans catalogue
    assert "<title>登录 · COIN Portal</title>" in content
