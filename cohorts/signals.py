"""Signal receivers: a new account picks up the cohort its email address was invited to."""

from django.db.models.signals import post_save
from django.dispatch import receiver


@receiver(post_save, sender="accounts.User", dispatch_uid="cohorts_pending_enrollment_on_signup")
def enroll_invited_user(sender, instance, created, raw=False, **kwargs):
    """On account creation (sign-up, social login, admin, createsuperuser) resolve the address's
    pending enrollment through :func:`cohorts.services.pending_enrollments_resolve`.
    Fixture loading (``raw``) is left alone."""
    if not created or raw:
        return
    from cohorts.services import pending_enrollments_resolve

    pending_enrollments_resolve(user=instance)
