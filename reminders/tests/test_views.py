"""Unsubscribe by link (GET changes nothing; POST and RFC 8058 one-click POST turn the kind off;
bad tokens answer 400) and the staff-only preview pages."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import PASSWORD, AdminFactory, StudentFactory
from reminders.models import ReminderKind
from reminders.tokens import unsubscribe_token_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def student():
    return StudentFactory(email="li@example.org", language="en")


def prefs(user):
    user.refresh_from_db()
    return (user.remind_inactivity, user.remind_behind, user.remind_digest)


def urls(user, kind=ReminderKind.BEHIND):
    token = unsubscribe_token_make(user_id=user.pk, kind=kind)
    return reverse("reminders:unsubscribe", args=[token]), reverse("reminders:unsubscribe_one_click", args=[token])


@pytest.mark.parametrize("which", [0, 1], ids=["page-link", "one-click-link"])
def test_get_shows_a_confirmation_and_changes_nothing(client, student, which):
    response = client.get(urls(student)[which])
    assert response.status_code == 200
    assert "Stop sending “Behind-schedule notice” emails to li@example.org?" in response.content.decode()
    assert prefs(student) == (True, True, True)


def test_confirmation_page_speaks_the_users_language(client):
    student = StudentFactory(language="zh-hans")
    response = client.get(urls(student)[0], HTTP_ACCEPT_LANGUAGE="en")
    assert "不再向" in response.content.decode()


def test_invalid_link_page_in_chinese_by_default(client):
    response = client.get(reverse("reminders:unsubscribe", args=["not-a-token"]))
    assert response.status_code == 400
    assert "此退订链接无效" in response.content.decode()


def test_post_from_the_page_turns_the_kind_off(student):
    client = Client(enforce_csrf_checks=True)
    page, _ = urls(student)
    response = client.get(page)
    token = response.cookies["csrftoken"].value
    response = client.post(page, {"csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert "You will no longer receive “Behind-schedule notice” emails at li@example.org." in response.content.decode()
    assert prefs(student) == (True, False, True)
    again = client.post(page, {"csrfmiddlewaretoken": token})
    assert "were already turned off" in again.content.decode()


def test_page_post_needs_the_csrf_token(student):
    client = Client(enforce_csrf_checks=True)
    response = client.post(urls(student)[0])
    assert response.status_code == 403
    assert prefs(student) == (True, True, True)


def test_one_click_post_without_csrf_turns_the_kind_off(student):
    client = Client(enforce_csrf_checks=True)
    _, one_click = urls(student, ReminderKind.INACTIVITY)
    response = client.post(one_click, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert prefs(student) == (False, True, True)


def test_one_click_post_without_the_rfc_8058_body_is_refused(student):
    client = Client(enforce_csrf_checks=True)
    _, one_click = urls(student)
    response = client.post(one_click, {"something": "else"})
    assert response.status_code == 400
    assert prefs(student) == (True, True, True)


@pytest.mark.parametrize("which", [0, 1], ids=["page-link", "one-click-link"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_token_gives_a_400_page(client, student, which, method):
    url = urls(student)[which].replace(":", "x", 1)
    if method == "get":
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    else:
        response = client.post(
            url,
            "List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 400
    assert "This unsubscribe link is not valid" in response.content.decode()
    assert prefs(student) == (True, True, True)


def test_expired_token_gives_a_400_page(client, student, frozen):
    page, one_click = urls(student)
    frozen.tick(dt.timedelta(days=181))
    for url in (page, one_click):
        response = client.post(
            url,
            "List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 400
        assert "This unsubscribe link has expired" in response.content.decode()
    assert prefs(student) == (True, True, True)


def test_token_for_a_deleted_user_gives_a_400_page(client, student):
    page, _ = urls(student)
    User.objects.filter(pk=student.pk).delete()
    assert client.get(page).status_code == 400


def test_unsubscribe_only_accepts_get_and_post(client, student):
    assert client.put(urls(student)[1]).status_code == 405


# --- staff preview --------------------------------------------------------------------------


def test_preview_is_for_staff_only(client, student):
    url = reverse("reminders:preview")
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert reverse("account_login") in anonymous["Location"]
    client.login(email=student.email, password=PASSWORD)
    assert client.get(url).status_code == 403
    assert client.get(reverse("reminders:preview_html"), {"user": student.pk, "kind": "digest"}).status_code == 403


def test_preview_renders_a_chosen_users_mail(client, enroll, frozen):
    student = enroll(email="li@example.org", language="en")
    admin = AdminFactory()
    client.login(email=admin.email, password=PASSWORD)
    response = client.get(reverse("reminders:preview"), {"user": "LI@example.org", "kind": "inactivity"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "COIN Portal: pick up where you left off" in body
    assert "List-Unsubscribe-Post" in body
    assert "2026-03-09" in body
    html = client.get(reverse("reminders:preview_html"), {"user": student.pk, "kind": "inactivity"})
    assert html.status_code == 200
    assert html["Content-Type"] == "text/html; charset=utf-8"
    assert html["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in html["Content-Security-Policy"]
    assert "<h2>Your next topics:</h2>" in html.content.decode()


def test_preview_of_the_mentor_digest(client, scene, enroll, frozen):
    enroll()
    admin = AdminFactory()
    client.login(email=admin.email, password=PASSWORD)
    response = client.get(reverse("reminders:preview"), {"user": scene.mentor.pk, "kind": "digest"})
    assert response.status_code == 200
    assert "2026 年第 10 周学员周报" in response.content.decode()


def test_preview_unknown_user_is_a_form_error(client):
    admin = AdminFactory(language="en")
    client.login(email=admin.email, password=PASSWORD)
    response = client.get(reverse("reminders:preview"), {"user": "nobody@example.org", "kind": "digest"})
    assert response.status_code == 400
    assert "No user with this email address or id." in response.content.decode()
    bad_kind = client.get(reverse("reminders:preview_html"), {"user": admin.pk, "kind": "newsletter"})
    assert bad_kind.status_code == 400


def test_preview_page_without_a_query_shows_the_form(client):
    admin = AdminFactory()
    client.login(email=admin.email, password=PASSWORD)
    response = client.get(reverse("reminders:preview"))
    assert response.status_code == 200
    assert 'name="user"' in response.content.decode()
