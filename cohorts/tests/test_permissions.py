"""Every mentor URL, walked as anonymous, student, mentor of another cohort, the right mentor and
admin. Students never see other students; mentors only their own cohorts."""

import pytest
from django.urls import reverse
from freezegun import freeze_time

from accounts.tests.factories import AdminFactory, MentorFactory
from cohorts.tests.conftest import NOW

pytestmark = pytest.mark.django_db

#: (name, needs the cohort pk, needs a student pk)
URLS = [
    ("cohorts:cohort_detail", True, False),
    ("cohorts:cohort_chart", True, False),
    ("cohorts:cohort_csv", True, False),
    ("cohorts:cohort_enroll", True, False),
    ("cohorts:student_detail", True, True),
]


def _url(name, scenario, *, student=None):
    if name == "cohorts:student_detail":
        return reverse(name, args=[scenario.cohort.pk, (student or scenario.bob).pk])
    return reverse(name, args=[scenario.cohort.pk])


def _admin_enroll_url(scenario):
    return reverse("admin:cohorts_cohort_bulk_enroll", args=[scenario.cohort.pk])


@pytest.fixture
def other_mentor(scenario):
    mentor = MentorFactory()
    scenario.other_cohort.mentors.add(mentor)
    return mentor


@freeze_time(NOW)
@pytest.mark.parametrize("name", [u[0] for u in URLS])
def test_anonymous_is_sent_to_log_in(client, scenario, name):
    url = _url(name, scenario)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@freeze_time(NOW)
def test_anonymous_list_and_admin_enroll(client, scenario):
    assert client.get(reverse("cohorts:mentor_home"))["Location"].startswith(reverse("account_login"))
    response = client.get(_admin_enroll_url(scenario))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@freeze_time(NOW)
@pytest.mark.parametrize("name", [u[0] for u in URLS])
def test_student_gets_404_even_for_their_own_cohort(client, scenario, name):
    client.force_login(scenario.alice)
    assert client.get(_url(name, scenario)).status_code == 404
    assert client.get(_url(name, scenario, student=scenario.alice)).status_code == 404
    assert client.post(_url(name, scenario), {"emails": "x@x.org"}).status_code in {404, 405}


@freeze_time(NOW)
def test_student_list_and_admin_enroll(client, scenario):
    client.force_login(scenario.alice)
    assert client.get(reverse("cohorts:mentor_home")).status_code == 403
    assert client.get(_admin_enroll_url(scenario))["Location"].startswith(reverse("admin:login"))


@freeze_time(NOW)
@pytest.mark.parametrize("name", [u[0] for u in URLS])
def test_mentor_of_another_cohort_gets_404(client, scenario, other_mentor, name):
    client.force_login(other_mentor)
    assert client.get(_url(name, scenario)).status_code == 404
    # Not even for a student of their own cohort through the wrong cohort's URL.
    assert client.get(_url(name, scenario, student=scenario.outsider)).status_code == 404


@freeze_time(NOW)
def test_mentor_of_another_cohort_sees_only_theirs(client, scenario, other_mentor):
    client.force_login(other_mentor)
    response = client.get(reverse("cohorts:mentor_home"))
    assert response.status_code == 200
    assert [s.cohort for s in response.context["summaries"]] == [scenario.other_cohort]
    own_student = reverse("cohorts:student_detail", args=[scenario.other_cohort.pk, scenario.outsider.pk])
    assert client.get(own_student).status_code == 200
    assert client.get(_admin_enroll_url(scenario))["Location"].startswith(reverse("admin:login"))


@freeze_time(NOW)
@pytest.mark.parametrize("who", ["mentor", "admin"])
@pytest.mark.parametrize("name", ["cohorts:mentor_home", *[u[0] for u in URLS]])
def test_right_mentor_and_admin_get_200(client, scenario, who, name):
    client.force_login(scenario.mentor if who == "mentor" else AdminFactory())
    url = reverse(name) if name == "cohorts:mentor_home" else _url(name, scenario)
    assert client.get(url).status_code == 200


@freeze_time(NOW)
def test_admin_bulk_enroll_page_is_for_admins(client, scenario):
    client.force_login(scenario.mentor)  # mentors are not staff: the admin site sends them to log in
    assert client.get(_admin_enroll_url(scenario))["Location"].startswith(reverse("admin:login"))
    client.force_login(AdminFactory())
    assert client.get(_admin_enroll_url(scenario)).status_code == 200


@freeze_time(NOW)
def test_mentor_only_sees_enrolled_students(client, scenario):
    """A former (ended) enrollment and another cohort's student are not visible."""
    client.force_login(scenario.mentor)
    for student in (scenario.former, scenario.outsider):
        assert client.get(_url("cohorts:student_detail", scenario, student=student)).status_code == 404
    html = client.get(_url("cohorts:cohort_detail", scenario)).content.decode()
    assert "former@x.org" not in html and "outsider@x.org" not in html


@freeze_time(NOW)
def test_student_id_past_the_integer_range_is_404(client, scenario):
    """The URL's int converter takes any digits; such an id was a 500 (OverflowError) on SQLite."""
    client.force_login(scenario.mentor)
    assert client.get(reverse("cohorts:student_detail", args=[scenario.cohort.pk, 10**20])).status_code == 404


def test_unsafe_methods_are_refused(client, scenario):
    client.force_login(scenario.mentor)
    for name in ("cohorts:cohort_detail", "cohorts:cohort_csv", "cohorts:cohort_chart", "cohorts:student_detail"):
        assert client.post(_url(name, scenario)).status_code == 405
