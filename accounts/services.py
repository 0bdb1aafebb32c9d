"""Writes about users: roles, sign-up completion, profiles, invitations and the demo accounts."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import INVITABLE_ROLES, Invitation, Role, User

#: The role groups; admin is ``is_staff`` rather than a group.
ROLE_GROUPS = ("student", "mentor")

#: The reminder preference fields on :class:`User` (profile page and admin).
REMINDER_FIELDS = (
    "remind_inactivity",
    "remind_behind",
    "remind_digest",
    "reminder_hour",
    "quiet_hours_enabled",
    "quiet_hours_start",
    "quiet_hours_end",
)

#: The User fields a person may change on their own profile page.
PROFILE_FIELDS = ("display_name", "language", "time_zone", *REMINDER_FIELDS)


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

    Admin sets ``is_staff`` and ``is_superuser``; the others set the matching group (and leave the
    staff flags alone, so demoting an admin is an explicit admin-site edit). Raises ``ValueError``
    for an unknown role.
    """
    if role not in (*ROLE_GROUPS, "admin"):
        raise ValueError(f"Unknown role: {role!r}")
    with transaction.atomic():
        groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLE_GROUPS}
        user.groups.remove(*groups.values())
        if role == "admin":
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        else:
            user.groups.add(groups[role])
        user.__dict__.pop("_group_names", None)


def user_signup_complete(*, user: User) -> Invitation | None:
    """Give a just-created user their role: the one of their pending invitation, else student.

    Called by the allauth adapters right after a sign-up (email or GitHub) saved ``user``. A
    matching pending invitation (same address, case-insensitive) is marked accepted.

    Returns:
        The accepted :class:`Invitation`, or ``None`` when the user signed up without one.
    """
    from accounts.selectors import invitation_pending_for

    with transaction.atomic():
        invitation = invitation_pending_for(user.email)
        if invitation is not None:
            invitation_accept(invitation=invitation, user=user)
            return invitation
        user_role_set(user=user, role=Role.STUDENT)
        return None


def user_profile_update(*, user: User, data: dict) -> list[str]:
    """Save the profile fields in ``data`` on ``user`` (only :data:`PROFILE_FIELDS`; others are ignored).

    ``data`` must already be validated (the profile form's ``cleaned_data``). Only fields whose
    value changed are written (``update_fields``).

    Returns:
        The names of the fields that changed, in :data:`PROFILE_FIELDS` order (empty if none).
    """
    changed = [name for name in PROFILE_FIELDS if name in data and getattr(user, name) != data[name]]
    if changed:
        for name in changed:
            setattr(user, name, data[name])
        user.save(update_fields=changed)  # one UPDATE statement: atomic on its own
    return changed


def user_language_set(*, user: User, language: str) -> bool:
    """Save ``language`` as ``user``'s preferred interface language (the header language switch).

    Args:
        user: the signed-in user.
        language: a code from ``settings.LANGUAGES`` (e.g. ``"zh-hans"``, ``"en"``).
    Returns:
        ``True`` when the stored language changed, ``False`` when it already was ``language``.
    Raises:
        ValueError: ``language`` is not one of ``settings.LANGUAGES``.
    """
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"unknown language {language!r}")
    if user.language == language:
        return False
    user.language = language
    user.save(update_fields=["language"])
    return True


def demo_accounts_ensure() -> list[DemoAccount]:
    """Create the three demo accounts that do not exist yet, with verified email addresses.

    Idempotent, and an account that already exists is left exactly as it is (password, role,
    active flag), so running ``make run`` again never undoes what someone changed. Returns the demo
    accounts, so the caller can print their logins.
    """
    for account in DEMO_ACCOUNTS:
        with transaction.atomic():
            if User.objects.filter(email=account.email).exists():
                continue
            user = User.objects.create_user(account.email, account.password, display_name=account.display_name)
            user_role_set(user=user, role=account.role)
            EmailAddress.objects.create(user=user, email=account.email, verified=True, primary=True)
    return list(DEMO_ACCOUNTS)


# --- Invitations -------------------------------------------------------------------------------


class InvitationError(ValueError):
    """An invitation cannot be made: invalid address or role, or the address already has an account."""


def _normalize_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvitationError(f"Invalid email address: {email!r}") from exc
    return email


def invitation_create(*, email: str, role: str = Role.STUDENT, invited_by: User | None = None) -> Invitation:
    """Record an invitation for ``email`` to sign up with ``role``. Does not send mail (see
    :func:`invitations_send`).

    Idempotent per address: when an invitation already exists it is returned; a pending one takes
    the new ``role`` (and ``invited_by`` when given), an accepted one is returned unchanged.

    Args:
        email: the address (any case, surrounding blanks ignored).
        role: "student" or "mentor".
        invited_by: the admin or mentor who invites, or ``None`` (system).
    Returns:
        The :class:`Invitation`.
    Raises:
        InvitationError: invalid address, invalid role, or an account with this address exists.
    """
    email = _normalize_email(email)
    if role not in {value for value, _label in INVITABLE_ROLES}:
        raise InvitationError(f"Invalid role for an invitation: {role!r}")
    if User.objects.filter(email__iexact=email).exists() or EmailAddress.objects.filter(email__iexact=email).exists():
        raise InvitationError(f"An account with {email} already exists.")
    try:
        with transaction.atomic():
            invitation, created = Invitation.objects.get_or_create(
                email=email, defaults={"role": role, "invited_by": invited_by}
            )
    except IntegrityError:
        invitation, created = Invitation.objects.get(email=email), False
    if not created and invitation.accepted_at is None:
        changed = []
        if invitation.role != role:
            invitation.role = role
            changed.append("role")
        if invited_by is not None and invitation.invited_by_id != invited_by.pk:
            invitation.invited_by = invited_by
            changed.append("invited_by")
        if changed:
            invitation.save(update_fields=changed)
    return invitation


@dataclass
class BulkInvitationResult:
    """What :func:`invitations_bulk_create` did with each address."""

    #: Newly created invitations.
    created: list[Invitation] = field(default_factory=list)
    #: Invitations that already existed and are not accepted yet (role updated).
    pending: list[Invitation] = field(default_factory=list)
    #: Addresses skipped because an account or an accepted invitation already exists.
    skipped: list[str] = field(default_factory=list)

    @property
    def to_send(self) -> list[Invitation]:
        """The invitations that should get an email now (new and still pending)."""
        return [*self.created, *self.pending]


def invitations_bulk_create(*, emails: Iterable[str], role: str, invited_by: User | None) -> BulkInvitationResult:
    """Create invitations for many addresses at once (the admin's "invite these emails" form).

    Addresses are lower-cased and de-duplicated; each goes through :func:`invitation_create`.
    Raises :class:`InvitationError` on an invalid address or role, before anything is written.
    """
    addresses = list(dict.fromkeys(_normalize_email(email) for email in emails))
    if role not in {value for value, _label in INVITABLE_ROLES}:
        raise InvitationError(f"Invalid role for an invitation: {role!r}")
    existing = {
        inv.email: inv for inv in Invitation.objects.filter(email__in=addresses)
    }  # one query instead of one per address
    result = BulkInvitationResult()
    with transaction.atomic():
        for email in addresses:
            before = existing.get(email)
            if before is not None and before.accepted_at is not None:
                result.skipped.append(email)
                continue
            try:
                invitation = invitation_create(email=email, role=role, invited_by=invited_by)
            except InvitationError:
                result.skipped.append(email)  # an account exists already
                continue
            (result.pending if before is not None else result.created).append(invitation)
    return result


def invitation_url(*, invitation: Invitation, request: HttpRequest | None = None) -> str:
    """The absolute sign-up link for ``invitation`` with a fresh signed token.

    Uses ``request`` to build the host when given, else ``settings.SITE_URL``.
    """
    from accounts.tokens import invitation_token_make

    path = reverse("accounts:invitation_accept", kwargs={"token": invitation_token_make(invitation)})
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SITE_URL.rstrip("/") + path


def invitations_send(*, invitations: Iterable[Invitation], request: HttpRequest | None = None) -> int:
    """Email each not-yet-accepted invitation its sign-up link and stamp ``sent_at``.

    The message is bilingual (Simplified Chinese, then English), since the invitee has no language
    preference yet. Accepted invitations are skipped. Mail goes through ``EMAIL_BACKEND``
    (console in development, SMTP from ``EMAIL_URL`` in production).

    Args:
        invitations: the invitations to send.
        request: the current request, used for the link's host; ``None`` uses ``settings.SITE_URL``.
    Returns:
        The number of emails sent.
    Raises:
        smtplib.SMTPException / OSError: when the mail server refuses; invitations sent before
            the failure keep their ``sent_at``.
    """
    sent = 0
    with mail.get_connection() as connection:
        for invitation in invitations:
            if invitation.accepted_at is not None:
                continue
            now = timezone.now()
            context = {
                "invitation": invitation,
                "url": invitation_url(invitation=invitation, request=request),
                "days": settings.INVITATION_EXPIRY_DAYS,
                "inviter": invitation.invited_by.get_full_name() if invitation.invited_by else "",
            }
            subjects, bodies = [], []
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    subjects.append(render_to_string("accounts/email/invitation_subject.txt", context).strip())
                    bodies.append(render_to_string("accounts/email/invitation_message.txt", context).strip())
            subject = " / ".join(subjects)
            body = "\n\n----------------------------------------\n\n".join(bodies) + "\n"
            message = mail.EmailMessage(
                subject=subject,
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[invitation.email],
                connection=connection,
            )
            message.send()
            invitation.sent_at = now
            invitation.save(update_fields=["sent_at"])
            sent += 1
    return sent


def invitation_accept(*, invitation: Invitation, user: User) -> Invitation:
    """Mark ``invitation`` accepted by ``user`` and give ``user`` the invited role. Idempotent.

    Raises:
        InvitationError: ``user``'s address differs from the invitation's.
    """
    if user.email.strip().lower() != invitation.email:
        raise InvitationError(f"Invitation for {invitation.email} cannot be accepted by {user.email}.")
    with transaction.atomic():
        if invitation.accepted_at is None:
            invitation.accepted_at = timezone.now()
            invitation.save(update_fields=["accepted_at"])
        user_role_set(user=user, role=invitation.role)
    return invitation
