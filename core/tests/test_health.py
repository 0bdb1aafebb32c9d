"""/healthz answers 200 when the database and broker are reachable, 503 naming what failed."""

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


def test_healthz_names_the_failed_broker_without_secrets(client, monkeypatch, settings):
    monkeypatch.setattr("core.health.broker_reachable", lambda timeout=2.0: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "ok", "broker": "unreachable"}}
    assert settings.SECRET_KEY not in response.content.decode()


def test_healthz_reports_an_unreachable_database(client, monkeypatch):
    monkeypatch.setattr("core.health.database_reachable", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "unreachable", "broker": "ok"}


def test_broker_reachable_is_false_for_a_closed_port(settings):
    from coinportal.celery import app
    from core.health import broker_reachable

    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        assert broker_reachable(timeout=0.5) is False
    finally:
        app.conf.broker_url = settings.CELERY_BROKER_URL
