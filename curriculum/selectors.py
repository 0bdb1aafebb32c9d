"""Read queries over the curriculum. The tree is small (tens of sections), so it is loaded in one
query and walked in memory; every page that needs it costs the same few queries whatever its size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from curriculum.models import KnowledgeRequirement, LocalReference, Paper, Prerequisite, Resource, Section


@dataclass
class CurriculumTree:
    """The active sections in document order, with parent/child links resolved in memory.

    Attributes:
        sections: every active section in depth-first document order; each carries ``depth``
            (0 for top level), ``child_list``, ``is_topic`` and ``topic_count`` (topics in its
            subtree, 1 for a topic) attributes set here; with counts also ``total_resource_count``
            and ``total_paper_count`` (active items in its subtree).
        by_id: the same sections keyed by primary key.
        roots: the top-level sections in order.
    """

    sections: list[Section]
    by_id: dict[int, Section] = field(default_factory=dict)
    roots: list[Section] = field(default_factory=list)

    def topic_ids_under(self, section_id: int) -> list[int]:
        """Ids of the topics (leaf sections) in the subtree of ``section_id``, itself included.

        Raises ``KeyError`` for an id that is not an active section.
        """
        node = self.by_id[section_id]
        if node.is_topic:
            return [node.pk]
        out: list[int] = []
        stack = list(reversed(node.child_list))
        while stack:
            current = stack.pop()
            if current.is_topic:
                out.append(current.pk)
            else:
                stack.extend(reversed(current.child_list))
        return out

    @property
    def topics(self) -> list[Section]:
        """All topics in document order."""
        return [s for s in self.sections if s.is_topic]

    def root_of(self, section_id: int) -> Section:
        """The top-level section that contains ``section_id`` (itself when it is top level)."""
        node = self.by_id[section_id]
        while node.parent_id is not None and node.parent_id in self.by_id:
            node = self.by_id[node.parent_id]
        return node


def curriculum_tree(*, with_counts: bool = False) -> CurriculumTree:
    """Load the active curriculum as a :class:`CurriculumTree`.

    Args:
        with_counts: also annotate ``resource_count`` and ``paper_count`` (active items) and
            prefetch each section's prerequisites (two queries more).
    Returns:
        The tree. Archived sections and everything below them are left out.
    """
    qs = Section.objects.filter(is_archived=False).order_by("order", "pk")
    if with_counts:
        qs = qs.annotate(
            resource_count=Count("resources", filter=Q(resources__is_archived=False), distinct=True),
            paper_count=Count("papers", filter=Q(papers__is_archived=False), distinct=True),
        ).prefetch_related(
            Prefetch("prerequisites", queryset=Section.objects.filter(is_archived=False).order_by("order"))
        )
    rows = list(qs)
    by_id = {s.pk: s for s in rows}
    children: dict[int | None, list[Section]] = {}
    for s in rows:
        if s.parent_id is not None and s.parent_id not in by_id:
            continue  # below an archived section
        children.setdefault(s.parent_id, []).append(s)
    ordered: list[Section] = []

    def walk(nodes: list[Section], depth: int) -> None:
        for node in nodes:
            node.depth = depth
            node.child_list = children.get(node.pk, [])
            node.is_topic = not node.child_list
            ordered.append(node)
            walk(node.child_list, depth + 1)
            node.topic_count = sum(c.topic_count for c in node.child_list) if node.child_list else 1
            if with_counts:
                node.total_resource_count = node.resource_count + sum(c.total_resource_count for c in node.child_list)
                node.total_paper_count = node.paper_count + sum(c.total_paper_count for c in node.child_list)

    roots = children.get(None, [])
    walk(roots, 0)
    return CurriculumTree(sections=ordered, by_id={s.pk: s for s in ordered}, roots=roots)


def section_for_page(slug: str) -> Section:
    """Load one active section with everything its page shows, in a fixed number of queries.

    Prefetched: active ``resources`` and ``papers`` (ordered), ``requirements``, active
    ``prerequisites`` and ``local_references``. Raises ``Http404`` when the slug is unknown or archived,
    or holds a NUL character (PostgreSQL refuses to compare text containing one: that was a 500).
    """
    if "\x00" in slug:
        raise Http404("No section matches the given query.")
    active_sections = Section.objects.filter(is_archived=False).order_by("order", "pk")
    qs = Section.objects.filter(is_archived=False).prefetch_related(
        Prefetch("resources", queryset=Resource.objects.filter(is_archived=False).order_by("order", "pk")),
        Prefetch("papers", queryset=Paper.objects.filter(is_archived=False).order_by("order", "pk")),
        Prefetch("requirements", queryset=KnowledgeRequirement.objects.order_by("order", "pk")),
        Prefetch("prerequisites", queryset=active_sections),
        Prefetch("local_references", queryset=LocalReference.objects.filter(is_archived=False)),
    )
    return get_object_or_404(qs, slug=slug)


def prerequisite_edges() -> dict[int, set[int]]:
    """All prerequisite edges as ``{section_id: {required_section_id, ...}}`` (one query)."""
    edges: dict[int, set[int]] = {}
    for sid, rid in Prerequisite.objects.values_list("section_id", "required_section_id"):
        edges.setdefault(sid, set()).add(rid)
    return edges
