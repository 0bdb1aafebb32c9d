"""Checks on every page of the permission matrix, and the security headers (issue "Production readiness").

Every cell of :data:`tests.test_permission_matrix.MATRIX` that answers 200 on a row marked as a page
is fetched as that role, in Chinese (the default) and again after the language switch, and must:

(a) hold no inline script, ``style`` attribute or ``on*`` handler (the CSP forbids them);
(b) carry a Content-Security-Policy whose ``script-src`` is ``'self'`` alone;
(c) link at most :data:`tests.pagecheck.MAX_ASSET_BYTES_GZIP` of compressed JavaScript and CSS,
    all of it from ``/static/`` (no CDN);
(d) have exactly one ``<h1>``, a non-empty ``<title>`` and ``<html lang>`` of the active language.
"""

from __future__ import annotations

import importlib
import sys

import pytest
from django.test import Client
from django.urls import reverse

from tests.pagecheck import (
    MAX_ASSET_BYTES_GZIP,
    asset_urls,
    asset_weight_gzip,
    csp_directives,
    page_outline,
    page_problems,
)
from tests.test_permission_matrix import MATRIX, client_for

PAGE_CELLS = [
    pytest.param(row, method, role, id=f"{row.test_id}-{role}-{method}")
    for row in MATRIX
    if row.page
    for method, role, answer in row.cells()
    if answer == 200
]


def fetch(client: Client, row, method: str, world):
    url = row.url(world)
    if method == "GET":
        return client.get(url)
    return client.post(url, row.data(world) if row.data else {})


def assert_page_ok(response, language: str) -> None:
    """Assert checks (a)–(d) on one HTML response rendered in ``language``."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html"), response["Content-Type"]
    html = response.content.decode()
    assert page_problems(html) == []
    policy = csp_directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"], policy["script-src"]
    assert "'unsafe-inline'" not in policy["default-src"] and "'unsafe-eval'" not in policy["default-src"]
    sizes = asset_weight_gzip(html)  # asserts every asset is under /static/ and exists
    assert sum(sizes.values()) <= MAX_ASSET_BYTES_GZIP, sizes
    outline = page_outline(html)
    assert outline["h1_count"] == 1, outline
    assert len(outline["titles"]) == 1 and outline["titles"][0], outline
    assert outline["lang"] == language, outline


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "method", "role"), PAGE_CELLS)
def test_page(world, row, method, role):
    """The page passes checks (a)–(d) in Chinese, then in English after the language switch."""
    client = client_for(world, role)
    assert_page_ok(fetch(client, row, method, world), "zh-hans")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert_page_ok(fetch(client, row, method, world), "en")


def test_the_page_checks_cover_every_kind_of_page():
    """Pages of each app and of allauth and the admin are among the checked cells."""
    checked = {param.values[0].name for param in PAGE_CELLS}
    assert {
        "accounts:profile",
        "curriculum:section_detail",
        "progress:dashboard",
        "quizzes:attempt_detail",
        "cohorts:cohort_detail",
        "reminders:unsubscribe",
        "reminders:preview",
        "account_login",
        "admin:index",
    } <= checked


@pytest.mark.django_db
def test_mail_preview_document_keeps_scripts_to_self(world):
    """The previewed mail (not a page: a mail's own <style>) relaxes style-src only, and may be framed
    by the portal alone."""
    client = client_for(world, "admin")
    response = client.get(reverse("reminders:preview_html") + f"?user={world.student.pk}&kind=inactivity")
    assert response.status_code == 200
    policy = csp_directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"


#: Admin pages that break check (a), by model: django-celery-beat's periodic task form carries an
#: inline script (a readable-crontab helper) that the CSP blocks; the form still saves without it.
ADMIN_CSP_EXCEPTIONS = {"django_celery_beat.periodictask"}


def admin_page_urls() -> dict[str, str]:
    """The changelist, add and (first object's) change page of every model in the admin, by URL:
    ``{url: "app_label.model_name"}``."""
    from django.contrib import admin

    urls = {}
    for model in admin.site._registry:
        app, name = model._meta.app_label, model._meta.model_name
        label = f"{app}.{name}"
        urls[reverse(f"admin:{app}_{name}_changelist")] = label
        urls[reverse(f"admin:{app}_{name}_add")] = label
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls[reverse(f"admin:{app}_{name}_change", args=[first.pk])] = label
    return urls


@pytest.mark.django_db
def test_admin_pages_keep_to_the_csp(world):
    """Every admin page an admin can open has no inline script, style attribute or handler (except
    :data:`ADMIN_CSP_EXCEPTIONS`), one <h1> and the active language; its scripts and styles come from
    this site."""
    client = client_for(world, "admin")
    broken, opened = set(), 0
    for url, label in admin_page_urls().items():
        response = client.get(url)
        if response.status_code == 403:  # read-only models (progress, attempts, logs) have no add page
            continue
        assert response.status_code == 200, url
        opened += 1
        html = response.content.decode()
        if page_problems(html):
            broken.add(label)
        outline = page_outline(html)
        assert outline["h1_count"] == 1, url
        assert outline["lang"] == "zh-hans", url
        assert response["Content-Security-Policy"]
        # Django's JavaScript catalogue is a view of this site, not a file under /static/.
        assert all(u.startswith(("/static/", "/admin/jsi18n/")) for u in asset_urls(html)), url
    assert opened > 50
    assert broken == ADMIN_CSP_EXCEPTIONS


# --- Security headers ------------------------------------------------------------------------------

PRODUCTION_ENV = {
    "SECRET_KEY": "production-like-test-key-" + "k" * 40,
    "ALLOWED_HOSTS": "portal.example.org,testserver",
    "SITE_URL": "https://portal.example.org",
}


@pytest.fixture
def production(monkeypatch):
    """``coinportal.settings.production`` imported afresh under a production-like environment."""
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)
    for name in ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delitem(sys.modules, "coinportal.settings.production", raising=False)
    module = importlib.import_module("coinportal.settings.production")
    yield module
    sys.modules.pop("coinportal.settings.production", None)


def test_production_settings_values(production):
    """HSTS for a year with subdomains and preload, SSL redirect (except the health check), secure
    cookies, nosniff, same-origin referrers, no framing."""
    assert production.SECURE_HSTS_SECONDS == 31536000
    assert production.SECURE_HSTS_INCLUDE_SUBDOMAINS is True
    assert production.SECURE_HSTS_PRELOAD is True
    assert production.SECURE_SSL_REDIRECT is True
    assert production.SECURE_REDIRECT_EXEMPT == [r"^healthz$"]
    assert production.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    assert production.SESSION_COOKIE_SECURE is True
    assert production.CSRF_COOKIE_SECURE is True
    assert production.SECURE_CONTENT_TYPE_NOSNIFF is True
    assert production.SECURE_REFERRER_POLICY == "same-origin"
    assert production.X_FRAME_OPTIONS == "DENY"
    assert production.DEBUG is False
    assert production.CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"] == ["'self'"]


SECURITY_SETTINGS = (
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS",
)


@pytest.fixture
def production_client(production, settings):
    """A test client behind the production security settings (the middleware reads them when the
    client's handler is built, so the client is made after the override)."""
    for name in SECURITY_SETTINGS:
        setattr(settings, name, getattr(production, name))
    return Client()


@pytest.mark.django_db
def test_production_redirects_plain_http_to_https_except_the_health_check(production_client):
    response = production_client.get("/curriculum/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/curriculum/"
    assert production_client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_production_https_response_headers(production_client):
    """Over HTTPS (as the proxy reports it): HSTS, nosniff, referrer policy, no framing, CSP, and a
    CSRF cookie marked Secure."""
    response = production_client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert csp_directives(response["Content-Security-Policy"])["script-src"] == ["'self'"]
    assert response.cookies["csrftoken"]["secure"] is True


@pytest.mark.django_db
def test_production_session_cookie_is_secure_and_http_only(production_client, world):
    """Logging in over HTTPS sets a Secure, HttpOnly session cookie."""
    from accounts.tests.factories import PASSWORD

    https = {"X-Forwarded-Proto": "https"}
    production_client.get("/accounts/login/", headers=https)
    response = production_client.post(
        "/accounts/login/", {"login": world.student.email, "password": PASSWORD}, headers=https
    )
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True


@pytest.mark.django_db
def test_test_settings_response_headers(client):
    """Even without the production overrides, every response carries nosniff, the referrer policy,
    X-Frame-Options DENY and the CSP with scripts from 'self' only."""
    response = client.get("/curriculum/")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    policy = csp_directives(response["Content-Security-Policy"])
    assert policy == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
