"""Import a guide written in the lab's Markdown format into the curriculum.

Two steps, kept apart so the first can be tested without a database:

1. :func:`guide_read` / :func:`guide_parse` are pure functions that turn the Markdown into a
   :class:`ParsedGuide` (plain dataclasses) or raise :class:`GuideError` naming the file and line.
2. :func:`guide_import` compares a :class:`ParsedGuide` with the database and writes the difference in
   one transaction (or only reports it, with ``dry_run=True``), returning an :class:`ImportReport`.

The format (the one of ``shared/seeds/coin-guide.md``, documented in ``curriculum/data/FORMAT.md``):

* The single ``#`` heading is the guide's title. ``##`` headings are top-level sections; deeper
  headings nest below the nearest shallower one. A level may not be skipped (``##`` then ``####``).
* A heading titled ``知识储备要求`` (optionally followed by ``:`` or ``：``) is not a section: its list
  items are the knowledge requirements of the enclosing section.
* Web links (``[text](url)``, ``<url>``, bare ``https://...``) become resources or papers, keyed by
  their URL with tracking parameters removed (:mod:`curriculum.links`). arXiv links, PDF links, known
  paper hosts and every link under a papers heading (``主要论文``, ``论文``) are papers.
* A list item that is just a link (optionally ``label：`` before it, text after it) is moved out of
  the section body into the resource list; its text after the link and its continuation lines
  become the resource's note. Other links stay in the body and are recorded too; bare URLs there
  are written as autolinks (``<https://...>``) so the page links them.
* Relative links and images (``![](figure/poe1.png)``, ``[《大语言模型》](LLM.pdf)``) become local
  references; they stay in the body, where they resolve to ``curriculum:local_file``.
* Optional metadata in HTML comments: right after a heading
  ``<!-- slug: pytorch; requires: nn-basics, prompt-engineering; summary: One line. -->``, and at the end
  of a link's line ``<!-- kind: paper; arxiv: 1706.03762; year: 2017; authors: A, B; venue: NeurIPS -->``.
  Values are separated by ``;``; inside a value ``\\;``, ``\\-``, ``\\\\`` and ``\\n`` stand for ``;``,
  ``-``, ``\\`` and a line break (the exporter writes ``--`` as ``-\\-`` so a value never closes the comment).

Stable keys: sections by slug, resources and papers by URL, local references by path. Items missing
from a re-imported guide are archived (never deleted); items that come back are un-archived.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_unicode_slug
from django.db import transaction
from django.utils.text import slugify

from curriculum import links as linkrules

#: The portal's own curriculum, loaded by ``manage.py setup_demo``.
DEFAULT_CURRICULUM_PATH = Path(__file__).resolve().parent / "data" / "default_curriculum.md"

#: Heading titles (compared after removing a trailing ``:``/``：`` and spaces, case-insensitive)
#: whose list items are the parent section's knowledge requirements.
REQUIREMENT_HEADINGS = ("知识储备要求", "knowledge requirements")

#: Heading titles (compared the same way) of sections that list papers: all their web links are papers.
PAPER_HEADINGS = ("主要论文", "论文", "相关论文", "经典论文", "必读论文", "papers", "key papers")

#: Local files shown inline as images (by extension, lower case).
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp")

#: Resource kinds accepted in ``kind:`` metadata (the values of ``Resource.Kind``) plus ``paper``.
WEB_KINDS = (
    linkrules.ARTICLE,
    linkrules.DOCUMENTATION,
    linkrules.VIDEO,
    linkrules.COURSE,
    linkrules.BOOK,
    linkrules.REPOSITORY,
    linkrules.TOOL,
    linkrules.PLATFORM,
    linkrules.PAPER,
)
LOCAL_KINDS = ("image", "document")

HEADING_META_KEYS = ("slug", "requires", "summary")
ITEM_META_KEYS = ("kind", "title", "note", "arxiv", "authors", "year", "venue")
PAPER_ONLY_KEYS = ("arxiv", "authors", "year", "venue")

# Field sizes of curriculum.models (kept here so the parser needs no database).
MAX_SECTION_TITLE = 200
MAX_SLUG = 200
MAX_LINK_TITLE = 300
MAX_URL = 2000
MAX_PATH = 500
MAX_REQUIREMENT = 500
MAX_AUTHORS = 500
MAX_VENUE = 200
MAX_ARXIV_ID = 32

_HEADING_RE = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LIST_ITEM_RE = re.compile(r"^\s*(?:[*+-]|\d{1,9}[.)])[ \t]+(?P<content>.*)$")
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_LABEL_RE = re.compile(r"^(?P<label>[^\s].{0,79}?)\s*[:：]\s*$")
_NOTE_LEAD = " \t:：,，;；-–—、"
_META_ESCAPE_RE = re.compile(r"\\(.)")


class GuideError(Exception):
    """Bad input: the message is one line, ``"<file>:<line>: <what is wrong>"``."""

    def __init__(self, source: str, line: int | None, message: str):
        self.source = source
        self.line = line
        self.message = message
        super().__init__(f"{source}:{line}: {message}" if line else f"{source}: {message}")


# --- The parsed guide: plain data ---------------------------------------------------------------


@dataclass
class ParsedSection:
    """A section heading. ``order`` is its 1-based position in the document."""

    slug: str
    title: str
    parent_slug: str | None
    order: int
    line: int
    summary: str = ""
    body: str = ""
    requirements: list[str] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)


@dataclass
class ParsedLink:
    """A web link: a resource (``kind`` is a ``Resource.Kind`` value) or a paper (``kind == "paper"``).

    ``order`` is its 1-based position among the section's resources (or papers).
    """

    url: str
    title: str
    section_slug: str
    kind: str
    order: int
    line: int
    note: str = ""
    arxiv_id: str = ""
    authors: str = ""
    year: int | None = None
    venue: str = ""


@dataclass
class ParsedLocalRef:
    """A relative file link (``kind`` is ``"image"`` or ``"document"``)."""

    path: str
    title: str
    kind: str
    section_slug: str
    order: int
    line: int


@dataclass
class ParsedGuide:
    """Everything :func:`guide_parse` read from one guide, in document order."""

    source: str
    title: str
    sections: list[ParsedSection]
    resources: list[ParsedLink]
    papers: list[ParsedLink]
    local_refs: list[ParsedLocalRef]
    warnings: list[str] = field(default_factory=list)

    @property
    def requirement_count(self) -> int:
        """Number of knowledge requirements over all sections."""
        return sum(len(s.requirements) for s in self.sections)

    @property
    def prerequisite_count(self) -> int:
        """Number of prerequisite edges."""
        return sum(len(s.requires) for s in self.sections)


# --- Parsing ------------------------------------------------------------------------------------


@dataclass
class _Line:
    no: int
    raw: str
    fenced: bool  # inside (or opening/closing) a fenced code block
    visible: str = ""  # raw without HTML comments
    trailing_comment: str | None = None  # body of a comment that ends the line


@dataclass
class _Heading:
    line: int
    level: int
    title: str
    content: list[_Line] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    meta_line: int = 0
    is_requirements: bool = False
    section: ParsedSection | None = None
    parent: _Heading | None = None  # the enclosing section heading


@dataclass
class _Occurrence:
    """One appearance of a link target; the best appearance of each target wins."""

    key: str  # cleaned URL, or local path
    is_web: bool
    heading: _Heading
    line: int
    position: int
    rank: int
    title: str
    note: str
    meta: dict[str, str]
    image_syntax: bool = False


def _normalise_heading_title(title: str) -> str:
    return title.strip().rstrip(":：").strip().lower()


def is_requirements_title(title: str) -> bool:
    """True for a heading title in :data:`REQUIREMENT_HEADINGS` (a trailing ``:``/``：`` is ignored)."""
    return _normalise_heading_title(title) in REQUIREMENT_HEADINGS


def _is_papers_title(title: str) -> bool:
    return _normalise_heading_title(title) in PAPER_HEADINGS


def meta_unescape(value: str) -> str:
    """Undo :func:`meta_escape`: ``\\n`` is a line break, ``\\X`` is ``X``."""
    return _META_ESCAPE_RE.sub(lambda m: "\n" if m.group(1) == "n" else m.group(1), value)


def meta_escape(value: str) -> str:
    """Escape a metadata value: ``\\`` and ``;`` get a backslash, a ``-`` right after another ``-`` too
    (so ``<!--`` and ``-->`` never appear inside a comment), a line break becomes ``\\n``."""
    value = re.sub(r"([\\;])", r"\\\1", value)
    value = re.sub(r"(?<=-)-", r"\\-", value)
    return value.replace("\r\n", "\n").replace("\n", "\\n")


def _split_meta_pairs(body: str) -> list[str]:
    parts, current, i = [], [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            current.append(body[i : i + 2])
            i += 2
            continue
        if ch == ";":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def _parse_meta(body: str, *, source: str, line: int, allowed: tuple[str, ...]) -> dict[str, str]:
    """Parse ``key: value; key: value`` (the inside of an HTML comment) into a dict."""
    meta: dict[str, str] = {}
    for part in _split_meta_pairs(body):
        if not part.strip():
            continue
        match = re.match(r"\s*([A-Za-z_]+)\s*[:：](.*)$", part, re.DOTALL)
        if not match:
            raise GuideError(
                source, line, f"metadata must be 'key: value' pairs separated by ';', got {part.strip()!r}"
            )
        key, value = match.group(1).lower(), meta_unescape(match.group(2).strip())
        if key not in allowed:
            raise GuideError(source, line, f"unknown metadata key {key!r} (allowed here: {', '.join(allowed)})")
        if key in meta:
            raise GuideError(source, line, f"metadata key {key!r} given twice")
        meta[key] = value
    return meta


def _tokenise(text: str, source: str) -> tuple[list[_Line], list[_Heading]]:
    """Split the text into lines, find fenced code, HTML comments and headings.

    Returns the lines before the first heading and the headings (each with its content lines).
    """
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    preamble: list[_Line] = []
    headings: list[_Heading] = []
    fence: tuple[str, int] | None = None
    in_comment, comment_line = False, 0
    for no, raw in enumerate(raw_lines, start=1):
        target = headings[-1].content if headings else preamble
        if fence is not None:
            target.append(_Line(no, raw, fenced=True))
            closing = _FENCE_RE.match(raw)
            if (
                closing
                and closing.group(1)[0] == fence[0]
                and len(closing.group(1)) >= fence[1]
                and not raw.strip().lstrip(fence[0])
            ):
                fence = None
            continue
        if in_comment:
            end = raw.find("-->")
            if end == -1:
                target.append(_Line(no, raw, fenced=False, visible=""))
                continue
            in_comment = False
            visible_part = raw[end + 3 :]
            line = _Line(no, raw, fenced=False)
            line.visible = _COMMENT_RE.sub("", visible_part)
            target.append(line)
            continue
        opening = _FENCE_RE.match(raw)
        if opening:
            fence = (opening.group(1)[0], len(opening.group(1)))
            target.append(_Line(no, raw, fenced=True))
            continue
        heading = _HEADING_RE.match(raw)
        if heading:
            title = (heading.group(2) or "").strip()
            if not title:
                raise GuideError(source, no, "empty heading")
            headings.append(_Heading(line=no, level=len(heading.group(1)), title=title))
            continue
        line = _Line(no, raw, fenced=False)
        stripped = raw.rstrip()
        if stripped.endswith("-->") and "<!--" in stripped:
            start = stripped.rfind("<!--")
            line.trailing_comment = stripped[start + 4 : -3]
            before = stripped[:start]
        else:
            before = raw
        visible = _COMMENT_RE.sub("", before)
        if "<!--" in visible:
            in_comment, comment_line = True, no
            visible = visible[: visible.find("<!--")]
        line.visible = visible
        target.append(line)
    if fence is not None:
        opener = next(ln for ln in reversed(headings[-1].content if headings else preamble) if _FENCE_RE.match(ln.raw))
        raise GuideError(source, opener.no, "code block is never closed")
    if in_comment:
        raise GuideError(source, comment_line, "HTML comment is never closed ('-->' missing)")
    return preamble, headings


def _take_heading_meta(heading: _Heading, source: str) -> None:
    """Move a metadata comment that directly follows ``heading`` out of its content into ``meta``."""
    index = 0
    content = heading.content
    while index < len(content) and not content[index].fenced and not content[index].raw.strip():
        index += 1
    if index >= len(content) or content[index].fenced or not content[index].raw.lstrip().startswith("<!--"):
        return
    collected, end = [], index
    while end < len(content):
        collected.append(content[end].raw)
        if "-->" in content[end].raw:
            break
        end += 1
    joined = "\n".join(collected).strip()
    close = joined.find("-->")
    if joined[close + 3 :].strip():
        return  # a comment followed by text on the same line: ordinary body text
    heading.meta = _parse_meta(joined[4:close], source=source, line=content[index].no, allowed=HEADING_META_KEYS)
    heading.meta_line = content[index].no
    del content[index : end + 1]


def _build_tree(headings: list[_Heading], source: str) -> tuple[str, list[_Heading]]:
    """Check heading levels and link each heading to its parent section. Returns (title, section headings)."""
    title = ""
    previous_level = 1
    stack: list[_Heading] = []  # open section headings, shallowest first
    requirements_heading: _Heading | None = None
    sections: list[_Heading] = []
    for index, heading in enumerate(headings):
        if heading.level == 1:
            if index != 0:
                raise GuideError(
                    source, heading.line, "a '#' heading may only be the guide's title, before every other heading"
                )
            title = heading.title
            continue
        if heading.level > previous_level + 1:
            raise GuideError(
                source,
                heading.line,
                f"heading level skips from {'#' * previous_level} to {'#' * heading.level}",
            )
        if requirements_heading is not None and heading.level > requirements_heading.level:
            raise GuideError(
                source,
                heading.line,
                f"a heading cannot be nested under the requirements heading at line {requirements_heading.line}",
            )
        previous_level = heading.level
        while stack and stack[-1].level >= heading.level:
            stack.pop()
        heading.parent = stack[-1] if stack else None
        if is_requirements_title(heading.title):
            if heading.parent is None:
                raise GuideError(
                    source, heading.line, f"'{heading.title}' must be inside a section (use '###' under a '##' section)"
                )
            heading.is_requirements = True
            requirements_heading = heading
            continue
        requirements_heading = None
        stack.append(heading)
        sections.append(heading)
    if not sections:
        raise GuideError(source, 1, "no section headings found (sections are '##' headings below the '#' title)")
    return title, sections


def _assign_slugs(sections: list[_Heading], source: str) -> None:
    """Create each heading's :class:`ParsedSection` with its slug: explicit (``slug:`` metadata) or derived."""
    used: dict[str, int] = {}
    for heading in sections:
        slug = heading.meta.get("slug")
        if slug is None:
            continue
        try:
            validate_unicode_slug(slug)
        except ValidationError:
            raise GuideError(
                source, heading.meta_line, f"invalid slug {slug!r} (letters, digits, '-' and '_' only)"
            ) from None
        if len(slug) > MAX_SLUG:
            raise GuideError(source, heading.meta_line, f"slug longer than {MAX_SLUG} characters")
        if slug in used:
            raise GuideError(source, heading.meta_line, f"slug {slug!r} is already used at line {used[slug]}")
        used[slug] = heading.line
    bases = {id(h): slugify(h.title, allow_unicode=True) or "section" for h in sections if "slug" not in h.meta}
    base_counts = Counter(bases.values())
    for order, heading in enumerate(sections, start=1):
        if "slug" in heading.meta:
            slug = heading.meta["slug"]
        else:
            base = bases[id(heading)]
            parent = heading.parent.section if heading.parent else None
            candidate = f"{parent.slug}-{base}" if base_counts[base] > 1 and parent else base
            candidate = candidate[:MAX_SLUG].strip("-") or "section"
            slug, number = candidate, 2
            while slug in used:
                suffix = f"-{number}"
                slug = candidate[: MAX_SLUG - len(suffix)] + suffix
                number += 1
            used[slug] = heading.line
        if len(heading.title) > MAX_SECTION_TITLE:
            raise GuideError(source, heading.line, f"section title longer than {MAX_SECTION_TITLE} characters")
        heading.section = ParsedSection(
            slug=slug,
            title=heading.title,
            parent_slug=heading.parent.section.slug if heading.parent else None,
            order=order,
            line=heading.line,
            summary=heading.meta.get("summary", ""),
        )


class _ContentReader:
    """Walks the content lines of the sections, building bodies, requirements and link occurrences."""

    def __init__(self, source: str):
        self.source = source
        self.occurrences: list[_Occurrence] = []
        self.bodies: dict[int, list[str]] = {}  # id(section heading) -> body lines
        self.position = 0

    # -- occurrences

    def _meta(self, comment: str | None, line: int) -> dict[str, str]:
        if comment is None:
            return {}
        return _parse_meta(comment, source=self.source, line=line, allowed=ITEM_META_KEYS)

    def _fallback_title(self, owner: _Heading, url: str) -> str:
        host = linkrules.host_of(url)
        return f"{owner.title} · {host}" if host else owner.title

    def _add(self, owner: _Heading, link: linkrules.FoundLink, line: int, *, rank: int, title: str, note: str,
             meta: dict[str, str]) -> None:  # fmt: skip
        self.position += 1
        if link.is_web:
            key = linkrules.url_clean(link.target)
            if len(key) > MAX_URL:
                raise GuideError(self.source, line, f"URL longer than {MAX_URL} characters")
            title = meta.get("title") or title or self._fallback_title(owner, key)
        else:
            key = link.local_path
            if len(key) > MAX_PATH:
                raise GuideError(self.source, line, f"file path longer than {MAX_PATH} characters")
            title = meta.get("title", title)
        if len(title) > MAX_LINK_TITLE:
            title = title[: MAX_LINK_TITLE - 1] + "…"
        note = meta.get("note", note)
        self.occurrences.append(
            _Occurrence(key, link.is_web, owner, line, self.position, rank, title, note, meta, link.syntax == "image")
        )

    @staticmethod
    def _counted(links: list[linkrules.FoundLink]) -> list[linkrules.FoundLink]:
        """The links that become rows: web links (not web images) and local files."""
        return [ln for ln in links if (ln.is_web and ln.syntax != "image") or ln.local_path]

    @staticmethod
    def _label(prefix: str) -> str | None:
        """``"原理讲解："`` gives ``"原理讲解"``; ``""`` gives ``""``; anything else ``None`` (not a label)."""
        if not prefix.strip():
            return ""
        match = _LABEL_RE.match(prefix.strip())
        if not match:
            return None
        label = match.group("label").strip().strip("*_").strip()
        return label or None

    def _single_link_shape(self, text: str) -> tuple[linkrules.FoundLink, str, str] | None:
        """If ``text`` is ``[label：] link [rest]`` with exactly one link, return (link, label, rest)."""
        found = linkrules.links_in_line(text)
        if len(found) != 1 or not self._counted(found):
            return None
        link = found[0]
        label = self._label(text[: link.start])
        if label is None:
            return None
        return link, label, text[link.end :].strip().lstrip(_NOTE_LEAD).strip()

    def _prose_line(self, owner: _Heading, line: _Line) -> None:
        """Record the links of a line that stays in the body (titles from link text, label or fallback)."""
        found = linkrules.links_in_line(line.visible)
        counted = self._counted(found)
        meta = self._meta(line.trailing_comment, line.no) if counted else {}
        for index, link in enumerate(counted):
            title = link.text
            if not title and link is found[0]:
                prefix = line.visible[: link.start]
                marker = _LIST_ITEM_RE.match(prefix)
                title = self._label(marker.group("content") if marker else prefix) or ""
            link_meta = meta if index == len(counted) - 1 else {}
            self._check_local_meta(link, link_meta, line.no)
            self._add(owner, link, line.no, rank=1 if link_meta else 0, title=title, note="", meta=link_meta)

    def _check_local_meta(self, link: linkrules.FoundLink, meta: dict[str, str], line: int) -> None:
        if link.is_web or not meta:
            return
        bad = [k for k in meta if k not in ("kind", "title")]
        if bad:
            raise GuideError(self.source, line, f"metadata key {bad[0]!r} does not apply to a local file")

    def _continuation(self, content: list[_Line], start: int) -> int:
        """Index after the lazy continuation lines that follow ``content[start - 1]``."""
        end = start
        while end < len(content):
            line = content[end]
            if (
                line.fenced
                or not line.raw.strip()
                or _LIST_ITEM_RE.match(line.raw)
                or line.raw.lstrip().startswith("<")
            ):
                break
            end += 1
        return end

    def read_section(self, owner: _Heading, content: list[_Line], *, requirements: list[str] | None = None) -> None:
        """Read ``content`` (lines of ``owner``'s section, or of its requirements heading when
        ``requirements`` is a list to fill)."""
        body = self.bodies.setdefault(id(owner), [])
        index = 0
        while index < len(content):
            line = content[index]
            if line.fenced:
                body.append(line.raw)
                index += 1
                continue
            item = _LIST_ITEM_RE.match(line.visible) if line.visible.strip() else None
            end = self._continuation(content, index + 1)
            following = content[index + 1 : end]
            if item and requirements is not None:
                text = " ".join([item.group("content").strip()] + [c.visible.strip() for c in following])
                if len(text) > MAX_REQUIREMENT:
                    raise GuideError(self.source, line.no, f"requirement longer than {MAX_REQUIREMENT} characters")
                requirements.append(text)
                for part in [line, *following]:
                    self._prose_line(owner, part)
                index = end
                continue
            if item and self._link_item(owner, line, item.group("content"), following):
                index = end
                continue
            if not item and self._standalone_line(owner, line, following):
                body.append(_autolinked(line))
                body.extend(part.raw for part in following)
                index = end
                continue
            self._prose_line(owner, line)
            body.append(_autolinked(line))
            index += 1

    def _link_item(self, owner: _Heading, line: _Line, text: str, following: list[_Line]) -> bool:
        """A list item that is only a link: record it with its note and drop it from the body."""
        shape = self._single_link_shape(text)
        if shape is None or any(self._counted(linkrules.links_in_line(c.visible)) for c in following):
            return False
        link, label, rest = shape
        if any(c.trailing_comment is not None or c.visible != c.raw for c in following):
            return False
        meta = self._meta(line.trailing_comment, line.no)
        if not link.is_web and not meta:
            return False  # a local file in a list item stays in the body, where it is shown
        self._check_local_meta(link, meta, line.no)
        note = "\n".join([rest] * bool(rest) + [c.raw.strip() for c in following])
        self._add(owner, link, line.no, rank=2 + bool(meta), title=link.text or label, note=note, meta=meta)
        return True

    def _standalone_line(self, owner: _Heading, line: _Line, following: list[_Line]) -> bool:
        """A paragraph line that is only ``[label：] link``: the lines after it describe it (its note)."""
        if not line.visible.strip():
            return False
        shape = self._single_link_shape(line.visible)
        if shape is None or shape[2] or not shape[0].is_web:
            return False
        if any(self._counted(linkrules.links_in_line(c.visible)) or c.visible != c.raw for c in following):
            return False
        link, label, _rest = shape
        meta = self._meta(line.trailing_comment, line.no)
        note = "\n".join(c.raw.strip() for c in following)
        self._add(owner, link, line.no, rank=1 + bool(meta), title=link.text or label, note=note, meta=meta)
        return True


def _autolinked(line: _Line) -> str:
    """The line for the body, with each bare URL written as an autolink ``<url>`` (tracking parameters
    removed), so the page links it whatever its top-level domain. Lines with HTML comments stay as written."""
    if line.fenced or line.visible != line.raw:
        return line.raw
    text = line.raw
    for link in reversed(linkrules.links_in_line(text)):
        if link.syntax == "bare":
            text = f"{text[: link.start]}<{linkrules.url_clean(link.target)}>{text[link.end :]}"
    return text


def _body_text(lines: list[str]) -> str:
    """Join body lines, collapsing runs of blank lines outside code blocks and trimming blank ends."""
    out: list[str] = []
    fence: str | None = None
    for raw in lines:
        opening = _FENCE_RE.match(raw)
        if fence is None and opening:
            fence = opening.group(1)[0]
        elif fence is not None and opening and opening.group(1)[0] == fence and not raw.strip().lstrip(fence):
            fence = None
        elif fence is None and not raw.strip():
            if not out or not out[-1].strip():
                continue
            raw = ""
        out.append(raw)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out)


def _resolve_links(occurrences: list[_Occurrence], source: str) -> tuple[list, list, list]:
    """Pick the best occurrence of each target and turn it into a ParsedLink or ParsedLocalRef."""
    best: dict[tuple[bool, str], _Occurrence] = {}
    for occ in occurrences:
        current = best.get((occ.is_web, occ.key))
        if current is None or occ.rank > current.rank:
            best[(occ.is_web, occ.key)] = occ
    winners = sorted(best.values(), key=lambda o: o.position)
    resources: list[ParsedLink] = []
    papers: list[ParsedLink] = []
    local_refs: list[ParsedLocalRef] = []
    counters: Counter = Counter()
    for occ in winners:
        section = occ.heading.section
        meta = occ.meta
        if not occ.is_web:
            kind = meta.get("kind") or (
                "image" if occ.image_syntax or occ.key.lower().endswith(IMAGE_EXTENSIONS) else "document"
            )
            if kind not in LOCAL_KINDS:
                raise GuideError(source, occ.line, f"unknown kind {kind!r} for a local file (use: image, document)")
            counters[("local", section.slug)] += 1
            local_refs.append(
                ParsedLocalRef(occ.key, occ.title, kind, section.slug, counters[("local", section.slug)], occ.line)
            )
            continue
        kind = meta.get("kind")
        if kind is None:
            papers_section = _is_papers_title(section.title)
            kind = (
                linkrules.PAPER
                if papers_section or linkrules.url_is_paper(occ.key)
                else linkrules.resource_kind(occ.key)
            )
        elif kind not in WEB_KINDS:
            raise GuideError(source, occ.line, f"unknown kind {kind!r} (use one of: {', '.join(WEB_KINDS)})")
        if kind != linkrules.PAPER:
            extra = [k for k in PAPER_ONLY_KEYS if k in meta]
            if extra:
                raise GuideError(source, occ.line, f"metadata key {extra[0]!r} is only for papers (add 'kind: paper')")
            counters[("resource", section.slug)] += 1
            resources.append(
                ParsedLink(occ.key, occ.title, section.slug, kind, counters[("resource", section.slug)], occ.line,
                           note=occ.note)
            )  # fmt: skip
            continue
        counters[("paper", section.slug)] += 1
        papers.append(
            ParsedLink(
                occ.key, occ.title, section.slug, kind, counters[("paper", section.slug)], occ.line, note=occ.note,
                arxiv_id=meta.get("arxiv", linkrules.arxiv_id(occ.key)), authors=meta.get("authors", ""),
                year=_year(meta.get("year"), source, occ.line), venue=meta.get("venue", ""),
            )
        )  # fmt: skip
        for name, limit in (("arxiv_id", MAX_ARXIV_ID), ("authors", MAX_AUTHORS), ("venue", MAX_VENUE)):
            if len(getattr(papers[-1], name)) > limit:
                raise GuideError(source, occ.line, f"{name} longer than {limit} characters")
    return resources, papers, local_refs


def _year(value: str | None, source: str, line: int) -> int | None:
    if not value:
        return None
    if not re.fullmatch(r"\d{4}", value) or not 1900 <= int(value) <= 2100:
        raise GuideError(source, line, f"year must be a four-digit year between 1900 and 2100, got {value!r}")
    return int(value)


def _resolve_prerequisites(sections: list[_Heading], source: str) -> None:
    """Fill ``requires`` from ``requires:`` metadata; unknown slugs and cycles are errors."""
    from curriculum.models import prerequisite_cycle

    slugs = {h.section.slug for h in sections}
    edges: dict[str, set[str]] = {}
    for heading in sections:
        raw = heading.meta.get("requires", "")
        section = heading.section
        for required in (s.strip() for s in re.split(r"[,，]", raw)):
            if not required or required in section.requires:
                continue
            if required not in slugs:
                raise GuideError(source, heading.meta_line, f"unknown prerequisite slug {required!r}")
            if prerequisite_cycle(section.slug, required, edges):
                what = "itself" if required == section.slug else f"{required!r}, which already requires it"
                raise GuideError(
                    source, heading.meta_line, f"prerequisite cycle: section {section.slug!r} requires {what}"
                )
            edges.setdefault(section.slug, set()).add(required)
            section.requires.append(required)


def guide_parse(text: str, *, source: str = "<guide>") -> ParsedGuide:
    """Parse a guide (the text of a Markdown file in the lab's format) into plain data.

    Args:
        text: the whole file as a string.
        source: the file name used in error messages.
    Returns:
        A :class:`ParsedGuide`: sections in document order with their bodies, requirements and
        prerequisites; resources, papers and local references, each target once.
    Raises:
        GuideError: on bad input (no headings, skipped heading levels, bad metadata, unknown
            prerequisite slugs, prerequisite cycles, ...), naming the file and line.
    """
    text = text.removeprefix("\ufeff")
    preamble, headings = _tokenise(text, source)
    for heading in headings:
        if heading.level > 1 and not is_requirements_title(heading.title):
            _take_heading_meta(heading, source)
    title, sections = _build_tree(headings, source)
    _assign_slugs(sections, source)
    _resolve_prerequisites(sections, source)

    warnings: list[str] = []
    for line in preamble + (headings[0].content if headings[0].level == 1 else []):
        if line.fenced or not line.visible.strip():
            continue
        if _ContentReader._counted(linkrules.links_in_line(line.visible)):
            raise GuideError(source, line.no, "link before the first section (move it below a '##' heading)")
        warnings.append(f"{source}:{line.no}: text before the first section is not imported")

    reader = _ContentReader(source)
    for heading in headings:
        if heading.level == 1:
            continue
        owner = heading.parent if heading.is_requirements else heading
        title_line = _Line(heading.line, heading.title, fenced=False, visible=heading.title)
        reader._prose_line(owner, title_line)  # links written in a heading are recorded too
        if heading.is_requirements:
            reader.read_section(heading.parent, heading.content, requirements=heading.parent.section.requirements)
        else:
            reader.read_section(heading, heading.content)
    for heading in sections:
        heading.section.body = _body_text(reader.bodies.get(id(heading), []))
    resources, papers, local_refs = _resolve_links(reader.occurrences, source)
    return ParsedGuide(
        source=source,
        title=title,
        sections=[h.section for h in sections],
        resources=resources,
        papers=papers,
        local_refs=local_refs,
        warnings=warnings,
    )


def guide_read(path: str | Path) -> ParsedGuide:
    """Read and parse the guide at ``path`` (UTF-8; a byte-order mark is allowed).

    Raises:
        GuideError: when the file is missing or unreadable, not UTF-8, or not a valid guide.
    """
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise GuideError(source, None, "file not found") from None
    except IsADirectoryError:
        raise GuideError(source, None, "is a directory, not a guide file") from None
    except OSError as exc:
        raise GuideError(source, None, f"cannot read the file ({exc.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise GuideError(
            source, line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at column {column}); save the file as UTF-8"
        ) from None
    return guide_parse(text, source=source)


# --- Writing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One row the import creates, updates, archives, restores or deletes.

    ``entity`` is ``section``, ``resource``, ``paper``, ``local reference``, ``requirement`` or
    ``prerequisite``; ``key`` its stable key (slug, URL, path, ``section#n``, ``section -> required``);
    ``fields`` the names of changed fields for updates and restores.
    """

    action: str
    entity: str
    key: str
    fields: tuple[str, ...] = ()

    def __str__(self) -> str:
        text = f"{self.action} {self.entity} {self.key}"
        return f"{text} ({', '.join(self.fields)})" if self.fields else text


ENTITIES = ("section", "requirement", "prerequisite", "resource", "paper", "local reference")
ACTIONS = ("create", "update", "archive", "restore", "delete")


@dataclass
class ImportReport:
    """What :func:`guide_import` did (or, for a dry run, would do).

    Attributes:
        source: the guide's file name.
        dry_run: True when nothing was written.
        totals: rows of each entity in the guide (``{"section": 27, ...}``).
        changes: every change, in the order it was applied.
        warnings: one-line notes about content that was not imported.
        archived_with_progress: slugs (sorted) of the sections this import archives (or would)
            that hold student progress: a ``TopicProgress`` row or a ``ProgressEvent``.
        students_with_progress: how many distinct students hold that progress.
    """

    source: str
    dry_run: bool
    totals: dict[str, int]
    changes: list[Change] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    archived_with_progress: list[str] = field(default_factory=list)
    students_with_progress: int = 0

    def progress_warning(self) -> str:
        """``"warning: 2 sections to be archived hold progress of 1 student(s): a, b"`` (at most ten
        slugs, then ``…``), or ``""`` when no archived section holds progress. An admin reads it
        before stranding students by importing a guide whose slugs differ."""
        if not self.archived_with_progress:
            return ""
        slugs = self.archived_with_progress
        shown = ", ".join(slugs[:10]) + (", …" if len(slugs) > 10 else "")
        verb = "to be archived hold" if self.dry_run else "archived hold"
        return f"warning: {len(slugs)} section(s) {verb} progress of {self.students_with_progress} student(s): {shown}"

    def count(self, entity: str | None = None, action: str | None = None) -> int:
        """Number of changes, optionally only of one entity and/or action."""
        return sum(
            1 for c in self.changes if (entity is None or c.entity == entity) and (action is None or c.action == action)
        )

    def summary_lines(self) -> list[str]:
        """One line per entity: ``"sections: 27 in the guide; 27 created"`` (non-zero actions only)."""
        lines = []
        for entity in ENTITIES:
            parts = [f"{self.count(entity, a)} {a}d" for a in ACTIONS if self.count(entity, a)]
            plural = "local references" if entity == "local reference" else f"{entity}s"
            lines.append(f"{plural}: {self.totals.get(entity, 0)} in the guide; {', '.join(parts) or 'no change'}")
        return lines


class _Writer:
    """Compares the parsed guide with the database; writes unless ``dry_run``."""

    def __init__(self, parsed: ParsedGuide, dry_run: bool):
        from curriculum.models import Section

        self.parsed = parsed
        self.write = not dry_run
        self.changes: list[Change] = []
        self.sections: dict[str, Section] = {s.slug: s for s in Section.objects.all()}
        self.slug_by_id: dict[int, str] = {s.pk: s.slug for s in self.sections.values()}

    def note(self, action: str, entity: str, key: str, fields: tuple[str, ...] = ()) -> None:
        self.changes.append(Change(action, entity, key, fields))

    @staticmethod
    def _diff(obj, wanted: dict) -> list[str]:
        return [name for name, value in wanted.items() if getattr(obj, name) != value]

    def archived_progress(self) -> tuple[list[str], int]:
        """``(slugs, students)``: the sections archived by this run that hold progress (topic
        statuses or events, found through their reverse relations so that ``curriculum`` does not
        import ``progress``), and the number of distinct students holding it. Two queries."""
        from curriculum.models import Section

        ids = [self.sections[c.key].pk for c in self.changes if c.entity == "section" and c.action == "archive"]
        if not ids:
            return [], 0
        pairs = set()
        for relation in ("topic_progress", "progress_events"):
            pairs.update(
                Section.objects.filter(pk__in=ids, **{f"{relation}__isnull": False})
                .values_list("slug", f"{relation}__user_id")
                .distinct()
            )
        return sorted({slug for slug, _ in pairs}), len({user for _, user in pairs})

    def run(self) -> None:
        self.write_sections()
        self.write_requirements()
        self.write_prerequisites()
        self.write_links("resource")
        self.write_links("paper")
        self.write_local_refs()

    def write_sections(self) -> None:
        from curriculum.models import Section

        seen = set()
        for ps in self.parsed.sections:
            seen.add(ps.slug)
            obj = self.sections.get(ps.slug)
            wanted = {
                "title": ps.title,
                "order": ps.order,
                "summary": ps.summary,
                "body": ps.body,
                "is_archived": False,
            }
            if obj is None:
                self.note("create", "section", ps.slug)
                if self.write:
                    parent = self.sections[ps.parent_slug] if ps.parent_slug else None
                    obj = Section(slug=ps.slug, parent=parent, **wanted)
                    obj.save()
                    self.sections[ps.slug] = obj
                    self.slug_by_id[obj.pk] = obj.slug
                continue
            changed = self._diff(obj, wanted)
            if self.slug_by_id.get(obj.parent_id) != ps.parent_slug:
                changed.append("parent")
            if not changed:
                continue
            self.note("restore" if obj.is_archived else "update", "section", ps.slug, tuple(changed))
            if self.write:
                for name in changed:
                    if name == "parent":
                        obj.parent = self.sections[ps.parent_slug] if ps.parent_slug else None
                    else:
                        setattr(obj, name, wanted[name])
                obj.save(update_fields=changed)
        for slug, obj in sorted(self.sections.items()):
            if slug not in seen and not obj.is_archived:
                self.note("archive", "section", slug)
                if self.write:
                    obj.is_archived = True
                    obj.save(update_fields=["is_archived"])

    def write_requirements(self) -> None:
        from curriculum.models import KnowledgeRequirement

        existing: dict[int, list[KnowledgeRequirement]] = {}
        for req in KnowledgeRequirement.objects.order_by("section_id", "order", "pk"):
            existing.setdefault(req.section_id, []).append(req)
        for ps in self.parsed.sections:
            obj = self.sections.get(ps.slug)
            rows = existing.get(obj.pk, []) if obj is not None and obj.pk else []
            for position, text in enumerate(ps.requirements, start=1):
                key = f"{ps.slug}#{position}"
                if position <= len(rows):
                    row = rows[position - 1]
                    changed = self._diff(row, {"text": text, "order": position})
                    if changed:
                        self.note("update", "requirement", key, tuple(changed))
                        if self.write:
                            row.text, row.order = text, position
                            row.save(update_fields=changed)
                    continue
                self.note("create", "requirement", key)
                if self.write:
                    KnowledgeRequirement.objects.create(section=obj, text=text, order=position)
            for position, row in enumerate(rows[len(ps.requirements) :], start=len(ps.requirements) + 1):
                self.note("delete", "requirement", f"{ps.slug}#{position}")
                if self.write:
                    row.delete()

    def write_prerequisites(self) -> None:
        from curriculum.models import Prerequisite

        wanted = {(ps.slug, required) for ps in self.parsed.sections for required in ps.requires}
        existing = {}
        for edge in Prerequisite.objects.all():
            existing[(self.slug_by_id[edge.section_id], self.slug_by_id[edge.required_section_id])] = edge
        for pair in sorted(set(existing) - wanted):
            self.note("delete", "prerequisite", f"{pair[0]} -> {pair[1]}")
            if self.write:
                existing[pair].delete()
        for ps in self.parsed.sections:
            for required in ps.requires:
                if (ps.slug, required) in existing:
                    continue
                self.note("create", "prerequisite", f"{ps.slug} -> {required}")
                if self.write:
                    Prerequisite(section=self.sections[ps.slug], required_section=self.sections[required]).save()

    def write_links(self, entity: str) -> None:
        from curriculum.models import Paper, Resource

        model = Resource if entity == "resource" else Paper
        items = self.parsed.resources if entity == "resource" else self.parsed.papers
        existing = {obj.url: obj for obj in model.objects.all()}
        new_rows = []
        for item in items:
            wanted = {"title": item.title, "note": item.note, "order": item.order, "is_archived": False}
            if entity == "resource":
                wanted["kind"] = item.kind
            else:
                wanted.update(arxiv_id=item.arxiv_id, authors=item.authors, year=item.year, venue=item.venue)
            obj = existing.get(item.url)
            if obj is None:
                self.note("create", entity, item.url)
                if self.write:
                    new_rows.append(model(url=item.url, section=self.sections[item.section_slug], **wanted))
                continue
            changed = self._diff(obj, wanted)
            if self.slug_by_id.get(obj.section_id) != item.section_slug:
                changed.append("section")
            if changed:
                self.note("restore" if obj.is_archived else "update", entity, item.url, tuple(changed))
                if self.write:
                    for name in changed:
                        value = self.sections[item.section_slug] if name == "section" else wanted[name]
                        setattr(obj, name, value)
                    obj.save(update_fields=changed)
        if new_rows:
            model.objects.bulk_create(new_rows)
        self._archive_missing(entity, existing, {item.url for item in items})

    def _archive_missing(self, entity: str, existing: dict, keys: set[str]) -> None:
        for key, obj in sorted(existing.items()):
            if key not in keys and not obj.is_archived:
                self.note("archive", entity, key)
                if self.write:
                    obj.is_archived = True
                    obj.save(update_fields=["is_archived"])

    def write_local_refs(self) -> None:
        from curriculum.models import LocalReference

        existing = {obj.path: obj for obj in LocalReference.objects.all()}
        for ref in self.parsed.local_refs:
            wanted = {"title": ref.title, "kind": ref.kind, "order": ref.order, "is_archived": False}
            obj = existing.get(ref.path)
            if obj is None:
                self.note("create", "local reference", ref.path)
                if self.write:
                    LocalReference.objects.create(path=ref.path, section=self.sections[ref.section_slug], **wanted)
                continue
            changed = self._diff(obj, wanted)
            if self.slug_by_id.get(obj.section_id) != ref.section_slug:
                changed.append("section")
            if changed:
                self.note("restore" if obj.is_archived else "update", "local reference", ref.path, tuple(changed))
                if self.write:
                    for name in changed:
                        setattr(obj, name, self.sections[ref.section_slug] if name == "section" else wanted[name])
                    obj.save(update_fields=changed)
        self._archive_missing("local reference", existing, {ref.path for ref in self.parsed.local_refs})


def guide_import(*, parsed: ParsedGuide, dry_run: bool = False) -> ImportReport:
    """Bring the curriculum in line with a parsed guide, in one transaction.

    Sections are matched by slug, resources and papers by URL, local references by path; matched
    rows are updated in place (so progress, reading lists and uploaded files stay attached), rows
    missing from the guide are archived, archived rows that reappear are restored. Knowledge
    requirements are matched by position within their section; prerequisite edges are made equal to
    the guide's. Rows whose values are unchanged are not written at all.

    Args:
        parsed: the output of :func:`guide_parse` / :func:`guide_read`.
        dry_run: when True, only compute the report; nothing is written.
    Returns:
        An :class:`ImportReport` listing every change.
    """
    with transaction.atomic():
        writer = _Writer(parsed, dry_run)
        writer.run()
        archived_with_progress, students = writer.archived_progress()
    totals = {
        "section": len(parsed.sections),
        "requirement": parsed.requirement_count,
        "prerequisite": parsed.prerequisite_count,
        "resource": len(parsed.resources),
        "paper": len(parsed.papers),
        "local reference": len(parsed.local_refs),
    }
    return ImportReport(
        source=parsed.source,
        dry_run=dry_run,
        totals=totals,
        changes=writer.changes,
        warnings=list(parsed.warnings),
        archived_with_progress=archived_with_progress,
        students_with_progress=students,
    )
