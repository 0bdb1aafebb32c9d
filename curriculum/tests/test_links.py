"""Link rules: finding links in a line, bare-URL boundaries, tracking parameters, kinds, arXiv ids."""

import pytest

from curriculum import links
from curriculum.links import arxiv_id, links_in_line, resource_kind, url_clean, url_is_paper

LONG_BILIBILI = (
    "https://www.bilibili.com/video/BV1UG411p7zv?buvid=XU11F2D1F1B6721741676EA71D3F31356C54F"
    "&from_spmid=playlist.playlist-detail.0.0&is_story_h5=false&mid=w7mFjjzdrDXbKb0J8YwY7g%3D%3D&plat_id=116"
    "&share_from=ugc&share_medium=android&share_plat=android&share_session_id=00d7fb01-933c-42b3-89c7-7db4d68bd324"
    "&share_source=WEIXIN&share_tag=s_i&spmid=united.player-video-detail.0.0&timestamp=1725711243&unique_k=HMZ3qGQ"
    "&up_id=493282299&wxfid=o7omF0RtW5yr6BgHzKzhtWiTIqNQ&share_times=2&_unique_id_=8e3bd8bb-c73e-43b4-b8fa-a40e89a44691"
    "&code=081C9dll2fDEQe44dlnl2sFU4u1C9dlx&state=&spm_id_from=333.788.videopod.episodes"
)


def targets(line):
    return [(found.target, found.syntax) for found in links_in_line(line)]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param("推荐使用Poe（https://poe.com）", [("https://poe.com", "bare")], id="fullwidth-parens"),
        pytest.param("见https://a.org/x，然后", [("https://a.org/x", "bare")], id="fullwidth-comma"),
        pytest.param("见https://a.org/x。", [("https://a.org/x", "bare")], id="fullwidth-full-stop"),
        pytest.param(
            "https://a.org/x；https://b.org/y：",
            [("https://a.org/x", "bare"), ("https://b.org/y", "bare")],
            id="fullwidth-semicolon-colon",
        ),  # fmt: skip
        pytest.param(
            "【https://a.org/x】「https://b.org」",
            [("https://a.org/x", "bare"), ("https://b.org", "bare")],
            id="fullwidth-brackets",
        ),  # fmt: skip
        pytest.param(
            "价目表：https://api2.aigcbest.top/pricing ",
            [("https://api2.aigcbest.top/pricing", "bare")],
            id="trailing-space",
        ),  # fmt: skip
        pytest.param("See https://a.org/x.", [("https://a.org/x", "bare")], id="ascii-trailing-dot"),
        pytest.param("(see https://a.org/x)", [("https://a.org/x", "bare")], id="unbalanced-paren"),
        pytest.param(
            "https://en.wikipedia.org/wiki/Foo_(bar)",
            [("https://en.wikipedia.org/wiki/Foo_(bar)", "bare")],
            id="balanced-paren-kept",
        ),  # fmt: skip
        pytest.param(
            "https://zh.wikipedia.org/wiki/变换器，好",
            [("https://zh.wikipedia.org/wiki/变换器", "bare")],
            id="cjk-path-kept",
        ),  # fmt: skip
        pytest.param("<https://a.org/x>", [("https://a.org/x", "autolink")], id="autolink"),
        pytest.param("[清华](https://b.org/v?p=2)说明", [("https://b.org/v?p=2", "inline")], id="inline"),
        pytest.param("[t](<https://a.org/x y>)", [("https://a.org/x y", "inline")], id="inline-angle-destination"),
        pytest.param('[t](https://a.org/x "Title")', [("https://a.org/x", "inline")], id="inline-with-title"),
        pytest.param("![](figure/poe1.png)", [("figure/poe1.png", "image")], id="image"),
        pytest.param("`https://code.example/x` only", [], id="code-span-ignored"),
        pytest.param("HTTPS://A.ORG/X", [("HTTPS://A.ORG/X", "bare")], id="uppercase-scheme"),
        pytest.param("xhttps://a.org", [], id="not-at-word-start"),
        pytest.param("https://", [], id="scheme-only"),
    ],
)
def test_links_in_line(line, expected):
    assert targets(line) == expected


def test_link_text_and_local_path():
    found = links_in_line(r"[《大语言模型》](LLM.pdf) and [a \[b\]](docs/x.pdf#page=2)")
    assert [(f.text, f.is_local, f.local_path) for f in found] == [
        ("《大语言模型》", True, "LLM.pdf"),
        ("a [b]", True, "docs/x.pdf"),
    ]


@pytest.mark.parametrize("target", ["https://a.org", "/absolute/path", "#fragment", "mailto:a@b.org", "?q=1"], ids=str)
def test_not_local(target):
    [found] = links_in_line(f"[x]({target})")
    assert found.local_path == ""


def test_escape_roundtrip():
    text = r"a [b] \c"
    assert links.unescape_text(links.escape_text(text)) == text


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param(LONG_BILIBILI, "https://www.bilibili.com/video/BV1UG411p7zv", id="bilibili-share"),
        pytest.param(
            "https://www.bilibili.com/video/BV1x?p=3&t=60&share_source=copy",
            "https://www.bilibili.com/video/BV1x?p=3&t=60",
            id="bilibili-keeps-part-and-time",
        ),  # fmt: skip
        pytest.param(
            "https://www.zhihu.com/tardis/zm/art/675509396?source_id=1003",
            "https://www.zhihu.com/tardis/zm/art/675509396",
            id="zhihu-source-id",
        ),  # fmt: skip
        pytest.param(
            "https://a.org/p?id=7&utm_source=x&utm_medium=y#sec", "https://a.org/p?id=7#sec", id="utm-keeps-fragment"
        ),
        pytest.param(
            "https://mp.weixin.qq.com/s?__biz=MzA&mid=2650&idx=1&sn=abc&chksm=9f&scene=21",
            "https://mp.weixin.qq.com/s?__biz=MzA&mid=2650&idx=1&sn=abc",
            id="weixin-keeps-article-ids",
        ),  # fmt: skip
        pytest.param(
            "https://example.org/course?code=CS101&state=open",
            "https://example.org/course?code=CS101&state=open",
            id="code-state-kept-elsewhere",
        ),  # fmt: skip
        pytest.param(
            "https://a.org/中文?q=%E4%B8%AD&utm_id=1", "https://a.org/中文?q=%E4%B8%AD", id="non-ascii-untouched"
        ),
        pytest.param("https://a.org/x", "https://a.org/x", id="no-query"),
    ],
)
def test_url_clean(url, expected):
    assert url_clean(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/pdf/2203.02155", "2203.02155"),
        ("https://arxiv.org/abs/1706.03762", "1706.03762"),
        ("https://arxiv.org/abs/1706.03762v7", "1706.03762"),
        ("https://arxiv.org/pdf/2203.02155v1.pdf", "2203.02155"),
        ("https://www.arxiv.org/html/2407.21783", "2407.21783"),
        ("https://arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
        ("https://arxiv.org/list/cs.CL/recent", ""),
        ("https://example.org/abs/1706.03762", ""),
    ],
)
def test_arxiv_id(url, expected):
    assert arxiv_id(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/abs/2005.14165", True),
        ("https://www.cs.utexas.edu/~ai-lab/pubs/ICML_IL11-knox.pdf", True),
        ("https://example.org/paper.PDF", True),
        ("https://dl.acm.org/doi/pdf/10.1145/3560815", True),
        ("https://openai.com/index/learning-to-reason-with-llms/", False),
        ("https://github.com/hiyouga/LLaMA-Factory", False),
    ],
)
def test_url_is_paper(url, expected):
    assert url_is_paper(url) is expected


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://www.bilibili.com/video/BV1AF411b7xQ", "video"),
        ("https://www.youtube.com/watch?v=x", "video"),
        ("https://github.com/rasbt/LLMs-from-scratch", "repository"),
        ("https://zhuanlan.zhihu.com/p/156926543", "article"),
        ("https://mp.weixin.qq.com/s/OFwqmnB8Qoq-am-OrRstIQ", "article"),
        ("https://yusu.substack.com/p/language-agents", "article"),
        ("https://qiankunli.github.io/2024/07/07/vllm.html", "article"),
        ("https://pytorch.org/tutorials/", "documentation"),
        ("https://huggingface.co/docs/transformers/index", "documentation"),
        ("https://transformers.readthedocs.io/en/latest/", "documentation"),
        ("https://huggingface.co", "platform"),
        ("https://poe.com", "platform"),
        ("https://api2.aigcbest.top/pricing", "platform"),
        ("https://www.langchain.com", "tool"),
        ("https://www.coursera.org/learn/nlp", "course"),
        ("https://unknown.example", "article"),
    ],
)
def test_resource_kind(url, kind):
    assert resource_kind(url) == kind


def test_raw_html_links_and_images():
    found = links_in_line('<a href="https://a.org/x">x</a> <img alt="" src="figure/a.png">')
    assert [(f.target, f.syntax, f.local_path) for f in found] == [
        ("https://a.org/x", "html", ""),
        ("figure/a.png", "image", "figure/a.png"),
    ]
