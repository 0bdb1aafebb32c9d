"""Admin pages of every curriculum model open for a superuser; the inline refuses prerequisite cycles."""

import pytest
from django.urls import reverse

from curriculum.importer import DEFAULT_CURRICULUM_PATH, guide_import, guide_read
from curriculum.models import KnowledgeRequirement, LocalReference, Paper, Prerequisite, Resource, Section

pytestmark = pytest.mark.django_db

MODELS = [Section, KnowledgeRequirement, Prerequisite, Resource, Paper, LocalReference]


@pytest.fixture
def curriculum():
    guide_import(parsed=guide_read(DEFAULT_CURRICULUM_PATH))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_change_and_add_pages_open(admin_client, curriculum, model):
    name = model._meta.model_name
    obj = model.objects.order_by("pk").first()
    for url in (
        reverse(f"admin:curriculum_{name}_changelist"),
        reverse(f"admin:curriculum_{name}_change", args=[obj.pk]),
        reverse(f"admin:curriculum_{name}_add"),
    ):
        assert admin_client.get(url).status_code == 200, url


def test_changelist_search_works(admin_client, curriculum):
    response = admin_client.get(reverse("admin:curriculum_paper_changelist"), {"q": "2203.02155"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [Paper.objects.get(arxiv_id="2203.02155")]


def _section_form(section, **inline_forms):
    data = {
        "title": section.title, "slug": section.slug, "parent": section.parent_id or "", "order": section.order,
        "summary": section.summary, "body": section.body,
    }  # fmt: skip
    for prefix in ("requirements", "prerequisite_links", "resources", "papers", "local_references"):
        forms = inline_forms.get(prefix, [])
        data.update({
            f"{prefix}-TOTAL_FORMS": len(forms), f"{prefix}-INITIAL_FORMS": 0,
            f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000,
        })  # fmt: skip
        for index, form in enumerate(forms):
            data.update({f"{prefix}-{index}-{key}": value for key, value in form.items()})
    return data


def test_inline_prerequisite_cycle_is_a_form_error(admin_client):
    a = Section.objects.create(slug="a", title="A", order=1)
    b = Section.objects.create(slug="b", title="B", order=2)
    Prerequisite.objects.create(section=b, required_section=a)
    url = reverse("admin:curriculum_section_change", args=[a.pk])

    response = admin_client.post(
        url, _section_form(a, prerequisite_links=[{"required_section": b.pk, "section": a.pk}])
    )

    assert response.status_code == 200
    formset = next(f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "prerequisite_links")
    assert formset.formset.forms[0].errors.as_data()["required_section"][0].code == "prerequisite_cycle"
    assert list(Prerequisite.objects.values_list("section__slug", "required_section__slug")) == [("b", "a")]


def test_inline_prerequisite_without_cycle_is_saved(admin_client):
    a = Section.objects.create(slug="a", title="A", order=1)
    b = Section.objects.create(slug="b", title="B", order=2)
    url = reverse("admin:curriculum_section_change", args=[b.pk])

    response = admin_client.post(
        url, _section_form(b, prerequisite_links=[{"required_section": a.pk, "section": b.pk}])
    )

    assert response.status_code == 302
    assert list(Prerequisite.objects.values_list("section__slug", "required_section__slug")) == [("b", "a")]
