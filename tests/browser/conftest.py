"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright against pytest-django's live server.

Each test saves screenshots under ``test-artifacts/screenshots/``. Without Chromium the tests are
skipped with the reason (in CI, ``CI_REQUIRE_SERVICES=1``, they fail instead).

pytest-django's ``live_server`` is one server for the whole session; tests are transactional (the
server thread must see their rows), so each test loads its own data (``demo`` runs ``setup_demo``:
about half a second) and logs in with :func:`session_state` (a session cookie, no form) unless the
login itself is under test.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from that thread
# (fixtures, assertions) are still synchronous, which is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium for the whole session."""
    if not Path(CHROMIUM).exists():
        reason = "Chromium not installed (apt-get install chromium fonts-noto-cjk)"
        if os.environ.get("CI_REQUIRE_SERVICES"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}  # an iPhone 12-14 in CSS pixels


def new_page(browser, *, viewport: dict = DESKTOP, storage_state: dict | None = None):
    """A page in a fresh zh-hans context of ``viewport`` size, optionally with cookies (``storage_state``).

    Console errors land in ``page.console_errors``; a failed request of the page (a 404 favicon, a
    missing stylesheet) is logged by Chromium as a console error too. Close it with
    ``page.context.close()``.
    """
    context = browser.new_context(
        viewport=viewport,
        locale="zh-CN",
        extra_http_headers={"Accept-Language": "zh-hans"},
        storage_state=storage_state,
    )
    pg = context.new_page()
    pg.console_errors = []
    pg.on("console", lambda m: pg.console_errors.append(f"{pg.url}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda exc: pg.console_errors.append(f"{pg.url}: {exc}"))
    # Chromium's console line for a failed resource does not name it: record which one it was.
    pg.on(
        "response",
        lambda r: (
            pg.console_errors.append(f"{pg.url}: HTTP {r.status} for {r.url}")
            if r.status >= 400 and r.request.resource_type != "document"
            else None
        ),
    )
    pg.set_default_timeout(10_000)
    return pg


@pytest.fixture
def page(browser):
    """A fresh browser context (zh-hans, desktop size) and page; console errors are collected."""
    pg = new_page(browser)
    yield pg
    pg.context.close()


@pytest.fixture
def demo(live_server):
    """The data of ``manage.py setup_demo``: default curriculum, quiz bank, demo accounts and cohort.

    Returns a dict: ``student``, ``mentor``, ``admin`` (``accounts.User``) and ``cohort``.
    """
    import io

    from django.core.management import call_command

    from accounts.models import User
    from cohorts.models import Cohort

    call_command("setup_demo", stdout=io.StringIO(), stderr=io.StringIO())
    users = {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@coin.local")}
    return {**users, "cohort": Cohort.objects.get()}


def session_state(live_server, user) -> dict:
    """A Playwright ``storage_state`` holding a session cookie of ``user`` for the live server.

    The session is created the way Django's test client logs in (``Client.force_login``), so a
    test that is not about the login form does not pay for it.
    """
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    host = urlsplit(live_server.url).hostname
    return {
        "cookies": [
            {"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "domain": host, "path": "/",
             "httpOnly": True, "secure": False, "sameSite": "Lax", "expires": -1}
        ],
        "origins": [],
    }  # fmt: skip


def visit(page, url: str, name: str) -> None:
    """Open ``url``, wait for the network to settle, check it with axe-core and save a screenshot.

    Fails on any serious or critical axe violation, listed with the page address.
    """
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    assert response is not None and response.status == 200, f"{url}: HTTP {response and response.status}"
    check_page(page, name)


def check_page(page, name: str) -> None:
    """The page as it is now: no serious axe violation, a screenshot ``<name>.png``.

    Waits for running CSS transitions first (Pico fades button colours for .2 s after an htmx swap;
    axe would measure the contrast of an in-between colour).
    """
    settle_animations(page)
    assert axe_serious_violations(page) == [], page.url
    shoot(page, name)


def settle_animations(page, *, attempts: int = 40) -> None:
    """Wait (polling every 50 ms, at most ``attempts`` times) until no CSS transition or animation runs.

    Polls with ``evaluate``: ``wait_for_function`` evaluates a string, which the CSP forbids.
    """
    for _ in range(attempts):
        if not page.evaluate("() => document.getAnimations().some(a => a.playState === 'running')"):
            return
        page.wait_for_timeout(50)


def assert_fits_phone(page, name: str) -> None:
    """Screenshot ``<name>.png`` and assert nothing makes the page scroll sideways at the current width."""
    page.wait_for_load_state("networkidle")
    shoot(page, name)
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} overflows sideways: scrollWidth {widths[0]} > {widths[1]}"


def focus_ring(page) -> dict:
    """The focused element's tag, text, ``:focus-visible`` state and computed outline (style and width in px)."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute("name"),
                    text: (el.innerText || el.value || "").trim(), focusVisible: el.matches(":focus-visible"),
                    outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
                    boxShadow: style.boxShadow};
        }"""
    )


def shoot(page, name: str) -> Path:
    """Save a full-page screenshot as ``test-artifacts/screenshots/<name>.png`` and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page, base_url: str, email: str, password: str) -> None:
    """Log in through the allauth form; asserts the login succeeded."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url, f"login failed for {email}"


def axe_serious_violations(page) -> list[str]:
    """Run axe-core on the page; return "id: help (n nodes; first: selector why)" for each serious or
    critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes; first: {v['nodes'][0]['target']} "
        f"{' '.join(v['nodes'][0].get('failureSummary', '').split())})"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
