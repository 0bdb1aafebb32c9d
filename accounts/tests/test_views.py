"""The profile page (only ever edits request.user), the language switch and role-based navigation."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import AdminFactory, InvitationFactory, MentorFactory, StudentFactory, UserFactory
from accounts.tokens import invitation_token_make

pytestmark = pytest.mark.django_db

PROFILE_URL = "/me/profile/"


def _profile_data(**overrides):
    data = {
        "display_name": "小明",
        "language": "en",
        "time_zone": "Europe/Berlin",
        "remind_inactivity": "on",
        "reminder_hour": "20",
        "quiet_hours_enabled": "on",
        "quiet_hours_start": "23:00",
        "quiet_hours_end": "06:30",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_profile_url_name():
    assert reverse("accounts:profile") == PROFILE_URL


def test_profile_requires_login(client):
    response = client.get(PROFILE_URL)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/me/profile/"


def test_profile_shows_current_values(client):
    user = StudentFactory(display_name="李同学", time_zone="Asia/Tokyo", reminder_hour=7)
    client.force_login(user)
    response = client.get(PROFILE_URL)
    assert response.status_code == 200
    form = response.context["form"]
    assert form["display_name"].value() == "李同学"
    assert form["time_zone"].value() == "Asia/Tokyo"
    assert form["reminder_hour"].value() == 7
    content = response.content.decode()
    assert '<option value="Asia/Tokyo" selected>Asia/Tokyo</option>' in content
    assert 'href="/accounts/password/change/"' in content
    assert 'href="/accounts/email/"' in content


def test_profile_save_updates_only_the_signed_in_user(client):
    user = StudentFactory(email="me@example.org", remind_behind=True)
    other = StudentFactory(email="other@example.org", display_name="别人")
    client.force_login(user)
    response = client.post(PROFILE_URL, _profile_data())
    assert response.status_code == 302
    assert response["Location"] == PROFILE_URL
    user.refresh_from_db()
    assert user.display_name == "小明"
    assert user.language == "en"
    assert user.time_zone == "Europe/Berlin"
    assert user.remind_inactivity is True
    assert user.remind_behind is False  # unchecked box
    assert user.reminder_hour == 20
    assert user.quiet_hours_start == datetime.time(23, 0)
    assert user.quiet_hours_end == datetime.time(6, 30)
    other.refresh_from_db()
    assert (other.display_name, other.language, other.time_zone) == ("别人", "zh-hans", "Asia/Shanghai")


def test_profile_ignores_fields_outside_the_form(client):
    user = StudentFactory(email="me@example.org")
    client.force_login(user)
    client.post(PROFILE_URL, _profile_data(email="evil@example.org", is_staff="on", is_superuser="on"))
    user.refresh_from_db()
    assert (user.email, user.is_staff, user.is_superuser) == ("me@example.org", False, False)


def test_student_has_no_digest_choice_and_keeps_its_value(client):
    user = StudentFactory(remind_digest=True)
    client.force_login(user)
    assert "remind_digest" not in client.get(PROFILE_URL).context["form"].fields
    client.post(PROFILE_URL, _profile_data())
    user.refresh_from_db()
    assert user.remind_digest is True


def test_mentor_can_turn_off_the_digest(client):
    user = MentorFactory(remind_digest=True)
    client.force_login(user)
    client.post(PROFILE_URL, _profile_data())
    user.refresh_from_db()
    assert user.remind_digest is False


def test_invalid_time_zone_is_a_field_error(client):
    user = StudentFactory(time_zone="Asia/Shanghai")
    client.force_login(user)
    response = client.post(PROFILE_URL, _profile_data(time_zone="Mars/Olympus_Mons"))
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "time_zone": ["Select a valid choice. Mars/Olympus_Mons is not one of the available choices."]
    }
    user.refresh_from_db()
    assert user.time_zone == "Asia/Shanghai"
    assert user.display_name != "小明"


@pytest.mark.parametrize("hour", ["24", "-1", "nine"])
def test_reminder_hour_outside_0_to_23_is_a_field_error(client, hour):
    user = StudentFactory(reminder_hour=9)
    client.force_login(user)
    response = client.post(PROFILE_URL, _profile_data(reminder_hour=hour))
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "reminder_hour": [f"Select a valid choice. {hour} is not one of the available choices."]
    }
    user.refresh_from_db()
    assert user.reminder_hour == 9


def test_quiet_hours_of_zero_length_are_refused(client):
    client.force_login(StudentFactory())
    response = client.post(PROFILE_URL, _profile_data(quiet_hours_start="22:00", quiet_hours_end="22:00"))
    assert response.context["form"].errors == {
        "quiet_hours_end": ["Quiet hours must end at a different time than they start."]
    }


def test_invalid_post_does_not_change_the_name_in_the_navigation(client):
    user = StudentFactory(display_name="原名")
    client.force_login(user)
    response = client.post(PROFILE_URL, _profile_data(display_name="新名字", time_zone="Nowhere/City"))
    assert response.context["user"].display_name == "原名"


def test_saving_language_switches_the_interface_at_once(client, settings):
    user = StudentFactory(language="zh-hans")
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.post(PROFILE_URL, _profile_data(language="en"))
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get(PROFILE_URL)
    content = page.content.decode()
    assert '<html lang="en">' in content
    assert "Your profile has been saved." in content

    response = client.post(PROFILE_URL, _profile_data(language="zh-hans"))
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    content = client.get(PROFILE_URL).content.decode()
    assert '<html lang="zh-hans">' in content
    assert "个人资料已保存。" in content


def test_user_language_applies_without_a_cookie(client, settings):
    user = StudentFactory(language="en")
    client.force_login(user)
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    content = client.get(PROFILE_URL, headers={"accept-language": "zh-hans"}).content.decode()
    assert '<html lang="en">' in content


def test_profile_rejects_other_methods(client):
    client.force_login(StudentFactory())
    assert client.put(PROFILE_URL).status_code == 405


# --- navigation by role ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("factory", "is_mentor", "is_admin"),
    [(StudentFactory, False, False), (MentorFactory, True, False), (AdminFactory, True, True)],
)
def test_navigation_flags_follow_the_role(client, factory, is_mentor, is_admin):
    client.force_login(factory())
    response = client.get(PROFILE_URL)
    assert response.context["nav_is_mentor"] is is_mentor
    assert response.context["nav_is_admin"] is is_admin
    assert ('href="/admin/"' in response.content.decode()) is is_admin


def test_profile_header_shows_the_role(client):
    client.force_login(MentorFactory(email="t@example.org"))
    assert "t@example.org · Mentor" in client.get(PROFILE_URL).content.decode()


def test_anonymous_navigation_offers_login(client):
    content = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/login/"' in content
    assert 'href="/admin/"' not in content


# --- invitation link while signed in ---------------------------------------------------------


def test_invitation_link_while_signed_in_does_not_switch_accounts(client, settings):
    settings.SIGNUP_MODE = "invite"
    client.force_login(UserFactory(email="someone@example.org"))
    invitation = InvitationFactory(email="invitee@example.org")
    response = client.get(reverse("accounts:invitation_accept", kwargs={"token": invitation_token_make(invitation)}))
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "invitation_email" not in client.session
    assert User.objects.filter(email="invitee@example.org").exists() is False


LANGUAGE_URL = "/me/language/"


def test_language_switch_route_name():
    assert reverse("accounts:language_set") == LANGUAGE_URL


def test_header_language_switch_posts_to_the_profile_aware_view(client):
    client.force_login(StudentFactory())
    content = client.get(PROFILE_URL).content.decode()
    assert f'<form action="{LANGUAGE_URL}" method="post" class="inline-form lang-switch">' in content


def test_language_switch_saves_the_signed_in_users_language(client, settings):
    user = StudentFactory(language="en")
    client.force_login(user)
    response = client.post(LANGUAGE_URL, {"language": "zh-hans", "next": "/me/profile/?tab=1"})
    assert response.status_code == 302
    assert response["Location"] == "/me/profile/?tab=1"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    user.refresh_from_db()
    assert user.language == "zh-hans"
    # The profile form now shows the language the interface is in.
    page = client.get(PROFILE_URL)
    assert page.context["form"]["language"].value() == "zh-hans"
    assert '<html lang="zh-hans">' in page.content.decode()


def test_language_switch_with_an_unknown_language_changes_nothing(client, settings):
    user = StudentFactory(language="en")
    client.force_login(user)
    response = client.post(LANGUAGE_URL, {"language": "klingon", "next": "/me/profile/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    user.refresh_from_db()
    assert user.language == "en"


def test_language_switch_refuses_an_offsite_next(client):
    client.force_login(StudentFactory(language="en"))
    response = client.post(LANGUAGE_URL, {"language": "zh-hans", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_language_switch_for_anonymous_visitors_only_sets_the_cookie(client, settings):
    response = client.post(LANGUAGE_URL, {"language": "zh-hans", "next": "/accounts/login/"})
    assert response["Location"] == "/accounts/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert User.objects.count() == 0


def test_language_switch_refuses_get(client):
    assert client.get(LANGUAGE_URL).status_code == 405


def test_signed_out_message_and_page_share_the_users_language(client, settings):
    """No cookie, profile English, browser Chinese: the message and the next page are both English."""
    client.force_login(StudentFactory(language="en"))
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    response = client.post("/accounts/logout/", headers={"accept-language": "zh-hans"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/accounts/login/", headers={"accept-language": "zh-hans"})
    content = page.content.decode()
    assert '<html lang="en">' in content
    assert [str(m) for m in page.context["messages"]] == ["You have signed out."]


def test_signed_out_message_follows_the_language_cookie(client, settings):
    client.force_login(StudentFactory(language="en"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.post("/accounts/logout/")
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    page = client.get("/accounts/login/")
    assert '<html lang="zh-hans">' in page.content.decode()
    assert [str(m) for m in page.context["messages"]] == ["您已登出。"]
