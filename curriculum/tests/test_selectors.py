"""curriculum_tree: document order, topics, subtree counts, archived sections left out."""

import pytest

from curriculum.importer import guide_import, guide_parse
from curriculum.models import Section
from curriculum.selectors import curriculum_tree, section_for_page

pytestmark = pytest.mark.django_db

GUIDE = """# T
## A
<!-- slug: a -->
### A1
<!-- slug: a1 -->
* [r](https://example.org/1)
#### A1x
<!-- slug: a1x -->
* [p](https://arxiv.org/abs/1706.03762)
* [r2](https://example.org/2)
### A2
<!-- slug: a2; requires: a1x -->
## B
<!-- slug: b; requires: a -->
"""


def test_tree_order_topics_and_counts():
    guide_import(parsed=guide_parse(GUIDE, source="t.md"))
    tree = curriculum_tree(with_counts=True)
    assert [(s.slug, s.depth, s.is_topic, s.topic_count) for s in tree.sections] == [
        ("a", 0, False, 2), ("a1", 1, False, 1), ("a1x", 2, True, 1), ("a2", 1, True, 1), ("b", 0, True, 1),
    ]  # fmt: skip
    a = tree.by_id[Section.objects.get(slug="a").pk]
    assert (a.total_resource_count, a.total_paper_count) == (2, 1)
    assert tree.topic_ids_under(a.pk) == list(
        Section.objects.filter(slug__in=["a1x", "a2"]).order_by("order").values_list("pk", flat=True)
    )
    assert [p.slug for p in tree.roots[1].prerequisites.all()] == ["a"]


def test_archived_sections_and_their_children_are_left_out():
    guide_import(parsed=guide_parse(GUIDE, source="t.md"))
    Section.objects.filter(slug="a1").update(is_archived=True)
    tree = curriculum_tree()
    assert [s.slug for s in tree.sections] == ["a", "a2", "b"]


def test_section_for_page_prefetches_active_items():
    guide_import(parsed=guide_parse(GUIDE, source="t.md"))
    section = section_for_page("a1x")
    assert [p.arxiv_id for p in section.papers.all()] == ["1706.03762"]
    assert [r.url for r in section.resources.all()] == ["https://example.org/2"]
