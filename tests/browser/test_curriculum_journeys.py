"""Browser journeys over the curriculum: browsing in both languages and editing in admin."""

import pytest

from accounts.tests.factories import PASSWORD, AdminFactory
from curriculum.models import Section
from curriculum.tests.factories import ResourceFactory, SectionFactory
from tests.browser.conftest import axe_serious_violations, login, shoot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def small_curriculum():
    part = SectionFactory(title="PyTorch教程", slug="pytorch", summary="深度学习框架")
    topic = SectionFactory(parent=part, title="资料汇总", slug="pytorch-resources")
    ResourceFactory(section=topic, title="官方文档", url="https://pytorch.org/tutorials/", kind="documentation")
    return part, topic


def test_visitor_browses_the_curriculum_in_chinese_and_english(page, live_server, small_curriculum):
    part, topic = small_curriculum
    page.goto(f"{live_server.url}/curriculum/")
    assert page.locator("h1").inner_text() == "大语言模型培训课程"
    assert page.locator(f"#part-{part.slug} h2 a").inner_text() == "PyTorch教程"
    assert axe_serious_violations(page) == []
    shoot(page, "curriculum-overview-zh")

    page.click(f"text={topic.title}")
    assert page.locator("h1").inner_text() == "资料汇总"
    assert page.locator("#resources a", has_text="官方文档").get_attribute("href") == "https://pytorch.org/tutorials/"
    assert axe_serious_violations(page) == []
    shoot(page, "section-zh")

    page.click("button[name=language][value=en]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#resources h2").inner_text() == "Resources"
    shoot(page, "section-en")
    assert page.console_errors == []


def test_admin_edits_a_section_in_django_admin(page, live_server, small_curriculum):
    part, _ = small_curriculum
    admin = AdminFactory()
    login(page, live_server.url, admin.email, PASSWORD)
    page.goto(f"{live_server.url}/admin/curriculum/section/{part.pk}/change/")
    page.fill("input[name=title]", "PyTorch 入门")
    page.fill("textarea[name=body]", "先学 **张量**。<script>alert(1)</script>")
    page.click("input[name=_save]")
    page.wait_for_load_state("networkidle")
    shoot(page, "admin-section-saved")
    part.refresh_from_db()
    assert part.title == "PyTorch 入门"
    # Saved through the one sanitizing renderer: the script tag is gone, its text is inert.
    assert Section.objects.get(pk=part.pk).body_html == "<p>先学 <strong>张量</strong>。alert(1)</p>"
    assert page.console_errors == []  # admin pages have no <link rel="icon">: /favicon.ico must not 404
