"""Shared test helpers: a field-by-field snapshot of the curriculum keyed by stable keys."""

import re

from curriculum.importer import DEFAULT_CURRICULUM_PATH
from curriculum.models import KnowledgeRequirement, LocalReference, Paper, Prerequisite, Resource, Section


def curriculum_snapshot() -> dict:
    """Every curriculum row as plain values keyed by slug/URL/path (ids and timestamps left out)."""
    slug = {s.pk: s.slug for s in Section.objects.all()}
    return {
        "sections": {
            s.slug: (s.title, slug.get(s.parent_id), s.order, s.summary, s.body, s.body_html, s.is_archived)
            for s in Section.objects.all()
        },
        "requirements": sorted((slug[r.section_id], r.order, r.text) for r in KnowledgeRequirement.objects.all()),
        "prerequisites": sorted((slug[p.section_id], slug[p.required_section_id]) for p in Prerequisite.objects.all()),
        "resources": {
            r.url: (r.title, slug[r.section_id], r.kind, r.note, r.order, r.is_archived) for r in Resource.objects.all()
        },
        "papers": {
            p.url: (p.title, slug[p.section_id], p.note, p.order, p.arxiv_id, p.authors, p.year, p.venue, p.is_archived)
            for p in Paper.objects.all()
        },
        "local_refs": {
            r.path: (r.title, slug[r.section_id], r.kind, r.order, r.is_archived, r.file.name)
            for r in LocalReference.objects.all()
        },
    }


def default_text() -> str:
    """The text of the project's default curriculum file."""
    return DEFAULT_CURRICULUM_PATH.read_text(encoding="utf-8")


def tripled_default_text() -> str:
    """The default curriculum three times over (slugs, URLs and file paths made distinct per copy):
    81 sections, 126 resources, 57 papers, 9 local references -- three times the guide's size."""
    text = default_text()
    body = text.split("\n", 1)[1]  # without the "#" title
    copies = [text]
    for k in (2, 3):
        copy = re.sub(r"slug: ([\w-]+)", rf"slug: \1-{k}", body)
        copy = re.sub(
            r"requires: ([^;>]+?)(;| -->)",
            lambda m, k=k: "requires: " + ", ".join(f"{s.strip()}-{k}" for s in m.group(1).split(",")) + m.group(2),
            copy,
        )
        copy = re.sub(r"\]\((https?://[^)\s]+)\)", rf"](\1#copy-{k})", copy)
        copy = re.sub(r"\]\((figure/|LLM\.pdf)", rf"](copy-{k}/\1", copy)
        copies.append(copy)
    return "\n".join(copies)
