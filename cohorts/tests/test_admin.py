"""Django admin for cohorts: list, change page with the bulk-enroll link, inlines writing through
the services, and the admin bulk-enroll view."""

import pytest
from django.urls import reverse

from accounts.tests.factories import AdminFactory, MentorFactory, StudentFactory
from cohorts.models import Cohort, Enrollment, PaceMilestone
from cohorts.tests.factories import CohortFactory, EnrollmentFactory
from curriculum.tests.factories import SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    """An admin, logged in, with English pages."""
    from django.conf import settings

    client.force_login(AdminFactory())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _inline_management(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_changelist_and_change_page(admin_client, scenario):
    response = admin_client.get(reverse("admin:cohorts_cohort_changelist"))
    assert response.status_code == 200
    assert "2026 秋季" in response.content.decode()
    response = admin_client.get(reverse("admin:cohorts_cohort_change", args=[scenario.cohort.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("admin:cohorts_cohort_bulk_enroll", args=[scenario.cohort.pk]) in html
    assert reverse("cohorts:cohort_detail", args=[scenario.cohort.pk]) in html
    # The pace plan offers top-level sections only.
    section_choices = response.context["inline_admin_formsets"][0].formset.forms[0].fields["section"].queryset
    assert set(section_choices) == {scenario.part_a, scenario.part_b, scenario.topic_t}


def test_admin_creates_a_cohort_with_plan_mentor_and_students(admin_client):
    part = SectionFactory(parent=None)
    SectionFactory(parent=part)
    mentor = MentorFactory()
    student, busy = StudentFactory(), StudentFactory()
    EnrollmentFactory(user=busy)  # active elsewhere
    data = {
        "name": "2027 春季",
        "start_date": "2027-03-01",
        "end_date": "2027-06-20",
        "mentors": [mentor.pk],
        **_inline_management("milestones", total=1),
        "milestones-0-section": part.pk,
        "milestones-0-due_week": "3",
        **_inline_management("enrollments", total=1),
        "enrollments-0-user": student.pk,
        "enrollments-0-enrolled_on": "2027-03-01",
        "enrollments-0-is_active": "on",
        **_inline_management("pending_enrollments"),
    }
    response = admin_client.post(reverse("admin:cohorts_cohort_add"), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    cohort = Cohort.objects.get(name="2027 春季")
    assert list(cohort.mentors.all()) == [mentor]
    assert list(PaceMilestone.objects.filter(cohort=cohort).values_list("section", "due_week")) == [(part.pk, 3)]
    assert list(cohort.enrollments.values_list("user", "is_active")) == [(student.pk, True)]

    # A student active in another cohort is refused with the constraint's message.
    data.update({"name": "2027 夏季", "enrollments-0-user": busy.pk})
    response = admin_client.post(reverse("admin:cohorts_cohort_add"), data)
    assert response.status_code == 200
    assert "This student already has an active enrollment in another cohort." in response.content.decode()
    assert not Cohort.objects.filter(name="2027 夏季").exists()


def test_admin_bulk_enroll_view(admin_client):
    cohort = CohortFactory()
    StudentFactory(email="known@x.org")
    url = reverse("admin:cohorts_cohort_bulk_enroll", args=[cohort.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"emails": "known@x.org; bad@"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "known@x.org" in html and "bad@" in html
    assert Enrollment.objects.filter(cohort=cohort, user__email="known@x.org").exists()
    assert admin_client.get(reverse("admin:cohorts_cohort_bulk_enroll", args=[999999])).status_code == 404


def test_enrollment_admin_end_action(admin_client):
    enrollment = EnrollmentFactory()
    response = admin_client.post(
        reverse("admin:cohorts_enrollment_changelist"),
        {"action": "end_enrollments", "_selected_action": [enrollment.pk]},
    )
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.is_active is False
