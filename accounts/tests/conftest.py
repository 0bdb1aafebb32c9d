"""Fixtures for the accounts tests."""

import runpy
from pathlib import Path

import environ
import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation

BASE_SETTINGS = Path(__file__).resolve().parents[2] / "coinportal" / "settings" / "base.py"


@pytest.fixture(autouse=True)
def _isolated_state():
    """Start each test with an empty cache (allauth's rate limits live there) and default
    language/time zone, and restore them afterwards (activation is per thread)."""
    cache.clear()
    yield
    cache.clear()
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()


@pytest.fixture
def client(client):
    """Django's test client browsing in English (language cookie), so assertions read English text.

    Tests about Chinese pages set the cookie to "zh-hans" themselves.
    """
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def settings_from_env(monkeypatch):
    """Evaluate base.py with exactly the given environment variables (no .env file is read)."""
    monkeypatch.setattr(environ.Env, "read_env", classmethod(lambda cls, *args, **kwargs: None))
    for name in ["EMAIL_URL", "SIGNUP_MODE", "SIGNUP_ALLOWED_DOMAINS", "INVITATION_EXPIRY_DAYS",
                 "ACCOUNT_EMAIL_VERIFICATION", "GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET"]:  # fmt: skip
        monkeypatch.delenv(name, raising=False)

    def evaluate(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(BASE_SETTINGS))

    return evaluate
