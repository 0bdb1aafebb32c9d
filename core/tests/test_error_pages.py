"""Error pages use the portal's layout and language instead of Django's bare pages."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


def test_404_page_is_the_portal_page_in_chinese(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "<h1>页面不存在</h1>" in html
    assert 'href="/curriculum/"' in html
    assert '<html lang="zh-hans">' in html


def test_403_page_is_the_portal_page(client):
    client.force_login(StudentFactory())
    response = client.get(reverse("linkcheck:health"))
    assert response.status_code == 403
    assert "<h1>无权访问</h1>" in response.content.decode()


def test_500_page_renders_without_a_request_context(settings):
    from django.views.defaults import server_error

    response = server_error(Client().get("/").wsgi_request)
    html = response.content.decode()
    assert response.status_code == 500
    assert "<h1>服务器出错</h1>" in html
