"""Admin: link-health filter and column on resources/papers, "check now" action, link and report admins."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from linkcheck.models import LinkCheckRun, LinkReport, LinkStatus
from linkcheck.tests.factories import LinkFactory, PaperFactory, ResourceFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(StaffFactory())
    return client


def test_resources_can_be_filtered_by_link_health(admin_client):
    broken = ResourceFactory(title="Broken one")
    fine = ResourceFactory(title="Fine one")
    unchecked = ResourceFactory(title="Never checked")
    LinkFactory(url=broken.url, status=LinkStatus.BROKEN, broken_since=timezone.now())
    LinkFactory(url=fine.url, status=LinkStatus.OK)
    changelist = reverse("admin:curriculum_resource_changelist")

    def titles(value):
        response = admin_client.get(changelist, {"link_health": value})
        return sorted(r.title for r in response.context["cl"].result_list)

    assert titles("broken") == ["Broken one"]
    assert titles("ok") == ["Fine one"]
    assert titles("unchecked") == ["Never checked"]
    cl = admin_client.get(changelist).context["cl"]
    with translation.override("en"):
        column = {r.title: str(cl.model_admin.link_health(r)) for r in cl.result_list}
    assert column == {"Broken one": "Broken (Broken)", "Fine one": "OK", unchecked.title: "Not checked yet"}


def test_check_now_action_on_papers(admin_client, server, django_capture_on_commit_callbacks):
    server.expect_request("/paper").respond_with_data("ok")
    paper = PaperFactory(url=server.url_for("/paper"))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:curriculum_paper_changelist"),
            {"action": "check_links_now", "_selected_action": [paper.pk]},
        )
    assert response.status_code == 302
    run = LinkCheckRun.objects.get()
    assert (run.scope, run.checked) == ("links", 1)


def test_link_admin_pages_render(admin_client):
    link = LinkFactory(status=LinkStatus.BROKEN, broken_since=timezone.now())
    LinkReport.objects.create(link=link, user=UserFactory(), comment="dead")
    assert admin_client.get(reverse("admin:linkcheck_link_changelist"), {"broken": "yes"}).status_code == 200
    assert admin_client.get(reverse("admin:linkcheck_link_change", args=[link.pk])).status_code == 200
    assert admin_client.get(reverse("admin:linkcheck_linkreport_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:linkcheck_linkcheckrun_changelist")).status_code == 200


def test_report_admin_resolve_action(admin_client):
    report = LinkReport.objects.create(link=LinkFactory(), user=UserFactory())
    admin_client.post(
        reverse("admin:linkcheck_linkreport_changelist"), {"action": "reports_resolve", "_selected_action": [report.pk]}
    )
    report.refresh_from_db()
    assert report.status == LinkReport.Status.RESOLVED
