"""Checks applied to every rendered page: no inline script or style (CSP), bounded asset weight."""

from __future__ import annotations

import gzip
from html.parser import HTMLParser

from django.contrib.staticfiles import finders
from django.test import Client

#: Compressed JavaScript and CSS one page may ship (issue "Production readiness").
MAX_ASSET_BYTES_GZIP = 150 * 1024


class _AssetParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.assets: list[str] = []
        self.inline_scripts: list[str] = []
        self.style_attributes: list[str] = []
        self.inline_handlers: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "style" in attributes:
            self.style_attributes.append(f"<{tag} style={attributes['style']!r}>")
        for name in attributes:
            if name.startswith("on"):
                self.inline_handlers.append(f"<{tag} {name}>")
        if tag == "script":
            if attributes.get("src"):
                self.assets.append(attributes["src"])
            elif attributes.get("type") not in ("application/json", "application/ld+json"):
                self._in_inline_script = True
        if tag == "link" and "stylesheet" in (attributes.get("rel") or "").split():
            self.assets.append(attributes["href"])
        if tag == "style":
            self.inline_scripts.append("<style> element")

    def handle_data(self, data):
        if self._in_inline_script and data.strip():
            self.inline_scripts.append(data.strip()[:80])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False


def page_problems(html: str) -> list[str]:
    """List CSP-relevant problems in a page: inline scripts, ``style`` attributes, ``on*`` handlers."""
    parser = _AssetParser()
    parser.feed(html)
    return (
        [f"inline script: {s}" for s in parser.inline_scripts]
        + [f"style attribute: {s}" for s in parser.style_attributes]
        + [f"event handler: {s}" for s in parser.inline_handlers]
    )


def asset_urls(html: str) -> list[str]:
    """The URLs of the scripts and style sheets the page links, in order."""
    parser = _AssetParser()
    parser.feed(html)
    return parser.assets


def asset_weight_gzip(html: str, static_url: str = "/static/") -> dict[str, int]:
    """Gzip-compressed size in bytes of each script and style sheet the page links, by URL.

    Raises ``AssertionError`` for an asset that is not served from ``static_url`` (no CDN) or not found.
    """
    parser = _AssetParser()
    parser.feed(html)
    sizes = {}
    for url in parser.assets:
        assert url.startswith(static_url), f"asset not served from static/: {url}"
        path = finders.find(url[len(static_url) :].split("?")[0])
        assert path, f"static file not found: {url}"
        with open(path, "rb") as fh:
            sizes[url] = len(gzip.compress(fh.read(), compresslevel=9))
    return sizes


def fetch(client: Client, url: str):
    """GET ``url`` following no redirects; returns the response."""
    return client.get(url)


class _OutlineParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.lang: str | None = None
        self.h1_count = 0
        self.titles: list[str] = []
        self._in_title = False
        self._svg_depth = 0  # an inline SVG's <title> is its accessible name, not the page's title

    def handle_starttag(self, tag, attrs):
        if tag == "svg":
            self._svg_depth += 1
        elif self._svg_depth:
            return
        if tag == "html" and self.lang is None:
            self.lang = dict(attrs).get("lang")
        elif tag == "h1":
            self.h1_count += 1
        elif tag == "title":
            self._in_title = True
            self.titles.append("")

    def handle_data(self, data):
        if self._in_title:
            self.titles[-1] += data

    def handle_endtag(self, tag):
        if tag == "svg":
            self._svg_depth = max(self._svg_depth - 1, 0)
        elif tag == "title":
            self._in_title = False


def page_outline(html: str) -> dict:
    """The page's ``<html lang>`` (``None`` when absent), number of ``<h1>`` and the texts of its
    ``<title>`` elements (stripped; those of inline SVG images are not the page's and are left out)."""
    parser = _OutlineParser()
    parser.feed(html)
    return {"lang": parser.lang, "h1_count": parser.h1_count, "titles": [t.strip() for t in parser.titles]}


def csp_directives(header: str) -> dict[str, list[str]]:
    """Parse a ``Content-Security-Policy`` header value into ``{directive: [source, ...]}``."""
    directives = {}
    for part in header.split(";"):
        tokens = part.split()
        if tokens:
            directives[tokens[0].lower()] = tokens[1:]
    return directives
