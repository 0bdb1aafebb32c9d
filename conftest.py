"""Fixtures shared by every app's tests."""

import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

BASE_DIR = Path(__file__).resolve().parent
#: The lab's shared folder beside the checkout (absent in a user's own clone).
SHARED_DIR = BASE_DIR.parent / "shared"


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, env_var: str, default_port: int) -> str:
    """Return the service URL from ``env_var``, or skip the test with the reason.

    In CI (``CI_REQUIRE_SERVICES=1``) a missing service fails the test instead of skipping it.
    """
    url = os.environ.get(env_var, "")
    if url and _reachable(url, default_port):
        return url
    reason = f"{name} not available: set {env_var} to a reachable server to run this test"
    if os.environ.get("CI_REQUIRE_SERVICES"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def redis_url():
    """The real Redis URL (``REDIS_URL``); skips the test when Redis is not reachable."""
    return require_service("Redis", "REDIS_URL", 6379)


@pytest.fixture
def shared_dir():
    """The shared folder (``../shared``); skips the test when it is absent."""
    if not SHARED_DIR.is_dir():
        pytest.skip(f"{SHARED_DIR} is absent (a clone outside the lab's workspace)")
    return SHARED_DIR


@pytest.fixture(autouse=True)
def _clear_cache():
    """Start every test with an empty cache: cached figures (cohort pages, rate limits) must not
    leak between tests, where SQLite may reuse the ids of rolled-back rows."""
    from django.core.cache import cache

    cache.clear()
    yield
