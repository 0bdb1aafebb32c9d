"""Fixtures for the accounts tests."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation


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
