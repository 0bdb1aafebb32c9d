"""Rules for web links found in the guide: finding them in a line of Markdown, cleaning tracking
parameters, telling papers from other resources, choosing a resource kind, reading arXiv ids.

Everything here is a pure function over strings; the rules themselves are data tables
(:data:`TRACKING_PARAMS`, :data:`HOST_TRACKING_PARAMS`, :data:`RESOURCE_KIND_RULES`,
:data:`HOST_LABEL_KIND_RULES`, :data:`PAPER_RULES`) so they can be read and extended in one place.

URLs are kept exactly as written (non-ASCII stays non-ASCII, percent-escapes stay as they are):
cleaning only removes whole ``name=value`` pairs from the query string.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

# --- Kinds (the values of curriculum.models.Resource.Kind, plus "paper"); kept as plain strings so this
# module stays free of Django imports.
ARTICLE = "article"
DOCUMENTATION = "documentation"
VIDEO = "video"
COURSE = "course"
BOOK = "book"
REPOSITORY = "repository"
TOOL = "tool"
PLATFORM = "platform"
PAPER = "paper"

#: Query parameters that never identify content, on any host. A trailing ``*`` matches a prefix.
#: (bilibili/WeChat share links, Google Analytics ``utm_*`` campaign tags, ad click ids.)
TRACKING_PARAMS: tuple[str, ...] = (
    "utm_*",
    "share_*",
    "spm_id_from",
    "from_spmid",
    "spmid",
    "vd_source",
    "fbclid",
    "gclid",
    "msclkid",
    "yclid",
    "igshid",
    "mc_cid",
    "mc_eid",
)

#: Parameters that only identify the person, device or session that shared a link on that host.
#: Host-specific on purpose: ``mid`` names a WeChat article (``mp.weixin.qq.com/s?__biz=..&mid=..``)
#: but the sharer on bilibili; ``code``/``state`` are WeChat-login leftovers on bilibili share links
#: but identify content on many other sites. Keys match the host and its sub-domains.
HOST_TRACKING_PARAMS: dict[str, tuple[str, ...]] = {
    "bilibili.com": (
        "buvid", "timestamp", "unique_k", "is_story_h5", "plat_id", "mid", "up_id", "wxfid",
        "share_times", "_unique_id_", "code", "state", "bbid", "ts", "seid", "from", "from_source",
    ),
    "zhihu.com": ("source_id", "utm_psn", "utm_oi", "utm_id", "utm_content"),
    "mp.weixin.qq.com": (
        "chksm", "scene", "subscene", "sessionid", "clicktime", "enterid", "ascene", "devicetype",
        "version", "nettype", "lang", "exportkey", "pass_ticket", "wx_header", "key", "poc_token",
        "sharer_sharetime", "sharer_shareid", "from", "isappinstalled", "code", "state",
    ),
}  # fmt: skip

#: ``(host, path prefix, kind)``: the first rule whose host matches (itself or a sub-domain) and whose
#: path starts with the prefix gives a resource's kind. Order matters: specific paths first.
RESOURCE_KIND_RULES: tuple[tuple[str, str, str], ...] = (
    ("bilibili.com", "", VIDEO),
    ("b23.tv", "", VIDEO),
    ("youtube.com", "", VIDEO),
    ("youtu.be", "", VIDEO),
    ("vimeo.com", "", VIDEO),
    ("github.com", "", REPOSITORY),
    ("gitlab.com", "", REPOSITORY),
    ("gitee.com", "", REPOSITORY),
    ("huggingface.co", "/docs", DOCUMENTATION),
    ("huggingface.co", "/learn", COURSE),
    ("huggingface.co", "", PLATFORM),
    ("pytorch.org", "", DOCUMENTATION),
    ("pytorch123.com", "", DOCUMENTATION),
    ("readthedocs.io", "", DOCUMENTATION),
    ("readthedocs.org", "", DOCUMENTATION),
    ("python.org", "", DOCUMENTATION),
    ("tensorflow.org", "", DOCUMENTATION),
    ("langchain.com", "", TOOL),
    ("llamaindex.ai", "", TOOL),
    ("poe.com", "", PLATFORM),
    ("platform.openai.com", "", PLATFORM),
    ("chatgpt.com", "", PLATFORM),
    ("kaggle.com", "", PLATFORM),
    ("modelscope.cn", "", PLATFORM),
    ("coursera.org", "", COURSE),
    ("edx.org", "", COURSE),
    ("deeplearning.ai", "", COURSE),
    ("d2l.ai", "", BOOK),
    ("zhihu.com", "", ARTICLE),
    ("mp.weixin.qq.com", "", ARTICLE),
    ("substack.com", "", ARTICLE),
    ("medium.com", "", ARTICLE),
    ("csdn.net", "", ARTICLE),
    ("cnblogs.com", "", ARTICLE),
    ("jianshu.com", "", ARTICLE),
    ("github.io", "", ARTICLE),
)

#: ``(regex on the first label of the host, kind)`` for hosts no rule above names: ``api.`` and
#: ``api2.`` hosts are API platforms, ``docs.`` hosts are documentation.
HOST_LABEL_KIND_RULES: tuple[tuple[str, str], ...] = (
    (r"api\d*", PLATFORM),
    (r"docs?", DOCUMENTATION),
    (r"blogs?", ARTICLE),
)

#: The kind of a web link no rule matches.
DEFAULT_KIND = ARTICLE

#: ``(host, path prefix)`` of pages that are papers even without ``.pdf`` (arXiv is handled apart).
PAPER_RULES: tuple[tuple[str, str], ...] = (
    ("doi.org", ""),
    ("dl.acm.org", "/doi"),
    ("aclanthology.org", ""),
    ("openreview.net", "/forum"),
    ("openreview.net", "/pdf"),
    ("proceedings.neurips.cc", "/paper"),
    ("papers.nips.cc", "/paper"),
    ("proceedings.mlr.press", ""),
    ("ieeexplore.ieee.org", "/document"),
    ("link.springer.com", "/article"),
    ("semanticscholar.org", "/paper"),
)

ARXIV_HOSTS = ("arxiv.org", "export.arxiv.org")

# New-style (2007+) ids ``YYMM.NNNN[N]`` and old-style ``archive[.SC]/YYMMNNN``, with an optional version.
_ARXIV_PATH_RE = re.compile(
    r"^/(?:abs|pdf|html|format)/"
    r"(?P<id>\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})"
    r"(?:v\d+)?(?:\.pdf)?/?$"
)


def host_of(url: str) -> str:
    """The lower-case host of ``url`` without a leading ``www.`` (``""`` when there is none)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def _host_matches(host: str, rule_host: str) -> bool:
    return host == rule_host or host.endswith("." + rule_host)


def _path_of(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:
        return ""


def _param_is_tracking(name: str, host: str) -> bool:
    lowered = name.lower()
    names = list(TRACKING_PARAMS)
    for rule_host, params in HOST_TRACKING_PARAMS.items():
        if _host_matches(host, rule_host):
            names.extend(params)
    for pattern in names:
        if pattern.endswith("*"):
            if lowered.startswith(pattern[:-1]):
                return True
        elif lowered == pattern:
            return True
    return False


def url_clean(url: str) -> str:
    """Drop tracking parameters (:data:`TRACKING_PARAMS`, :data:`HOST_TRACKING_PARAMS`) from ``url``.

    The rest of the URL is kept byte for byte: parameter order, escapes, non-ASCII characters and
    the fragment. An emptied query loses its ``?``.

    Args:
        url: an absolute ``http``/``https`` URL as written in the guide.
    Returns:
        The cleaned URL (str), e.g. ``https://www.bilibili.com/video/BV1UG411p7zv?buvid=X&share_source=WEIXIN``
        gives ``https://www.bilibili.com/video/BV1UG411p7zv``.
    """
    base, hash_mark, fragment = url.partition("#")
    path, question_mark, query = base.partition("?")
    if not question_mark:
        return url
    host = host_of(url)
    kept = [pair for pair in query.split("&") if pair and not _param_is_tracking(pair.split("=", 1)[0], host)]
    cleaned = path + ("?" + "&".join(kept) if kept else "")
    return cleaned + hash_mark + fragment


def arxiv_id(url: str) -> str:
    """The arXiv identifier in an arXiv abstract/PDF/HTML URL, without version, or ``""``.

    ``https://arxiv.org/pdf/2203.02155`` gives ``"2203.02155"``; ``https://arxiv.org/abs/1706.03762v7``
    gives ``"1706.03762"``; old-style ``https://arxiv.org/abs/hep-th/9901001`` gives ``"hep-th/9901001"``.
    Identifier syntax: https://info.arxiv.org/help/arxiv_identifier.html
    """
    if host_of(url) not in ARXIV_HOSTS:
        return ""
    match = _ARXIV_PATH_RE.match(_path_of(url))
    return match.group("id") if match else ""


def url_is_paper(url: str) -> bool:
    """Tell whether a web link points at a paper: arXiv, a PDF file, or a host in :data:`PAPER_RULES`."""
    host = host_of(url)
    if host in ARXIV_HOSTS:
        return True
    path = _path_of(url)
    if path.lower().endswith(".pdf"):
        return True
    return any(_host_matches(host, h) and path.startswith(prefix) for h, prefix in PAPER_RULES)


def resource_kind(url: str) -> str:
    """The resource kind of a (non-paper) web link, from :data:`RESOURCE_KIND_RULES`,
    then :data:`HOST_LABEL_KIND_RULES`, else :data:`DEFAULT_KIND`.

    Returns one of the values of ``curriculum.models.Resource.Kind``.
    """
    host = host_of(url)
    path = _path_of(url)
    for rule_host, prefix, kind in RESOURCE_KIND_RULES:
        if _host_matches(host, rule_host) and path.startswith(prefix):
            return kind
    first_label = host.split(".", 1)[0]
    for pattern, kind in HOST_LABEL_KIND_RULES:
        if "." in host and re.fullmatch(pattern, first_label):
            return kind
    return DEFAULT_KIND


# --- Finding links in a line of Markdown -------------------------------------------------------

_WEB_SCHEME_RE = re.compile(r"https?://", re.IGNORECASE)
_SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.\-]*:", re.IGNORECASE)
_AUTOLINK_RE = re.compile(r"<(https?://[^\s<>]+)>", re.IGNORECASE)
_CODE_SPAN_RE = re.compile(r"(`+)(?:.+?)\1")
#: Raw HTML links and images (``<a href="...">``, ``<img src="...">``), quoted with " or '.
_HTML_TAG_RE = re.compile(
    r"<(?P<tag>a|img)\b[^>]*?\b(?:href|src)\s*=\s*(?P<q>[\"'])(?P<target>.*?)(?P=q)[^>]*>", re.IGNORECASE
)
#: ASCII characters that end a bare URL outright.
_BARE_STOP = set(' \t<>"`')
#: ASCII punctuation dropped from the end of a bare URL (as GitHub's autolinker does).
_TRAILING_PUNCTUATION = ".,;:!?'\"*_~"


@dataclass(frozen=True)
class FoundLink:
    """A link found in one line of Markdown.

    Attributes:
        start, end: the span of the whole link syntax in the line (``end`` exclusive).
        target: the destination as written (a URL, or a relative path).
        text: the link text (``[text](...)``) or image alt text, backslash escapes removed; ``""``
            for autolinks and bare URLs.
        syntax: ``"inline"`` (``[t](u)``), ``"image"`` (``![a](u)`` or ``<img src>``), ``"autolink"``
            (``<u>``), ``"html"`` (``<a href>``) or ``"bare"``.
    """

    start: int
    end: int
    target: str
    text: str
    syntax: str

    @property
    def is_web(self) -> bool:
        """True for an ``http``/``https`` URL."""
        return bool(_WEB_SCHEME_RE.match(self.target))

    @property
    def is_local(self) -> bool:
        """True for a relative path to a file (``figure/poe1.png``, ``LLM.pdf``): no scheme, not absolute,
        not a fragment or query only."""
        target = self.target
        return bool(target) and not _SCHEME_RE.match(target) and not target.startswith(("/", "#", "?", "\\"))

    @property
    def local_path(self) -> str:
        """The relative path without query or fragment (``""`` when not local)."""
        if not self.is_local:
            return ""
        return re.split(r"[?#]", self.target, maxsplit=1)[0]


def unescape_text(text: str) -> str:
    """Undo the backslash escapes the exporter writes in link text (``\\[``, ``\\]``, ``\\\\``)."""
    return re.sub(r"\\([\[\]\\])", r"\1", text)


def escape_text(text: str) -> str:
    """Escape ``\\``, ``[`` and ``]`` so ``text`` can sit inside ``[...]`` (inverse of :func:`unescape_text`)."""
    return re.sub(r"([\[\]\\])", r"\\\1", text)


def _match_bracket(line: str, start: int) -> int:
    """Index of the ``]`` closing the ``[`` at ``start`` (nesting and backslash escapes honoured), or -1."""
    depth = 0
    i = start
    while i < len(line):
        ch = line[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _parse_destination(line: str, start: int) -> tuple[str, int] | None:
    """Parse ``(destination "optional title")`` starting at the ``(`` at ``start``.

    Returns ``(destination, index after the closing paren)`` or ``None`` when it is not a link.
    Destinations may be ``<...>`` or contain balanced parentheses (CommonMark, section 6.3).
    """
    i = start + 1
    n = len(line)
    while i < n and line[i] in " \t":
        i += 1
    if i < n and line[i] == "<":
        close = line.find(">", i + 1)
        if close == -1:
            return None
        dest = line[i + 1 : close]
        i = close + 1
    else:
        depth = 0
        begin = i
        while i < n:
            ch = line[i]
            if ch == "\\" and i + 1 < n:
                i += 2
                continue
            if ch in " \t":
                break
            if ch == "(":
                depth += 1
            elif ch == ")":
                if depth == 0:
                    break
                depth -= 1
            i += 1
        dest = line[begin:i]
    while i < n and line[i] in " \t":
        i += 1
    if i < n and line[i] in "\"'(":
        closer = {'"': '"', "'": "'", "(": ")"}[line[i]]
        close = line.find(closer, i + 1)
        if close == -1:
            return None
        i = close + 1
        while i < n and line[i] in " \t":
            i += 1
    if i < n and line[i] == ")":
        return dest, i + 1
    return None


def _bare_url_end(line: str, start: int) -> int:
    """End (exclusive) of the bare URL starting at ``start``.

    A bare URL stops at white space, at ``<>"`` and at any non-ASCII punctuation, symbol or space
    (full-width ``，。；：（）【】「」`` and the like: category P, S or Z). Non-ASCII letters such as CJK
    characters in a path stay part of the URL. Trailing ASCII punctuation and an unbalanced closing
    ``)`` or ``]`` are then dropped.
    """
    i = start
    n = len(line)
    while i < n:
        ch = line[i]
        if ch.isspace() or ch in _BARE_STOP:
            break
        if ord(ch) > 127 and unicodedata.category(ch)[0] in "PSZ":
            break
        i += 1
    end = i
    while end > start:
        ch = line[end - 1]
        segment = line[start:end]
        unbalanced = {")": "(", "]": "["}
        if ch in _TRAILING_PUNCTUATION or (ch in unbalanced and segment.count(ch) > segment.count(unbalanced[ch])):
            end -= 1
        else:
            break
    return end


def _masked(line: str) -> str:
    """``line`` with code spans blanked out (same length), so nothing inside them counts as a link."""
    return _CODE_SPAN_RE.sub(lambda m: " " * len(m.group(0)), line)


def links_in_line(line: str) -> list[FoundLink]:
    """Find the links in one line of Markdown, in order of appearance.

    Recognised: inline links ``[text](url)``, images ``![alt](path)``, autolinks ``<https://...>``, raw
    HTML ``<a href>``/``<img src>`` and bare ``http(s)://`` URLs (ending as :func:`_bare_url_end` says). Nothing inside a code span counts.

    Args:
        line: one line of text without its newline (HTML comments should be removed first).
    Returns:
        A list of :class:`FoundLink`; targets are as written (not cleaned).
    """
    scan = _masked(line)
    found: list[FoundLink] = []
    i = 0
    n = len(scan)
    while i < n:
        ch = scan[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[" or (ch == "!" and i + 1 < n and scan[i + 1] == "["):
            bracket = i + 1 if ch == "!" else i
            close = _match_bracket(scan, bracket)
            if close != -1 and close + 1 < n and scan[close + 1] == "(":
                parsed = _parse_destination(line, close + 1)
                if parsed is not None:
                    dest, end = parsed
                    text = unescape_text(line[bracket + 1 : close]).strip()
                    syntax = "image" if ch == "!" else "inline"
                    found.append(FoundLink(i, end, dest, text, syntax))
                    i = end
                    continue
            i += 1
            continue
        if ch == "<":
            match = _AUTOLINK_RE.match(scan, i)
            if match:
                found.append(FoundLink(i, match.end(), line[match.start(1) : match.end(1)], "", "autolink"))
                i = match.end()
                continue
            match = _HTML_TAG_RE.match(scan, i)
            if match:
                syntax = "image" if match.group("tag").lower() == "img" else "html"
                target = line[match.start("target") : match.end("target")].strip()
                found.append(FoundLink(i, match.end(), target, "", syntax))
                i = match.end()
                continue
        if (
            ch in "hH"
            and _WEB_SCHEME_RE.match(scan, i)
            and (i == 0 or not (scan[i - 1].isascii() and scan[i - 1].isalnum()))
        ):
            end = _bare_url_end(scan, i)
            if end > i + len("https://"):
                found.append(FoundLink(i, end, line[i:end], "", "bare"))
                i = end
                continue
        i += 1
    return found
