"""The portal's user: email login, display name, language, time zone and reminder preferences."""

import datetime
import functools
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The portal's three roles. Student and mentor are groups of the same name; admin is ``is_staff``."""

    STUDENT = "student", _("Student")
    MENTOR = "mentor", _("Mentor")
    ADMIN = "admin", _("Admin")


#: Roles an invitation may give (admins are made in the admin site, never by invitation).
INVITABLE_ROLES = [(Role.STUDENT.value, Role.STUDENT.label), (Role.MENTOR.value, Role.MENTOR.label)]


@functools.cache
def time_zone_names() -> frozenset[str]:
    """The IANA time zone names known to :mod:`zoneinfo` on this machine (cached for the process)."""
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    """Model/form validator: accept only an IANA time zone name (e.g. ``Asia/Shanghai``).

    Raises:
        ValidationError: code ``invalid_time_zone`` when ``value`` is not in the IANA database
            shipped with Python/tzdata (https://www.iana.org/time-zones).
    """
    if value not in time_zone_names():
        raise ValidationError(
            _("“%(value)s” is not a known time zone."), code="invalid_time_zone", params={"value": value}
        )


class UserManager(BaseUserManager):
    """Creates users identified by email address (no usernames)."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        """Create an ordinary user. Returns the saved :class:`User`; raises ``ValueError`` without email."""
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        """Create a staff superuser (the portal's admin role)."""
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


def time_zone_choices() -> list[tuple[str, str]]:
    """``(value, label)`` pairs of every IANA time zone, sorted by name, for a ``<select>``."""
    return [(name, name) for name in sorted(time_zone_names())]


class User(AbstractBaseUser, PermissionsMixin):
    """A person who uses the portal. Roles: student and mentor are groups; admin means ``is_staff``."""

    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", "简体中文"
        EN = "en", "English"

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    language = models.CharField(_("preferred language"), max_length=10, choices=Language, default=Language.ZH_HANS)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=settings.TIME_ZONE, validators=[validate_time_zone]
    )
    is_staff = models.BooleanField(_("admin"), default=False, help_text=_("Admins may use the admin site."))
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    # Reminder preferences (used by the reminders app). Hours are local to ``time_zone``.
    remind_inactivity = models.BooleanField(_("inactivity nudges"), default=True)
    remind_behind = models.BooleanField(_("behind-schedule notices"), default=True)
    remind_digest = models.BooleanField(_("weekly mentor digest"), default=True)
    reminder_hour = models.PositiveSmallIntegerField(
        _("preferred hour"), default=9, validators=[MaxValueValidator(23)], help_text=_("0–23, local time")
    )
    quiet_hours_enabled = models.BooleanField(_("quiet hours"), default=True)
    quiet_hours_start = models.TimeField(_("quiet hours start"), default="22:00")
    quiet_hours_end = models.TimeField(_("quiet hours end"), default="07:00")

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(condition=models.Q(reminder_hour__lte=23), name="user_reminder_hour_range"),
        ]

    def __str__(self):
        return self.display_name or self.email

    def clean(self):
        """Lower-case the address before uniqueness is validated (admin forms), so ``A@x`` and
        ``a@x`` cannot become two accounts."""
        super().clean()
        self.email = (self.email or "").strip().lower()

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    def get_short_name(self):
        """The name shown in the navigation: display name, else the email's local part."""
        return self.display_name or self.email.split("@")[0]

    def get_full_name(self):
        """The display name, else the email address."""
        return self.display_name or self.email

    @property
    def is_mentor(self) -> bool:
        """True when the user is in the ``mentor`` group (cached per instance)."""
        return self._in_group("mentor")

    @property
    def is_student(self) -> bool:
        """True when the user is in the ``student`` group (cached per instance)."""
        return self._in_group("student")

    @property
    def role(self) -> str:
        """The user's role as a :class:`Role` value: admin (``is_staff``) wins over mentor over student.

        Returns ``""`` for a user without any role (e.g. a fresh ``createsuperuser`` without staff).
        """
        if self.is_staff:
            return Role.ADMIN
        if self.is_mentor:
            return Role.MENTOR
        if self.is_student:
            return Role.STUDENT
        return ""

    def get_role_display(self) -> str:
        """The translated name of :attr:`role`, or ``""`` without a role."""
        role = self.role
        return str(Role(role).label) if role else ""

    def _in_group(self, name: str) -> bool:
        cache = self.__dict__.setdefault("_group_names", None)
        if cache is None:
            cache = set(self.groups.values_list("name", flat=True)) if self.pk else set()
            self.__dict__["_group_names"] = cache
        return name in cache


class Invitation(models.Model):
    """An admin's invitation for one email address to sign up (the default sign-up policy)."""

    email = models.EmailField(_("email address"), unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("invited by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="sent_invitations",
    )  # fmt: skip
    role = models.CharField(_("role"), max_length=20, choices=INVITABLE_ROLES, default=Role.STUDENT)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[value for value, _label in INVITABLE_ROLES]), name="invitation_role_valid"
            ),
        ]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def expires_at(self) -> datetime.datetime | None:
        """When the most recently sent link stops working (aware datetime), or ``None`` if never sent.

        The lifetime is ``settings.INVITATION_EXPIRY_DAYS`` days from ``sent_at``; the signed token in
        the link carries the same timestamp (see :mod:`accounts.tokens`).
        """
        if self.sent_at is None:
            return None
        return self.sent_at + datetime.timedelta(days=settings.INVITATION_EXPIRY_DAYS)

    @property
    def status(self) -> str:
        """One of ``"accepted"``, ``"unsent"``, ``"expired"`` or ``"pending"`` (evaluated now)."""
        if self.accepted_at is not None:
            return "accepted"
        expires_at = self.expires_at
        if expires_at is None:
            return "unsent"
        return "expired" if expires_at <= timezone.now() else "pending"
