"""GitHub login: off unless GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET are set in the environment."""

import pytest

from accounts.adapters import SocialAccountAdapter

pytestmark = pytest.mark.django_db

GITHUB_LOGIN_HREF = 'href="/accounts/github/login/?process=login"'


def test_github_is_off_by_default(settings_from_env):
    assert settings_from_env()["SOCIALACCOUNT_PROVIDERS"] == {}


def test_github_needs_both_id_and_secret(settings_from_env):
    assert settings_from_env(GITHUB_CLIENT_ID="only-id")["SOCIALACCOUNT_PROVIDERS"] == {}


def test_github_is_on_when_the_environment_configures_it(settings_from_env):
    providers = settings_from_env(GITHUB_CLIENT_ID="gh-id", GITHUB_CLIENT_SECRET="gh-secret")["SOCIALACCOUNT_PROVIDERS"]
    assert providers == {"github": {"APPS": [{"client_id": "gh-id", "secret": "gh-secret"}]}}


def test_login_page_has_no_github_button_when_not_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    content = client.get("/accounts/login/").content.decode()
    assert GITHUB_LOGIN_HREF not in content
    assert "GitHub" not in content


def test_login_page_shows_github_button_when_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"APPS": [{"client_id": "gh-id", "secret": "gh-secret"}]}}
    content = client.get("/accounts/login/").content.decode()
    assert (
        f'<li><a {GITHUB_LOGIN_HREF} role="button" class="secondary outline provider provider-github">'
        "Continue with GitHub</a></li>"
    ) in content


def test_github_login_start_page_renders_when_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"APPS": [{"client_id": "gh-id", "secret": "gh-secret"}]}}
    response = client.get("/accounts/github/login/?process=login")
    assert response.status_code == 200
    assert '<article class="auth-card">' in response.content.decode()


def test_github_login_start_page_is_404_when_not_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    assert client.get("/accounts/github/login/?process=login").status_code == 404


class _FakeUser:
    def __init__(self, email):
        self.email = email


class _FakeLogin:
    def __init__(self, email):
        self.user = _FakeUser(email)


@pytest.mark.parametrize(
    ("mode", "email", "invited", "is_open"),
    [
        ("open", None, False, True),
        ("domain", "a@coin-lab.edu.cn", False, True),
        ("domain", "a@gmail.com", False, False),
        ("domain", None, False, False),
        ("invite", "a@gmail.com", True, True),
        ("invite", "a@gmail.com", False, False),
    ],
)
def test_social_signup_follows_the_same_policy(rf, settings, mode, email, invited, is_open):
    from accounts.tests.factories import InvitationFactory

    settings.SIGNUP_MODE = mode
    settings.SIGNUP_ALLOWED_DOMAINS = ["coin-lab.edu.cn"]
    if invited:
        InvitationFactory(email=email)
    adapter = SocialAccountAdapter(rf.get("/"))
    assert adapter.is_open_for_signup(rf.get("/"), _FakeLogin(email)) is is_open
