"""The exporter: importing an export gives the same curriculum, field for field."""

import pytest

from curriculum.exporter import ExportError, guide_export
from curriculum.importer import DEFAULT_CURRICULUM_PATH, guide_import, guide_parse, guide_read
from curriculum.models import LocalReference, Paper, Resource, Section
from curriculum.tests.helpers import curriculum_snapshot

pytestmark = pytest.mark.django_db


def _reimport_into_empty_database(text):
    Section.objects.all().delete()  # cascades to every other curriculum row
    assert curriculum_snapshot() == {
        k: ({} if k not in ("requirements", "prerequisites") else []) for k in curriculum_snapshot()
    }
    guide_import(parsed=guide_parse(text, source="export.md"))


def test_default_curriculum_round_trips():
    guide_import(parsed=guide_read(DEFAULT_CURRICULUM_PATH))
    before = curriculum_snapshot()
    text = guide_export()

    _reimport_into_empty_database(text)

    assert curriculum_snapshot() == before
    assert guide_export() == text
    assert text.startswith("# COIN 大语言模型学习路线\n\n## 提示工程\n<!-- slug: prompt-engineering; summary: ")


def test_lab_guide_round_trips(shared_dir):
    guide_import(parsed=guide_read(shared_dir / "seeds" / "coin-guide.md"))
    before = curriculum_snapshot()

    _reimport_into_empty_database(guide_export(title="COIN 新生大语言模型培训指南"))

    assert curriculum_snapshot() == before


def test_admin_edits_the_format_must_escape_round_trip():
    guide_import(
        parsed=guide_parse(
            "## A\n<!-- slug: a -->\n正文\n### B\n<!-- slug: b; requires: a -->\n"
            "* [x](https://example.org/x)\n* [p](https://arxiv.org/abs/1706.03762)\n![](img/a.png)\n",
            source="base.md",
        )
    )
    Section.objects.filter(slug="a").update(title="C#", summary="一; 二\n三 <!-- -->")
    Resource.objects.filter(url="https://example.org/x").update(
        title=r"[RFC] a \ b", note="第一行\n* 第二行 https://example.org/y", kind=Resource.Kind.TOOL
    )
    Paper.objects.filter(arxiv_id="1706.03762").update(arxiv_id="", authors="A; B", venue="V <x>", year=2017)
    section_b = Section.objects.get(slug="b")
    Resource.objects.create(section=section_b, title="Foo", url="https://en.wikipedia.org/wiki/Foo_(bar)", order=2)
    LocalReference.objects.filter(path="img/a.png").update(kind=LocalReference.Kind.DOCUMENT)
    LocalReference.objects.create(
        section=Section.objects.get(slug="a"), path="docs/extra notes.pdf", title="附件", order=1
    )
    before = curriculum_snapshot()

    _reimport_into_empty_database(guide_export())

    assert curriculum_snapshot() == before


def test_archived_rows_are_left_out():
    guide_import(
        parsed=guide_parse(
            "## A\n<!-- slug: a -->\n* [x](https://example.org/x)\n## B\n<!-- slug: b -->\n", source="t.md"
        )
    )
    Section.objects.filter(slug="b").update(is_archived=True)
    Resource.objects.update(is_archived=True)
    assert guide_export(title="T") == "# T\n\n## A\n<!-- slug: a -->\n"


def test_sections_too_deep_for_markdown_cannot_be_exported():
    parent = None
    for depth in range(6):
        parent = Section.objects.create(slug=f"s{depth}", title=f"S{depth}", parent=parent, order=depth)
    with pytest.raises(ExportError) as excinfo:
        guide_export()
    assert str(excinfo.value) == "section 's5' is nested too deep for a Markdown heading"
