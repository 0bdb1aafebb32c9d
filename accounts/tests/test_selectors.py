"""Selectors: users by role, the sign-up policy and the failed-login limit."""

import pytest

from accounts.models import User
from accounts.selectors import (
    LoginLimit,
    email_domain_allowed,
    invitation_pending_for,
    login_failed_limit,
    users_with_role,
)
from accounts.tests.factories import AdminFactory, InvitationFactory, MentorFactory, StudentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_users_with_role_uses_the_precedence_of_user_role(django_assert_num_queries):
    student = StudentFactory(email="s@example.org")
    mentor = MentorFactory(email="m@example.org")
    both = MentorFactory(email="both@example.org")
    both.groups.add(*StudentFactory._meta.model.objects.get(pk=student.pk).groups.all())
    admin = AdminFactory(email="a@example.org")
    UserFactory(email="none@example.org")
    with django_assert_num_queries(1):
        assert list(users_with_role("student")) == [student]
    assert list(users_with_role("mentor")) == [both, mentor]
    assert list(users_with_role("admin")) == [admin]
    for user in User.objects.all():
        expected = {"s@example.org": "student", "m@example.org": "mentor", "both@example.org": "mentor",
                    "a@example.org": "admin", "none@example.org": ""}[user.email]  # fmt: skip
        assert user.role == expected


def test_users_with_role_refuses_unknown_role():
    with pytest.raises(ValueError, match="Unknown role: 'guest'"):
        users_with_role("guest")


@pytest.mark.parametrize(
    ("email", "allowed"),
    [
        ("a@coin-lab.edu.cn", True),
        ("A@COIN-LAB.EDU.CN", True),
        ("a@sub.coin-lab.edu.cn", False),
        ("a@coin-lab.edu.cn.evil.com", False),
        ("a@gmail.com", False),
        ("coin-lab.edu.cn", False),
    ],
)
def test_email_domain_allowed(settings, email, allowed):
    settings.SIGNUP_ALLOWED_DOMAINS = ["Coin-Lab.edu.cn ", "@example.edu"]
    assert email_domain_allowed(email) is allowed


def test_email_domain_allowed_accepts_at_prefixed_setting(settings):
    settings.SIGNUP_ALLOWED_DOMAINS = ["@example.edu"]
    assert email_domain_allowed("x@example.edu") is True


def test_invitation_pending_for_ignores_case_and_accepted():
    import datetime

    pending = InvitationFactory(email="p@example.org")
    InvitationFactory(email="done@example.org", accepted_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    assert invitation_pending_for(" P@Example.org ") == pending
    assert invitation_pending_for("done@example.org") is None


@pytest.mark.parametrize(
    ("rates", "expected"),
    [
        ("10/m/ip,5/5m/key", LoginLimit(attempts=5, minutes=5)),
        ("3/10m/key", LoginLimit(attempts=3, minutes=10)),
        ("20/m/ip,4/1h/key", LoginLimit(attempts=4, minutes=60)),
        ("2/30s/key", LoginLimit(attempts=2, minutes=1)),
        ("10/m/ip", None),
        ("", None),
    ],
)
def test_login_failed_limit_reads_the_per_key_rate(settings, rates, expected):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": rates}
    assert login_failed_limit() == expected


def test_login_failed_limit_when_rate_limits_are_off(settings):
    settings.ACCOUNT_RATE_LIMITS = False
    assert login_failed_limit() is None
