"""Writes about users: roles and the demo accounts."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import User

#: The role groups; admin is ``is_staff`` rather than a group.
ROLE_GROUPS = ("student", "mentor")


@dataclass(frozen=True)
class DemoAccount:
    """A demo login printed by ``make run``."""

    role: str
    email: str
    password: str
    display_name: str


DEMO_ACCOUNTS = (
    DemoAccount("admin", "admin@coin.local", "coin-admin-2026", "管理员"),
    DemoAccount("mentor", "mentor@coin.local", "coin-mentor-2026", "王老师"),
    DemoAccount("student", "student@coin.local", "coin-student-2026", "李同学"),
)


def user_role_set(*, user: User, role: str) -> None:
    """Give ``user`` exactly one role: "student", "mentor" or "admin".

    Admin sets ``is_staff`` and ``is_superuser``; the others set the matching group. Raises
    ``ValueError`` for an unknown role.
    """
    if role not in (*ROLE_GROUPS, "admin"):
        raise ValueError(f"Unknown role: {role!r}")
    with transaction.atomic():
        groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLE_GROUPS}
        user.groups.remove(*groups.values())
        if role == "admin":
            user.is_staff = user.is_superuser = True
        else:
            user.groups.add(groups[role])
        user.save(update_fields=["is_staff", "is_superuser"])
        user.__dict__.pop("_group_names", None)


def demo_accounts_ensure() -> list[DemoAccount]:
    """Create (or repair) the three demo accounts with verified email addresses. Idempotent.

    Returns the accounts, so the caller can print their logins. Existing passwords are reset to
    the demo ones so the printed logins always work.
    """
    for account in DEMO_ACCOUNTS:
        with transaction.atomic():
            user = User.objects.filter(email=account.email).first()
            if user is None:
                user = User.objects.create_user(account.email, account.password, display_name=account.display_name)
            else:
                user.set_password(account.password)
                user.is_active = True
                user.save(update_fields=["password", "is_active"])
            user_role_set(user=user, role=account.role)
            EmailAddress.objects.update_or_create(
                user=user, email=account.email, defaults={"verified": True, "primary": True}
            )
    return list(DEMO_ACCOUNTS)
