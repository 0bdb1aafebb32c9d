"""Fixtures of the linkcheck tests: a real threaded HTTP server on loopback, fast checker settings."""

import socket

import pytest
from pytest_httpserver import HTTPServer


@pytest.fixture(scope="session")
def _session_server():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def server(_session_server):
    """A real HTTP server on 127.0.0.1 (pytest-httpserver, threaded), cleared for each test."""
    _session_server.clear()
    yield _session_server
    _session_server.clear()


@pytest.fixture(autouse=True)
def linkcheck_settings(settings):
    """Loopback allowed through the SSRF guard, short waits, no per-host delay: tests stay fast."""
    settings.LINKCHECK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.LINKCHECK_PER_HOST_DELAY = 0.0
    settings.LINKCHECK_BACKOFF = 0.05
    settings.LINKCHECK_RETRIES = 2
    settings.LINKCHECK_RETRY_AFTER_MAX = 5.0
    settings.LINKCHECK_CONNECT_TIMEOUT = 2.0
    settings.LINKCHECK_TOTAL_TIMEOUT = 2.0
    settings.LINKCHECK_FAILURES_BEFORE_BROKEN = 2
    settings.LINKCHECK_RECHECK_MIN_INTERVAL = 300
    settings.LINKCHECK_DIGEST_RECIPIENTS = []
    settings.LINKCHECK_RULES_FILE = ""
    settings.LINKCHECK_USER_AGENT = ""
    settings.SITE_URL = "https://portal.example.org"
    return settings


@pytest.fixture
def fake_dns(monkeypatch):
    """Map host names to addresses for this test: ``fake_dns({"mp.weixin.qq.com": "127.0.0.1"})``.

    Other names resolve as usual. Returns the list of names looked up (to count lookups).
    """
    real = socket.getaddrinfo
    table: dict[str, list[str]] = {}
    lookups: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name in table:
            lookups.append(name)
            answer = table[name]
            address = answer.pop(0) if len(answer) > 1 else answer[0]
            return real(address, port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    def add(mapping: dict[str, str | list[str]]):
        for name, value in mapping.items():
            table[name] = list(value) if isinstance(value, list) else [value]
        return lookups

    return add
