"""The one place where Markdown becomes HTML.

Every Markdown string in the portal (section bodies, summaries, notes, quiz text, explanations) is
rendered by :func:`render_markdown`: Python-Markdown first, then bleach with an explicit allow-list,
last, so nothing that Markdown emits escapes sanitising. The rules it must satisfy are the ones in
``shared/cases/README.md`` (no live markup outside the allow-list, no event handlers or styles, only
relative, fragment, http, https and mailto URLs, no comments, stable under re-sanitising).
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import partial

import bleach
import markdown as md
from bleach.linkifier import TLDS, LinkifyFilter, build_url_re

#: Elements that survive sanitising; everything else is stripped (its text stays, escaped).
ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h1", "h2",
        "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "strong",
        "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip

#: Attributes allowed per element. No ``style``, no ``on*``, no ``srcdoc``/``formaction``/``action``.
_ATTRIBUTE_NAMES = {
    "a": ["href", "title", "rel"],
    "abbr": ["title"],
    "code": ["class"],
    "img": ["src", "alt", "title"],
    "td": ["align"],
    "th": ["align"],
    "ol": ["start"],
}

#: URL schemes allowed in ``href``/``src``; relative URLs and fragments are always allowed.
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

_SCHEME_RE = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)


def url_is_safe(value: str) -> bool:
    """Tell whether a URL may appear in ``href`` or ``src``.

    The value is entity-decoded until stable (so ``&amp;#58;`` tricks count as a colon), then
    control, format (zero-width) and white-space characters are dropped, as browsers do before
    reading the scheme (WHATWG URL standard). Relative URLs, fragments and the schemes in
    :data:`ALLOWED_PROTOCOLS` are safe.

    Args:
        value: the attribute value (str).
    Returns:
        ``True`` when the URL is allowed.
    """
    decoded, previous = value, None
    while decoded != previous:
        previous, decoded = decoded, html.unescape(decoded)
    # Entities without a trailing semicolon (``&#58alert``) are decoded by browsers too.
    decoded = re.sub(r"&#(x[0-9a-f]+|\d+)", lambda m: _char_ref(m.group(1)), decoded, flags=re.IGNORECASE)
    cleaned = "".join(ch for ch in decoded if unicodedata.category(ch)[0] not in "CZ" and not ch.isspace())
    match = _SCHEME_RE.match(cleaned)
    return match is None or match.group(1).lower() in ALLOWED_PROTOCOLS


def _char_ref(ref: str) -> str:
    """Decode a numeric character reference body (``x3a`` or ``58``); unknown code points give ``""``."""
    try:
        code = int(ref[1:], 16) if ref[0] in "xX" else int(ref)
        return chr(code)
    except (ValueError, OverflowError):
        return ""


def _attribute_allowed(tag: str, name: str, value: str) -> bool:
    """bleach attribute filter: allow-listed names only, and safe URLs in ``href``/``src``."""
    if name not in _ATTRIBUTE_NAMES.get(tag, ()):
        return False
    if name in ("href", "src"):
        return url_is_safe(value)
    return True


ALLOWED_ATTRIBUTES = dict.fromkeys(_ATTRIBUTE_NAMES, _attribute_allowed)

_EXTENSIONS = ["extra", "sane_lists"]
_EXTENSION_CONFIGS = {"extra": {"tables": {"use_align_attribute": True}}}


def _add_rel(attrs: dict, new: bool = False) -> dict:
    """bleach linkify callback: external links get ``rel="nofollow noopener"``."""
    href = attrs.get((None, "href"), "")
    if href.startswith(("http:", "https:")):
        attrs[(None, "rel")] = "nofollow noopener"
    return attrs


#: bleach's TLD list predates some domains the guide uses (``api2.aigcbest.top``); add them.
_URL_RE = build_url_re(tlds=sorted({*TLDS, "top", "dev", "app", "xyz", "site", "tech", "online", "club"}, reverse=True))

_CLEANER = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[partial(LinkifyFilter, callbacks=[_add_rel], skip_tags={"pre", "code"}, url_re=_URL_RE)],
)


#: The same allow-list without links, for text that sits inside a form control's label (quiz
#: choices), where a click must select the answer, not leave the page.
_CLEANER_NO_LINKS = bleach.Cleaner(
    tags=ALLOWED_TAGS - {"a"},
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
)


def sanitize_html(html: str, *, links: bool = True) -> str:
    """Sanitise an HTML fragment with the portal's allow-list.

    Args:
        html: untrusted HTML (str).
        links: keep links and turn bare URLs into links (default); ``False`` drops every link,
            keeping its text.
    Returns:
        Safe HTML (str). Applying it twice gives the same string.
    """
    return (_CLEANER if links else _CLEANER_NO_LINKS).clean(html)


def render_markdown(text: str | None, *, links: bool = True) -> str:
    """Render untrusted Markdown to safe HTML.

    Args:
        text: Markdown source (Python-Markdown dialect with the ``extra`` extensions); ``None``
            or blank gives ``""``. Windows line endings are read as ``\n``.
        links: see :func:`sanitize_html`.
    Returns:
        Sanitised HTML (str), ready to store in an ``*_html`` field and show with ``|safe``.
    """
    if not text or not text.strip():
        return ""
    html = md.markdown(text, extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS, output_format="html")
    return sanitize_html(html, links=links)
