"""The portal by keyboard alone: log in, reach a topic's status control and change it with Tab,
Shift+Tab, Enter and Space, with a visible focus indicator on every stop."""

import pytest
from playwright.sync_api import expect

from curriculum.models import Section
from progress.models import TopicProgress
from tests.browser.conftest import check_page, focus_ring, settle_animations, shoot

pytestmark = pytest.mark.django_db(transaction=True)

#: Tab presses allowed to reach a target; a page that needs more has lost its tab order.
MAX_TABS = 30


def assert_focus_visible(page) -> dict:
    """The focused element matches ``:focus-visible`` and draws a ring: a solid outline of at least
    2px, or (text fields) Pico's focus border shadow. Returns :func:`focus_ring`'s description."""
    settle_animations(page)  # Pico fades its focus shadow in
    ring = focus_ring(page)
    assert ring["tag"] != "body", "focus fell back to the page"
    assert ring["focusVisible"], ring
    outline = ring["outlineStyle"] == "solid" and ring["outlineWidth"] >= 2
    field_border = (
        ring["tag"] == "input" and ring["boxShadow"].startswith("rgb(") and " 0px 0px 0px " in ring["boxShadow"]
    )
    assert outline or field_border, ring
    return ring


def tab_to(page, predicate, *, key: str = "Tab") -> dict:
    """Press ``key`` until the focused element satisfies ``predicate`` (checking the focus ring at
    each stop); fails after :data:`MAX_TABS` presses."""
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        ring = assert_focus_visible(page)
        if predicate(ring):
            return ring
    raise AssertionError(f"not reached in {MAX_TABS} presses of {key}; last focus: {ring}")


def test_student_logs_in_and_changes_a_topic_status_by_keyboard_alone(page, live_server, demo):
    topic = Section.objects.get(slug="pytorch").children.get()
    page.goto(f"{live_server.url}/accounts/login/?next={topic.get_absolute_url()}")
    page.wait_for_load_state("networkidle")

    # The first Tab reaches the skip link, which shows itself; Enter jumps past the navigation.
    ring = tab_to(page, lambda r: True)
    assert ring["text"] == "跳到正文"
    skip = page.locator(".skip-link")
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0
    # Opaque, so it does not print over the brand link beneath it.
    assert skip.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(255, 255, 255)"
    shoot(page, "keyboard-01-skip-link")
    page.keyboard.press("Enter")
    assert tab_to(page, lambda r: True)["name"] == "login"  # the first field after the skip target

    page.keyboard.type(demo["student"].email)
    tab_to(page, lambda r: r["name"] == "password")
    page.keyboard.type("coin-student-2026")
    shoot(page, "keyboard-02-login-filled")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.url == f"{live_server.url}{topic.get_absolute_url()}"
    check_page(page, "keyboard-03-topic")

    # Tab to the topic's "done" button, step back and forth with Shift+Tab, press it with Space.
    done_id = f"topic-{topic.pk}-done"
    tab_to(page, lambda r: r["id"] == done_id)
    assert tab_to(page, lambda r: True, key="Shift+Tab")["id"] == f"topic-{topic.pk}-in_progress"
    assert tab_to(page, lambda r: True)["id"] == done_id
    shoot(page, "keyboard-04-status-focused")
    with page.expect_response(lambda r: r.url.endswith(f"/progress/topics/{topic.pk}/status/")):
        page.keyboard.press("Space")
    done = page.locator(f"#{done_id}")
    expect(done).to_have_attribute("aria-pressed", "true")
    # htmx swapped the control's inside; focus is back on the same button, still visibly.
    assert assert_focus_visible(page)["id"] == done_id
    shoot(page, "keyboard-05-status-done")
    assert TopicProgress.objects.get(user=demo["student"], section=topic).status == TopicProgress.Status.DONE

    # Enter works too: back to "in progress".
    assert tab_to(page, lambda r: True, key="Shift+Tab")["id"] == f"topic-{topic.pk}-in_progress"
    with page.expect_response(lambda r: r.url.endswith(f"/progress/topics/{topic.pk}/status/")):
        page.keyboard.press("Enter")
    expect(page.locator(f"#topic-{topic.pk}-in_progress")).to_have_attribute("aria-pressed", "true")
    expect(done).to_have_attribute("aria-pressed", "false")
    assert TopicProgress.objects.get(user=demo["student"], section=topic).status == TopicProgress.Status.IN_PROGRESS
    assert page.console_errors == []
