"""The home page sends each role to its start page."""

import pytest

from accounts.tests.factories import AdminFactory, MentorFactory, StudentFactory

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_see_the_curriculum(client):
    response = client.get("/")
    assert (response.status_code, response["Location"]) == (302, "/curriculum/")


@pytest.mark.parametrize(
    ("factory", "location"),
    [(StudentFactory, "/progress/"), (MentorFactory, "/cohorts/"), (AdminFactory, "/cohorts/")],
)
def test_signed_in_users_go_to_their_start_page(client, factory, location):
    client.force_login(factory())
    response = client.get("/")
    assert (response.status_code, response["Location"]) == (302, location)
