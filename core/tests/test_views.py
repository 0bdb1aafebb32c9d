"""Site-wide views: /favicon.ico."""

import pytest

pytestmark = pytest.mark.django_db


def test_favicon_ico_redirects_to_the_svg_icon_for_a_day(client, settings):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == f"{settings.STATIC_URL}img/favicon.svg"
    assert response["Cache-Control"] == "public, max-age=86400"


def test_favicon_ico_target_is_served(client):
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(response.streaming_content)


def test_favicon_ico_refuses_post(client):
    assert client.post("/favicon.ico").status_code == 405
