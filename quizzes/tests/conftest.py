"""Fixtures of the quizzes tests."""

import pytest

from accounts.tests.factories import PASSWORD, AdminFactory, MentorFactory, StudentFactory
from quizzes.tests.factories import quiz_with_all_kinds


@pytest.fixture
def student():
    return StudentFactory()


@pytest.fixture
def other_student():
    return StudentFactory()


@pytest.fixture
def mentor():
    return MentorFactory()


@pytest.fixture
def admin_user():
    return AdminFactory()


@pytest.fixture
def quiz():
    """A published quiz with one question of each kind (see ``quiz_with_all_kinds``)."""
    return quiz_with_all_kinds()


def login(client, user):
    assert client.login(email=user.email, password=PASSWORD)
    return client


@pytest.fixture
def student_client(client, student):
    return login(client, student)
