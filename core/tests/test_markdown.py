"""render_markdown: Markdown features survive; the shared XSS corpus never gets through."""

import json

import html5lib
import pytest

from conftest import SHARED_DIR
from core.markdown import ALLOWED_TAGS, render_markdown, sanitize_html, url_is_safe

FORBIDDEN_TAGS = {
    "script", "style", "iframe", "object", "embed", "form", "button", "input", "svg", "math",
    "noscript", "title", "textarea", "template", "base", "meta", "link",
}  # fmt: skip
FORBIDDEN_ATTRIBUTES = {"style", "srcdoc", "formaction", "action"}


def _corpus():
    path = SHARED_DIR / "cases" / "xss.jsonl"
    if not path.exists():
        return [pytest.param(None, id="corpus-absent", marks=pytest.mark.skip(reason=f"{path} is absent"))]
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [pytest.param(case["markdown"], id=case["id"]) for case in cases]


def assert_safe_html(html: str) -> None:
    """Assert the rules of shared/cases/README.md on one rendered fragment."""
    fragment = html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)
    for element in fragment.iter():
        tag = element.tag
        if not isinstance(tag, str):  # a comment
            raise AssertionError(f"HTML comment survived: {html!r}")
        if tag == "DOCUMENT_FRAGMENT":
            continue
        assert tag in ALLOWED_TAGS, f"<{tag}> is not allowed: {html!r}"
        assert tag not in FORBIDDEN_TAGS
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), f"event handler {name} in {html!r}"
            assert name.lower() not in FORBIDDEN_ATTRIBUTES, f"{name} in {html!r}"
            if name in ("href", "src"):
                assert url_is_safe(value), f"unsafe URL {value!r} in {html!r}"
    assert "<!--" not in html
    assert sanitize_html(html) == html, "sanitising again changed the output"


@pytest.mark.parametrize("markdown", _corpus())
def test_xss_corpus_case_renders_safely(markdown):
    assert_safe_html(render_markdown(markdown))


def test_markdown_features_render():
    html = render_markdown("# 标题\n\n**粗体** and `code`\n\n* one\n* two\n\n[链接](https://example.org/a?b=1)")
    assert html == (
        "<h1>标题</h1>\n<p><strong>粗体</strong> and <code>code</code></p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
        '<p><a href="https://example.org/a?b=1" rel="nofollow noopener">链接</a></p>'
    )


def test_bare_url_is_linked_and_stops_at_full_width_paren():
    html = render_markdown("推荐使用Poe（https://poe.com）平台")
    assert html == '<p>推荐使用Poe（<a href="https://poe.com" rel="nofollow noopener">https://poe.com</a>）平台</p>'


def test_relative_and_fragment_links_are_kept():
    assert (
        render_markdown("![](figure/poe1.png) [x](#top)")
        == '<p><img alt="" src="figure/poe1.png"> <a href="#top">x</a></p>'
    )


@pytest.mark.parametrize("text", ["", "   ", None])
def test_blank_input_gives_empty_string(text):
    assert render_markdown(text) == ""


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://a.org", True),
        ("mailto:x@y.org", True),
        ("figure/a.png", True),
        ("#frag", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("javascript&#58alert(1)", False),
        ("data:text/html,x", False),
        ("vbscript:x", False),
    ],
)
def test_url_is_safe(url, safe):
    assert url_is_safe(url) is safe


def test_bare_url_with_a_newer_top_level_domain_is_linked():
    """Regression: bleach's own TLD list does not know ``.top`` (the guide's API platform)."""
    html = render_markdown("价目表：https://api2.aigcbest.top/pricing 如果")
    assert html == (
        '<p>价目表：<a href="https://api2.aigcbest.top/pricing" rel="nofollow noopener">'
        "https://api2.aigcbest.top/pricing</a> 如果</p>"
    )


def test_rendering_without_links_keeps_the_text():
    """Regression: a quiz choice "Poe（poe.com）" became a link inside the answer's label."""
    assert render_markdown("Poe（poe.com） and [x](https://a.org)", links=False) == "<p>Poe（poe.com） and x</p>"


@pytest.mark.parametrize("markdown", _corpus())
def test_xss_corpus_case_renders_safely_without_links(markdown):
    assert_safe_html(render_markdown(markdown, links=False))
