"""Model invariants: acyclic prerequisites, rendered bodies, hosts and arXiv URLs."""

import pytest
from django.core.exceptions import ValidationError

from curriculum.models import Paper, Prerequisite, Section, prerequisite_cycle
from curriculum.tests.factories import PaperFactory, PrerequisiteFactory, ResourceFactory, SectionFactory

pytestmark = pytest.mark.django_db


def test_prerequisite_cycle_is_refused_on_save():
    a, b, c = SectionFactory(), SectionFactory(), SectionFactory()
    PrerequisiteFactory(section=b, required_section=a)
    PrerequisiteFactory(section=c, required_section=b)

    with pytest.raises(ValidationError) as excinfo:
        Prerequisite(section=a, required_section=c).save()

    assert excinfo.value.error_dict["required_section"][0].code == "prerequisite_cycle"
    assert Prerequisite.objects.count() == 2


def test_prerequisite_on_itself_is_refused():
    a = SectionFactory()
    with pytest.raises(ValidationError):
        Prerequisite(section=a, required_section=a).save()
    assert Prerequisite.objects.count() == 0


def test_prerequisite_cycle_function():
    edges = {2: {1}, 3: {2}}
    assert prerequisite_cycle(1, 3, edges) is True
    assert prerequisite_cycle(3, 1, edges) is False
    assert prerequisite_cycle(4, 4, edges) is True


def test_section_body_is_rendered_on_save_and_on_update_fields():
    section = SectionFactory(body="**粗体**")
    assert section.body_html == "<p><strong>粗体</strong></p>"
    section.body = "*斜体*"
    section.save(update_fields=["body"])
    assert Section.objects.get(pk=section.pk).body_html == "<p><em>斜体</em></p>"


def test_host_and_arxiv_url():
    assert ResourceFactory(url="https://www.bilibili.com/video/BV1").host == "bilibili.com"
    assert PaperFactory(arxiv_id="2203.02155").arxiv_url == "https://arxiv.org/abs/2203.02155"
    assert PaperFactory(arxiv_id="").arxiv_url == ""


def test_section_cannot_be_inside_itself():
    a = SectionFactory()
    b = SectionFactory(parent=a)
    a.parent = b
    with pytest.raises(ValidationError) as excinfo:
        a.clean()
    assert list(excinfo.value.error_dict) == ["parent"]


@pytest.mark.django_db
def test_section_body_is_stored_with_unix_line_endings():
    """Regression: a body saved from the admin's textarea kept CRLF, and export_guide then wrote mixed line endings."""
    from curriculum.tests.factories import SectionFactory

    section = SectionFactory(body="第一行\r\n\r\n第二行\r", summary="一\r\n二")
    section.refresh_from_db()
    assert (section.body, section.summary) == ("第一行\n\n第二行\n", "一\n二")
    assert section.body_html == "<p>第一行</p>\n<p>第二行</p>"


@pytest.mark.parametrize(
    ("name", "ok"), [("poe1.png", True), ("LLM.pdf", True), ("evil.svg", False), ("page.html", False)]
)
def test_local_reference_accepts_only_images_and_pdf(name, ok):
    """Regression: an SVG with a script could be uploaded as a guide figure and served from our origin."""
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from curriculum.tests.factories import LocalReferenceFactory

    ref = LocalReferenceFactory.build(section=LocalReferenceFactory().section, path="figure/new.png")
    ref.file = SimpleUploadedFile(name, b"data")
    if ok:
        ref.full_clean()
    else:
        with pytest.raises(ValidationError) as error:
            ref.full_clean()
        assert list(error.value.message_dict) == ["file"]
@pytest.mark.parametrize(
    ("venue", "year", "expected"),
    [("NeurIPS 2020", 2020, ""), ("NeurIPS", 2020, "2020"), ("ICLR 2021", 2020, "2020"), ("ACL", None, "")],
)
def test_paper_year_label(venue, year, expected):
    assert Paper(title="p", url="https://x.org", venue=venue, year=year).year_label == expected
