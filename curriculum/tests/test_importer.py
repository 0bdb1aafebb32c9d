"""The guide importer: parsing rules (pure functions) and the one-transaction import service."""

import re
from collections import Counter

import pytest

from curriculum.importer import (
    DEFAULT_CURRICULUM_PATH,
    GuideError,
    guide_import,
    guide_parse,
    guide_read,
    meta_escape,
    meta_unescape,
)
from curriculum.models import KnowledgeRequirement, LocalReference, Paper, Prerequisite, Resource, Section
from curriculum.tests.helpers import curriculum_snapshot, default_text

pytestmark = pytest.mark.django_db

TOP_LEVEL_SLUGS = ["prompt-engineering", "nn-basics", "pytorch", "huggingface", "advanced-llm"]


def parse(text):
    return guide_parse(text, source="t.md")


def headings_of(text):
    """Titles of every '##'..'######' heading except requirement headings (independent of the importer)."""
    titles = re.findall(r"^#{2,6}[ \t]+(.+?)[ \t]*$", text, flags=re.MULTILINE)
    return [t for t in titles if t.rstrip(":：").strip() != "知识储备要求"]


# --- parsing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "heading",
    [
        "### 知识储备要求",
        "### 知识储备要求:",
        "### 知识储备要求：",
        "### 知识储备要求 ：",
        "### Knowledge requirements",
    ],
)
def test_requirement_heading_variants_fill_the_parent_and_are_not_sections(heading):
    guide = parse(f"# T\n\n## 基础\n\n{heading}\n* 熟悉Python编程语言\n* 线性代数，\n  微积分\n\n### 下一节\n正文\n")
    assert [s.title for s in guide.sections] == ["基础", "下一节"]
    assert guide.sections[0].requirements == ["熟悉Python编程语言", "线性代数， 微积分"]
    assert guide.sections[1].parent_slug == "基础"


def test_heading_levels_build_the_tree_and_title_is_not_a_section():
    guide = parse("# 指南\n## A\n### B\n#### C\n### D\n## E\n")
    assert guide.title == "指南"
    assert [(s.slug, s.parent_slug, s.order) for s in guide.sections] == [
        ("a", None, 1), ("b", "a", 2), ("c", "b", 3), ("d", "a", 4), ("e", None, 5),
    ]  # fmt: skip


def test_repeated_titles_get_the_parent_slug_in_front():
    guide = parse("## 提示工程\n### 资料汇总\n## PyTorch教程\n### 资料汇总\n## HuggingFace\n### 资料汇总\n")
    assert [s.slug for s in guide.sections] == [
        "提示工程", "提示工程-资料汇总", "pytorch教程", "pytorch教程-资料汇总", "huggingface", "huggingface-资料汇总",
    ]  # fmt: skip


def test_explicit_slugs_summary_and_requires_from_heading_metadata():
    guide = parse(
        "## A\n<!-- slug: part-a; summary: 一句话\\; 含分号 -->\n\n正文\n"
        "## B\n\n<!-- slug: part-b; requires: part-a，part-a -->\n"
    )
    a, b = guide.sections
    assert (a.slug, a.summary, a.body) == ("part-a", "一句话; 含分号", "正文")
    assert (b.slug, b.requires) == ("part-b", ["part-a"])


def test_link_titles_from_text_label_or_fallback_and_notes():
    guide = parse(
        "## 模型\n"
        "* 原理讲解：https://zhuanlan.zhihu.com/p/1\n"
        "* [清华LLM公开课](https://www.bilibili.com/video/BV1?share_source=x)\n"
        "系统介绍历史。\n"
        "第二行说明。\n"
        "* GPT3：https://arxiv.org/abs/2005.14165 —— 经典\n"
        "\n"
        "推荐使用Poe（https://poe.com）平台。\n"
        "价目表：https://api2.aigcbest.top/pricing \n"
        "便宜。\n"
    )
    resources = {r.url: (r.title, r.kind, r.note, r.order) for r in guide.resources}
    assert resources == {
        "https://zhuanlan.zhihu.com/p/1": ("原理讲解", "article", "", 1),
        "https://www.bilibili.com/video/BV1": ("清华LLM公开课", "video", "系统介绍历史。\n第二行说明。", 2),
        "https://poe.com": ("模型 · poe.com", "platform", "", 3),
        "https://api2.aigcbest.top/pricing": ("价目表", "platform", "便宜。", 4),
    }
    [paper] = guide.papers
    assert (paper.title, paper.arxiv_id, paper.note) == ("GPT3", "2005.14165", "经典")
    # Link items leave the body; prose and standalone lines stay.
    assert (
        guide.sections[0].body
        == "推荐使用Poe（<https://poe.com>）平台。\n价目表：<https://api2.aigcbest.top/pricing> \n便宜。"
    )


def test_bold_labels_and_links_in_headings_are_kept():
    guide = parse("## [PyTorch](https://pytorch.org/) 教程\n* **官方文档**：https://pytorch.org/docs/\n")
    assert [(r.url, r.title) for r in guide.resources] == [
        ("https://pytorch.org/", "PyTorch"),
        ("https://pytorch.org/docs/", "官方文档"),
    ]


def test_papers_heading_makes_every_link_a_paper():
    guide = parse("## 进阶\n### 主要论文\n* O1：https://openai.com/index/learning-to-reason-with-llms/\n")
    assert [(p.url, p.section_slug, p.arxiv_id) for p in guide.papers] == [
        ("https://openai.com/index/learning-to-reason-with-llms/", "主要论文", "")
    ]
    assert guide.resources == []


def test_item_metadata_sets_kind_and_paper_fields():
    guide = parse(
        "## A\n"
        "* [Attention](https://arxiv.org/abs/1706.03762) <!-- kind: paper; year: 2017; authors: A, B; venue: NeurIPS -->\n"
        "* [Book](https://example.org/book) <!-- kind: book; note: 多行\\n说明 -->\n"
        "* [GPT-1](https://cdn.openai.com/gpt.pdf) <!-- kind: paper; arxiv: ; title: Improving LU -->\n"
    )
    assert [(p.title, p.arxiv_id, p.year, p.authors, p.venue) for p in guide.papers] == [
        ("Attention", "1706.03762", 2017, "A, B", "NeurIPS"),
        ("Improving LU", "", None, "", ""),
    ]
    assert [(r.kind, r.note) for r in guide.resources] == [("book", "多行\n说明")]


def test_same_url_twice_is_one_item_and_the_list_item_wins():
    guide = parse("## A\n正文提到 https://github.com/x/y 。\n## B\n* [Y 仓库](https://github.com/x/y)\n  说明\n")
    assert [(r.title, r.section_slug, r.note) for r in guide.resources] == [("Y 仓库", "b", "说明")]


def test_local_references_are_recorded_and_stay_in_the_body():
    guide = parse(
        "## A\n1. 首页如下：\n![](figure/poe1.png)\n* [《大语言模型》](LLM.pdf)\n强烈推荐。\n"
        "[slides](docs/s.PNG) and [web image](https://example.org/x.png)\n"
        "* [extra](extra/notes.pdf) <!-- kind: document -->\n"
    )
    assert [(r.path, r.kind, r.title, r.order) for r in guide.local_refs] == [
        ("figure/poe1.png", "image", "", 1),
        ("LLM.pdf", "document", "《大语言模型》", 2),
        ("docs/s.PNG", "image", "slides", 3),
        ("extra/notes.pdf", "document", "extra", 4),
    ]
    assert guide.sections[0].body == (
        "1. 首页如下：\n![](figure/poe1.png)\n* [《大语言模型》](LLM.pdf)\n强烈推荐。\n"
        "[slides](docs/s.PNG) and [web image](https://example.org/x.png)"
    )
    assert [r.url for r in guide.resources] == ["https://example.org/x.png"]


def test_fenced_code_is_body_text_only():
    guide = parse("## A\n```python\n# not a heading\nurl = 'https://example.org/x'\n```\n")
    assert [s.title for s in guide.sections] == ["A"]
    assert guide.resources == []
    assert guide.sections[0].body == "```python\n# not a heading\nurl = 'https://example.org/x'\n```"


def test_blank_lines_collapse_and_crlf_is_read():
    guide = parse("## A\r\n\r\n第一段\r\n\r\n\r\n\r\n* 链接：https://a.org\r\n\r\n第二段\r\n")
    assert guide.sections[0].body == "第一段\n\n第二段"


def test_bare_urls_left_in_the_body_become_autolinks():
    guide = parse("## A\n见https://a.top/x?utm_source=y，以及 [b](https://b.org) 和 <https://c.org> `https://d.org`\n")
    assert guide.sections[0].body == "见<https://a.top/x>，以及 [b](https://b.org) 和 <https://c.org> `https://d.org`"


def test_text_before_the_first_section_is_a_warning():
    guide = parse("# T\n前言文字\n## A\n")
    assert guide.warnings == ["t.md:2: text before the first section is not imported"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("正文", "t.md:1: no section headings found (sections are '##' headings below the '#' title)"),
        ("# 只有标题\n", "t.md:1: no section headings found (sections are '##' headings below the '#' title)"),
        ("# T\n## A\n#### B\n", "t.md:3: heading level skips from ## to ####"),
        ("### A\n", "t.md:1: heading level skips from # to ###"),
        ("## A\n# T\n", "t.md:2: a '#' heading may only be the guide's title, before every other heading"),
        ("## 知识储备要求\n", "t.md:1: '知识储备要求' must be inside a section (use '###' under a '##' section)"),
        (
            "## A\n### 知识储备要求\n#### B\n",
            "t.md:3: a heading cannot be nested under the requirements heading at line 2",
        ),
        ("## A\n##\n", "t.md:2: empty heading"),
        ("# T\n[x](https://a.org)\n## A\n", "t.md:2: link before the first section (move it below a '##' heading)"),
        ("## A\n<!-- slug: a; requires: nope -->\n", "t.md:2: unknown prerequisite slug 'nope'"),
        ("## A\n<!-- slug: a; requires: a -->\n", "t.md:2: prerequisite cycle: section 'a' requires itself"),
        (
            "## A\n<!-- slug: a; requires: b -->\n## B\n<!-- slug: b; requires: c -->\n## C\n<!-- slug: c; requires: a -->\n",
            "t.md:6: prerequisite cycle: section 'c' requires 'a', which already requires it",
        ),
        ("## A\n<!-- slug: x -->\n## B\n<!-- slug: x -->\n", "t.md:4: slug 'x' is already used at line 1"),
        ("## A\n<!-- slug: 有 空格 -->\n", "t.md:2: invalid slug '有 空格' (letters, digits, '-' and '_' only)"),
        (
            "## A\n<!-- colour: red -->\n",
            "t.md:2: unknown metadata key 'colour' (allowed here: slug, requires, summary)",
        ),
        ("## A\n<!-- slug -->\n", "t.md:2: metadata must be 'key: value' pairs separated by ';', got 'slug'"),
        (
            "## A\n* [x](https://a.org) <!-- kind: podcast -->\n",
            "t.md:2: unknown kind 'podcast' (use one of: article, documentation, video, course, book, repository, tool, platform, paper)",
        ),  # fmt: skip
        (
            "## A\n* [x](https://a.org) <!-- kind: video; year: 2020 -->\n",
            "t.md:2: metadata key 'year' is only for papers (add 'kind: paper')",
        ),  # fmt: skip
        (
            "## A\n* [x](https://arxiv.org/abs/1) <!-- year: 20 -->\n",
            "t.md:2: year must be a four-digit year between 1900 and 2100, got '20'",
        ),  # fmt: skip
        (
            "## A\n* [x](f.png) <!-- kind: video -->\n",
            "t.md:2: unknown kind 'video' for a local file (use: image, document)",
        ),
        ("## A\n```\ncode\n", "t.md:2: code block is never closed"),
        ("## A\n<!-- slug: a\n", "t.md:2: HTML comment is never closed ('-->' missing)"),
    ],
)
def test_bad_guides_raise_one_line_with_file_and_line(text, message):
    with pytest.raises(GuideError) as excinfo:
        parse(text)
    assert str(excinfo.value) == message


def test_meta_escape_roundtrip():
    value = "a; b <!-- c --> \\ d\ne"
    assert meta_unescape(meta_escape(value)) == value
    assert "\n" not in meta_escape(value) and "-->" not in meta_escape(value)


def test_guide_read_reports_missing_and_non_utf8_files(tmp_path):
    with pytest.raises(GuideError) as missing:
        guide_read(tmp_path / "nope.md")
    assert str(missing.value) == f"{tmp_path / 'nope.md'}: file not found"
    bad = tmp_path / "gbk.md"
    bad.write_bytes("## 标题\n".encode() + "正文".encode("gbk") + b"\n")
    with pytest.raises(GuideError) as not_utf8:
        guide_read(bad)
    assert str(not_utf8.value) == f"{bad}:2: not valid UTF-8 (byte 0xd5 at column 1); save the file as UTF-8"


# --- the lab's guide ----------------------------------------------------------------------------


def test_lab_guide_imports_every_link_heading_and_file(shared_dir):
    path = shared_dir / "seeds" / "coin-guide.md"
    report = guide_import(parsed=guide_read(path))
    text = path.read_text(encoding="utf-8")

    assert report.totals == {
        "section": 27, "requirement": 10, "prerequisite": 0, "resource": 42, "paper": 19, "local reference": 3,
    }  # fmt: skip
    assert (Section.objects.count(), Resource.objects.count(), Paper.objects.count()) == (27, 42, 19)
    assert (LocalReference.objects.count(), KnowledgeRequirement.objects.count(), Prerequisite.objects.count()) == (
        3,
        10,
        0,
    )
    urls = set(Resource.objects.values_list("url", flat=True)) | set(Paper.objects.values_list("url", flat=True))
    assert len(urls) == 61
    assert sorted(Section.objects.values_list("title", flat=True)) == sorted(headings_of(text))
    assert list(Section.objects.filter(parent=None).order_by("order").values_list("slug", flat=True)) == [
        "提示工程大语言模型入门", "神经网络模型基础", "pytorch教程", "huggingface", "大语言模型进阶学习",
    ]  # fmt: skip
    assert sorted(Section.objects.filter(title="资料汇总").values_list("slug", flat=True)) == [
        "huggingface-资料汇总", "pytorch教程-资料汇总", "提示工程大语言模型入门-资料汇总",
    ]  # fmt: skip
    assert Counter(Resource.objects.values_list("kind", flat=True)) == {
        "article": 26, "repository": 5, "platform": 4, "documentation": 3, "video": 3, "tool": 1,
    }  # fmt: skip

    course = Resource.objects.get(url="https://www.bilibili.com/video/BV1UG411p7zv")
    assert (course.title, course.kind, course.section.title, course.note) == (
        "清华LLM公开课", "video", "主要学习资料", "系统的了解大模型的历史、原理和前沿进展。",
    )  # fmt: skip
    poe = Resource.objects.get(url="https://poe.com")
    assert (poe.title, poe.kind, poe.section.slug) == ("可视化实验平台 · poe.com", "platform", "可视化实验平台")
    cnn = Resource.objects.get(url="https://zhuanlan.zhihu.com/p/156926543")
    assert (cnn.title, cnn.section.slug, cnn.section.parent.slug) == ("原理讲解", "cnn模型", "传统神经网络")
    assert Resource.objects.get(url="https://www.zhihu.com/tardis/zm/art/675509396").title == "一文读懂RAG"
    instruct = Paper.objects.get(arxiv_id="2203.02155")
    assert (instruct.url, instruct.title, instruct.section.title) == (
        "https://arxiv.org/pdf/2203.02155", "InstructGPT", "主要论文",
    )  # fmt: skip
    assert Paper.objects.filter(section__title="主要论文").count() == 12
    assert Paper.objects.get(url="https://openai.com/index/learning-to-reason-with-llms/").title == "O1"
    assert Paper.objects.get(arxiv_id="1706.03762").section.slug == "transformer模型"
    assert set(Paper.objects.filter(arxiv_id="").values_list("url", flat=True)) == {
        "https://cdn.openai.com/research-covers/language-unsupervised/language_understanding_paper.pdf",
        "https://www.cs.utexas.edu/~ai-lab/pubs/ICML_IL11-knox.pdf",
        "https://openai.com/index/learning-to-reason-with-llms/",
        "https://dl.acm.org/doi/pdf/10.1145/3560815",
    }
    refs = {r.path: (r.kind, r.title, r.section.slug) for r in LocalReference.objects.all()}
    assert refs == {
        "figure/poe1.png": ("image", "", "可视化实验平台"),
        "figure/poe2.png": ("image", "", "可视化实验平台"),
        "LLM.pdf": ("document", "《大语言模型》", "主要学习资料"),
    }
    advanced = Section.objects.get(slug="大语言模型进阶学习")
    assert list(advanced.requirements.values_list("text", flat=True)) == [
        "熟悉Python编程语言，Pytorch框架",
        "熟悉各种神经网络模型结构以及预训练模型架构原理",
        "熟悉HuggingFace的Transfromers代码实现，以及常用API接口",
    ]
    playground = Section.objects.get(slug="可视化实验平台")
    assert '<img alt="" src="figure/poe1.png">' in playground.body_html


def test_default_file_covers_the_same_links_and_sections_as_the_lab_guide(shared_dir):
    lab = guide_read(shared_dir / "seeds" / "coin-guide.md")
    ours = guide_read(DEFAULT_CURRICULUM_PATH)
    assert {r.url for r in ours.resources} == {r.url for r in lab.resources}
    assert {p.url for p in ours.papers} == {p.url for p in lab.papers}
    assert {r.path for r in ours.local_refs} == {r.path for r in lab.local_refs}
    assert len(ours.sections) == len(lab.sections)
    assert [s.title for s in ours.sections if s.parent_slug is None] == [
        "提示工程", "神经网络模型基础", "PyTorch 教程", "HuggingFace", "大语言模型进阶学习",
    ]  # fmt: skip


# --- the project's default curriculum -----------------------------------------------------------


def test_default_curriculum_imports_with_explicit_slugs_and_complete_papers():
    report = guide_import(parsed=guide_read(DEFAULT_CURRICULUM_PATH))

    assert report.totals == {
        "section": 27, "requirement": 10, "prerequisite": 19, "resource": 42, "paper": 19, "local reference": 3,
    }  # fmt: skip
    urls = set(Resource.objects.values_list("url", flat=True)) | set(Paper.objects.values_list("url", flat=True))
    assert len(urls) == 61
    assert sorted(Section.objects.values_list("title", flat=True)) == sorted(headings_of(default_text()))
    assert list(Section.objects.filter(parent=None).order_by("order").values_list("slug", flat=True)) == TOP_LEVEL_SLUGS
    assert all(re.fullmatch(r"[a-z0-9-]+", slug) for slug in Section.objects.values_list("slug", flat=True))
    assert Counter(Resource.objects.values_list("kind", flat=True)) == {
        "article": 25, "platform": 4, "documentation": 4, "repository": 4, "video": 3, "book": 1, "tool": 1,
    }  # fmt: skip
    assert not Paper.objects.filter(year=None).exists()
    assert not Paper.objects.filter(authors="").exists()
    assert all(Section.objects.values_list("summary", flat=True))

    chain = {
        (p.section.slug, p.required_section.slug)
        for p in Prerequisite.objects.select_related("section", "required_section")
    }
    assert {("pytorch", "nn-basics"), ("huggingface", "pytorch"), ("advanced-llm", "huggingface")} <= chain

    course = Resource.objects.get(url="https://www.bilibili.com/video/BV1UG411p7zv")
    assert (course.title, course.kind, course.section.slug) == ("清华大学大模型公开课", "video", "llm-study-materials")
    attention = Paper.objects.get(arxiv_id="1706.03762")
    assert (attention.title, attention.year, attention.venue, attention.section.slug) == (
        "Attention Is All You Need", 2017, "NeurIPS 2017", "transformer",
    )  # fmt: skip
    assert Paper.objects.get(url="https://arxiv.org/pdf/2203.02155").arxiv_id == "2203.02155"
    assert Paper.objects.filter(section__slug="llm-papers").count() == 12
    refs = {r.path: (r.kind, r.section.slug) for r in LocalReference.objects.all()}
    assert refs == {
        "figure/poe1.png": ("image", "prompt-playground"),
        "figure/poe2.png": ("image", "prompt-playground"),
        "LLM.pdf": ("document", "llm-study-materials"),
    }
    pytorch = Section.objects.get(slug="pytorch")
    assert (pytorch.title, pytorch.parent) == ("PyTorch 教程", None)
    assert list(pytorch.requirements.values_list("text", flat=True)) == [
        "熟练使用 Python",
        "了解常见的深度学习算法和经典网络结构",
    ]


# --- re-importing -------------------------------------------------------------------------------


def _ids():
    return {
        model.__name__: sorted(model.objects.values_list("pk", "modified") if hasattr(model, "modified") else model.objects.values_list("pk"))
        for model in (Section, Resource, Paper, LocalReference, KnowledgeRequirement, Prerequisite)
    }  # fmt: skip


def test_reimporting_the_same_guide_changes_nothing():
    parsed = guide_read(DEFAULT_CURRICULUM_PATH)
    guide_import(parsed=parsed)
    before_ids, before = _ids(), curriculum_snapshot()

    report = guide_import(parsed=parsed)

    assert report.changes == []
    assert _ids() == before_ids
    assert curriculum_snapshot() == before


def _edited(text):
    """Drop the interpretability section and one resource, rename a section, edit a note, move a paper."""
    text = text[: text.index("### LLM 可解释性")]
    text = text.replace(
        "* [LightRAG](https://github.com/HKUDS/LightRAG) <!-- kind: repository -->\n  轻量、易部署的图结构检索增强框架。\n",
        "",
    )
    text = text.replace("### Transformer 模型", "### Transformer 架构")
    text = text.replace("官方维护，内容最新", "官方维护")
    text = text.replace("* 熟练使用 Python\n", "")
    paper = next(line for line in text.split("\n") if "2201.11903" in line)
    text = text.replace(paper + "\n  思维链（CoT）提示：让模型先写出推理步骤再给答案。\n", "")
    return text.replace("* [RAG 入门", paper + "\n* [RAG 入门", 1)


def test_edited_guide_updates_in_place_and_archives_what_is_gone():
    from accounts.models import User
    from progress.models import TopicProgress

    guide_import(parsed=guide_parse(default_text(), source="v1.md"))
    student = User.objects.create_user("s@example.org", "pw")
    gone = Section.objects.get(slug="llm-interpretability")
    progress = TopicProgress.objects.create(user=student, section=gone, status=TopicProgress.Status.DONE)
    ids = {s.slug: s.pk for s in Section.objects.all()}
    lightrag = Resource.objects.get(url="https://github.com/HKUDS/LightRAG")
    cot = Paper.objects.get(arxiv_id="2201.11903")

    report = guide_import(parsed=guide_parse(_edited(default_text()), source="v2.md"))

    assert [str(c) for c in report.changes if c.action == "archive"] == [
        "archive section llm-interpretability",
        "archive resource https://github.com/HKUDS/LightRAG",
        "archive resource https://mp.weixin.qq.com/s/udRoUMDzDpfApi5xymFk9w",
    ]
    assert "update section transformer (title)" in [str(c) for c in report.changes]
    assert "delete requirement pytorch#2" in [str(c) for c in report.changes]
    gone.refresh_from_db()
    lightrag.refresh_from_db()
    cot.refresh_from_db()
    assert gone.is_archived and lightrag.is_archived
    assert TopicProgress.objects.get(pk=progress.pk).section_id == gone.pk
    assert {s.slug: s.pk for s in Section.objects.all()} == ids
    assert Section.objects.get(slug="transformer").title == "Transformer 架构"
    assert Resource.objects.get(url="https://pytorch.org/tutorials/").note.startswith("官方维护，从入门示例")
    assert (cot.section.slug, cot.is_archived) == ("rag", False)
    assert list(Section.objects.get(slug="pytorch").requirements.values_list("text", flat=True)) == [
        "了解常见的深度学习算法和经典网络结构"
    ]

    again = guide_import(parsed=guide_parse(default_text(), source="v1.md"))

    assert sorted(str(c) for c in again.changes if c.action == "restore") == [
        "restore resource https://github.com/HKUDS/LightRAG (is_archived)",
        "restore resource https://mp.weixin.qq.com/s/udRoUMDzDpfApi5xymFk9w (is_archived)",
        "restore section llm-interpretability (is_archived)",
    ]
    assert not Section.objects.filter(is_archived=True).exists()
    assert TopicProgress.objects.get(pk=progress.pk).section.is_archived is False


def test_dry_run_reports_and_writes_nothing():
    report = guide_import(parsed=guide_read(DEFAULT_CURRICULUM_PATH), dry_run=True)
    assert report.dry_run
    assert (report.count("section", "create"), report.count("resource", "create"), report.count("paper", "create")) == (
        27,
        42,
        19,
    )
    assert report.count("prerequisite", "create") == 19
    assert Section.objects.count() == 0 and Resource.objects.count() == 0 and Paper.objects.count() == 0

    guide_import(parsed=guide_read(DEFAULT_CURRICULUM_PATH))
    before = curriculum_snapshot()
    edited = guide_import(parsed=guide_parse(_edited(default_text()), source="v2.md"), dry_run=True)
    assert edited.count(action="archive") == 3
    assert curriculum_snapshot() == before


def test_import_moves_a_url_from_resource_to_paper_without_duplicates():
    guide_import(parsed=parse("## A\n* [x](https://example.org/x) <!-- kind: article -->\n"))
    guide_import(parsed=parse("## A\n* [x](https://example.org/x) <!-- kind: paper; year: 2020 -->\n"))
    assert list(Resource.objects.values_list("url", "is_archived")) == [("https://example.org/x", True)]
    assert list(Paper.objects.values_list("url", "year", "is_archived")) == [("https://example.org/x", 2020, False)]


def test_prerequisites_follow_the_guide():
    guide_import(
        parsed=parse(
            "## A\n<!-- slug: a -->\n## B\n<!-- slug: b; requires: a -->\n## C\n<!-- slug: c; requires: a, b -->\n"
        )
    )
    report = guide_import(
        parsed=parse("## A\n<!-- slug: a -->\n## B\n<!-- slug: b -->\n## C\n<!-- slug: c; requires: b -->\n")
    )
    assert [str(c) for c in report.changes] == ["delete prerequisite b -> a", "delete prerequisite c -> a"]
    assert list(Prerequisite.objects.values_list("section__slug", "required_section__slug")) == [("c", "b")]
