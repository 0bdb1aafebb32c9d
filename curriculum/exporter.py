"""Write the active curriculum back out as a guide in the importer's Markdown format.

:func:`guide_export` is the inverse of :func:`curriculum.importer.guide_import`: importing its output
into an empty database gives the same sections, requirements, prerequisites, resources, papers and
local references, field for field (``curriculum/tests/test_exporter.py`` checks this). Every item is
written with explicit metadata (slug, kind, arXiv id...) so the result does not depend on the
importer's inference rules.

Limits (content typed in the admin that the format cannot carry as is): Markdown has six heading
levels, so sections nested deeper than five levels below the title cannot be exported
(:class:`ExportError`); a heading line typed inside a section body is escaped (``\\#``) so it stays
body text.
"""

from __future__ import annotations

import re

from django.db.models import Prefetch

from curriculum import links as linkrules
from curriculum.importer import IMAGE_EXTENSIONS, REQUIREMENT_HEADINGS, is_requirements_title, meta_escape
from curriculum.models import KnowledgeRequirement, LocalReference, Paper, Resource, Section

#: Title written as the ``#`` heading when none is given.
DEFAULT_GUIDE_TITLE = "COIN 大语言模型学习路线"

_LIST_OR_BLOCK_RE = re.compile(r"^\s*(?:[*+-]|\d{1,9}[.)])[ \t]|^\s*(?:`{3}|~{3}|#|<|>|\|)")
_HEADING_LINE_RE = re.compile(r"^( {0,3})(#{1,6})(?=[ \t]|$)")
_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


class ExportError(Exception):
    """The curriculum holds something the guide format cannot express (message is one line)."""


def _meta_comment(pairs: list[tuple[str, str]]) -> str:
    return "<!-- " + "; ".join(f"{key}: {meta_escape(value)}" for key, value in pairs) + " -->"


def _destination(url: str) -> str:
    return f"<{url}>" if re.search(r"[\s()<>]", url) else url


def _note_is_plain(note: str) -> bool:
    """True when ``note`` reads back unchanged as continuation lines under a list item."""
    if not note:
        return True
    for line in note.split("\n"):
        if not line or line != line.strip() or _LIST_OR_BLOCK_RE.match(line):
            return False
        if "<!--" in line or "-->" in line or linkrules.links_in_line(line):
            return False
    return True


def _title_is_plain(title: str) -> bool:
    return bool(title) and title == title.strip() and "\n" not in title and "<!--" not in title


def _item_lines(item, pairs: list[tuple[str, str]]) -> list[str]:
    """A list item for a resource, paper or local reference, with its note as continuation lines."""
    note = getattr(item, "note", "")
    if _title_is_plain(item.title):
        text = linkrules.escape_text(item.title)
    else:
        text = ""
        pairs = [*pairs, ("title", item.title)]
    if not _note_is_plain(note):
        pairs = [*pairs, ("note", note)]
    target = _destination(item.path if isinstance(item, LocalReference) else item.url)
    lines = [f"* [{text}]({target}) {_meta_comment(pairs)}"]
    if _note_is_plain(note) and note:
        lines.extend(f"  {line}" for line in note.split("\n"))
    return lines


def _body_lines(body: str) -> list[str]:
    """The body as written, with heading lines outside code blocks escaped so they stay text."""
    out, fence = [], None
    for line in body.split("\n"):
        opening = _FENCE_RE.match(line)
        if fence is None and opening:
            fence = opening.group(1)[0]
        elif fence is not None and opening and opening.group(1)[0] == fence:
            fence = None
        elif fence is None:
            line = _HEADING_LINE_RE.sub(r"\1\\\2", line)
        out.append(line)
    return out


def _local_refs_in_body(body: str) -> dict[str, tuple[str, str]]:
    """``{path: (title, kind)}`` as the importer would read them from ``body``."""
    found: dict[str, tuple[str, str]] = {}
    for line in body.split("\n"):
        for link in linkrules.links_in_line(re.sub(r"<!--.*?-->", "", line)):
            if link.local_path and link.local_path not in found:
                image = link.syntax == "image" or link.local_path.lower().endswith(IMAGE_EXTENSIONS)
                found[link.local_path] = (link.text, "image" if image else "document")
    return found


def _section_heading(section: Section, level: int) -> str:
    title = section.title.strip()
    if title.endswith("#"):
        title += " #"  # a closing sequence, so the title's own '#' is kept (CommonMark 4.2)
    return f"{'#' * level} {title}"


def guide_export(*, title: str = DEFAULT_GUIDE_TITLE) -> str:
    """Render the active curriculum as a guide (Markdown text in the format of ``FORMAT.md``).

    Archived sections (and everything below them) and archived items are left out.

    Args:
        title: the text of the ``#`` title heading.
    Returns:
        The guide as a string ending with a newline.
    Raises:
        ExportError: when a section is nested too deep for Markdown headings.
    """
    active = Section.objects.filter(is_archived=False).order_by("order", "pk")
    sections = list(
        active.prefetch_related(
            Prefetch("resources", queryset=Resource.objects.filter(is_archived=False).order_by("order", "pk")),
            Prefetch("papers", queryset=Paper.objects.filter(is_archived=False).order_by("order", "pk")),
            Prefetch("requirements", queryset=KnowledgeRequirement.objects.order_by("order", "pk")),
            Prefetch("local_references", queryset=LocalReference.objects.filter(is_archived=False)),
            Prefetch("prerequisites", queryset=active),
        )
    )
    by_id = {s.pk: s for s in sections}
    children: dict[int | None, list[Section]] = {}
    for section in sections:
        if section.parent_id is None or section.parent_id in by_id:
            children.setdefault(section.parent_id, []).append(section)
    out = [f"# {title}", ""]

    def walk(nodes: list[Section], level: int) -> None:
        for section in nodes:
            if level > 6:
                raise ExportError(f"section {section.slug!r} is nested too deep for a Markdown heading")
            if is_requirements_title(section.title):
                raise ExportError(f"section {section.slug!r} is titled like a requirements heading; rename it")
            out.append(_section_heading(section, level))
            pairs = [("slug", section.slug)]
            reachable = [p.slug for p in section.prerequisites.all() if p.pk in by_id]
            if reachable:
                pairs.append(("requires", ", ".join(reachable)))
            if section.summary:
                pairs.append(("summary", section.summary))
            out.append(_meta_comment(pairs))
            out.append("")
            if section.body.strip():
                out.extend(_body_lines(section.body))
                out.append("")
            items: list[str] = []
            for resource in section.resources.all():
                items.extend(_item_lines(resource, [("kind", resource.kind)]))
            for paper in section.papers.all():
                pairs = [("kind", "paper")]
                if paper.arxiv_id or linkrules.arxiv_id(paper.url):
                    pairs.append(("arxiv", paper.arxiv_id))
                if paper.year:
                    pairs.append(("year", str(paper.year)))
                pairs.extend((name, getattr(paper, name)) for name in ("authors", "venue") if getattr(paper, name))
                items.extend(_item_lines(paper, pairs))
            in_body = _local_refs_in_body(section.body)
            for ref in sorted(section.local_references.all(), key=lambda r: (r.order, r.pk)):
                if in_body.get(ref.path) != (ref.title, ref.kind):
                    items.extend(_item_lines(ref, [("kind", ref.kind)]))
            if items:
                out.extend(items)
                out.append("")
            requirements = list(section.requirements.all())
            if requirements:
                if level >= 6:
                    raise ExportError(f"section {section.slug!r} is nested too deep to list its requirements")
                out.extend([f"{'#' * (level + 1)} {REQUIREMENT_HEADINGS[0]}", ""])
                out.extend(f"* {' '.join(req.text.split())}" for req in requirements)
                out.append("")
            walk(children.get(section.pk, []), level + 1)

    walk(children.get(None, []), 2)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"
