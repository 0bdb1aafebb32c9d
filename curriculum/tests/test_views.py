"""Curriculum pages: roadmap, section page, the guide's local files, and their query counts."""

import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.models import User
from curriculum.importer import DEFAULT_CURRICULUM_PATH, guide_import, guide_parse, guide_read
from curriculum.models import LocalReference, Section
from curriculum.tests.helpers import tripled_default_text

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def curriculum():
    guide_import(parsed=guide_read(DEFAULT_CURRICULUM_PATH))


def section_url(slug):
    return reverse("curriculum:section_detail", kwargs={"slug": slug})


def test_overview_lists_parts_with_subtree_counts(client, curriculum):
    response = client.get(reverse("curriculum:overview"), **EN)

    assert response.status_code == 200
    roots = response.context["roots"]
    assert [(p.title, p.topic_count, p.total_resource_count, p.total_paper_count) for p in roots] == [
        ("提示工程", 3, 4, 0),
        ("神经网络模型基础", 6, 6, 4),
        ("PyTorch 教程", 1, 3, 0),
        ("HuggingFace", 1, 2, 0),
        ("大语言模型进阶学习", 9, 27, 15),
    ]
    html = response.content.decode()
    assert '<a href="/curriculum/sections/nn-basics/">神经网络模型基础</a>' in html
    assert "6 topics" in html and "27 resources" in html and "15 papers" in html
    assert '<a href="/curriculum/sections/huggingface/">HuggingFace</a>' in html  # prerequisite hint of advanced-llm


def test_overview_in_chinese_by_default(client, curriculum):
    html = client.get(reverse("curriculum:overview")).content.decode()
    assert "<h1>大语言模型培训课程</h1>" in html
    assert "<span>6 个主题</span>" in html and "<span>27 个资源</span>" in html and "<span>15 篇论文</span>" in html


def test_overview_when_empty(client):
    response = client.get(reverse("curriculum:overview"), **EN)
    assert response.status_code == 200
    assert "The curriculum is empty." in response.content.decode()


def test_login_can_be_required(client, curriculum, settings):
    settings.CURRICULUM_REQUIRE_LOGIN = True
    response = client.get(section_url("pytorch"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_section_page_groups_resources_by_kind_with_host(client, curriculum):
    response = client.get(section_url("llm-training-platform"), **EN)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>LLM 训练推理实验平台</h1>" in html
    groups = [(str(kind), [(r.title, r.host) for r in items]) for kind, items in response.context["resource_groups"]]
    assert groups == [
        ("Documentation", [("LLaMA-Factory 训练命令示例", "github.com")]),
        ("Repository", [("LLaMA-Factory", "github.com")]),
    ]
    assert '<span class="host">github.com</span>' in html
    assert [a.title for a in response.context["ancestors"]] == ["大语言模型进阶学习"]
    assert "<strong>Study first:</strong>" in html and "/curriculum/sections/huggingface-resources/" in html


def test_section_page_shows_papers_with_arxiv_links(client, curriculum):
    html = client.get(section_url("llm-papers"), **EN).content.decode()
    assert 'href="https://arxiv.org/abs/2203.02155"' in html
    assert "arXiv:2203.02155" in html
    assert "Training language models to follow instructions with human feedback（InstructGPT）" in html
    assert '<span class="host">openai.com</span>' in html  # a paper without arXiv id shows its host


def test_section_page_shows_requirements_and_topics(client, curriculum):
    response = client.get(section_url("advanced-llm"), **EN)
    html = response.content.decode()
    assert "<li>用过 HuggingFace Transformers 的代码和常用接口</li>" in html
    assert [c.slug for c in response.context["children"]][:2] == ["llm-study-materials", "llm-papers"]


def test_local_files_are_listed_as_not_provided(client, curriculum):
    html = client.get(section_url("llm-study-materials"), **EN).content.decode()
    assert '<a href="LLM.pdf">《大语言模型》</a>' in html  # in the body, relative to the section URL
    files = html[html.index('<section id="files">') :]
    assert re.search(
        r'《大语言模型》\s*<span class="pill pill-muted">File not provided</span>\s*<span class="host">LLM.pdf</span>',
        files,
    )


def test_unknown_and_archived_sections_are_404(client, curriculum):
    assert client.get(section_url("nope")).status_code == 404
    Section.objects.filter(slug="pytorch").update(is_archived=True)
    assert client.get(section_url("pytorch")).status_code == 404


def test_missing_file_page_in_chinese(client, curriculum):
    response = client.get(reverse("curriculum:local_file", args=["llm-study-materials", "LLM.pdf"]))
    assert "<h1>文件未提供</h1>" in response.content.decode()


def test_missing_image_gets_a_placeholder_svg(client, curriculum):
    response = client.get(reverse("curriculum:local_file", args=["prompt-playground", "figure/poe1.png"]), **EN)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "File not provided: figure/poe1.png" in response.content.decode()


def test_missing_document_is_a_404_page(client, curriculum):
    response = client.get(reverse("curriculum:local_file", args=["llm-study-materials", "LLM.pdf"]), **EN)
    assert response.status_code == 404
    assert "curriculum/missing_file.html" in [t.name for t in response.templates]
    assert "The guide refers to “LLM.pdf”, but no copy has been uploaded yet." in response.content.decode()


def test_uploaded_file_is_a_redirect(client, curriculum):
    ref = LocalReference.objects.get(path="LLM.pdf")
    ref.file.save("LLM.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    response = client.get(reverse("curriculum:local_file", args=["llm-study-materials", "LLM.pdf"]))
    assert response.status_code == 302
    assert response["Location"] == ref.file.url


def test_unknown_local_file_is_404(client, curriculum):
    assert client.get(reverse("curriculum:local_file", args=["pytorch", "nope.png"])).status_code == 404


def test_nul_character_in_slug_or_path_is_404(client, curriculum):
    """PostgreSQL refuses NUL in a text comparison: these lookups were a 500 there."""
    assert client.get(section_url("pytorch\x00")).status_code == 404
    assert (
        client.get(reverse("curriculum:local_file", args=["prompt-playground", "figure/poe1.png\x00"])).status_code
        == 404
    )


@pytest.mark.parametrize("size", ["guide", "three-times"])
def test_query_counts_do_not_grow_with_the_curriculum(client, size, django_assert_max_num_queries):
    text = DEFAULT_CURRICULUM_PATH.read_text(encoding="utf-8") if size == "guide" else tripled_default_text()
    report = guide_import(parsed=guide_parse(text, source=size))
    expected_sections = {"guide": 27, "three-times": 81}[size]
    assert report.totals["section"] == expected_sections
    client.force_login(User.objects.create_user("s@example.org", "pw"))

    with django_assert_max_num_queries(5):
        assert client.get(reverse("curriculum:overview")).status_code == 200
    for slug in ("advanced-llm", "llm-papers", "prompt-playground"):
        with django_assert_max_num_queries(16):  # 15 + 1: health of the page's links (linkcheck badge)
            assert client.get(section_url(slug)).status_code == 200


@pytest.mark.django_db
def test_paper_year_is_shown_only_when_the_venue_does_not_name_it(client):
    from curriculum.tests.factories import PaperFactory, SectionFactory

    section = SectionFactory(title="论文", slug="papers-x")
    PaperFactory(section=section, authors="Brown et al.", venue="NeurIPS 2020", year=2020)
    PaperFactory(section=section, authors="Vaswani et al.", venue="NeurIPS", year=2017)
    PaperFactory(section=section, authors="Ouyang et al.", venue="", year=2022)
    html = client.get(section_url("papers-x"), **EN).content.decode()
    metas = re.findall(r'<div class="meta">(<span>.*?)</div>', html)
    assert metas == [
        "<span>Brown et al.</span><span>NeurIPS 2020</span>",
        "<span>Vaswani et al.</span><span>NeurIPS</span><span>2017</span>",
        "<span>Ouyang et al.</span><span>2022</span>",
    ]
