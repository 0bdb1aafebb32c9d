"""Rendering in both languages (exact subjects), the unsubscribe headers and the signed tokens."""

import datetime as dt
import re

import pytest
from django.core import mail, signing

from reminders.emails import reminder_preview
from reminders.models import ReminderKind
from reminders.services import reminders_send_due
from reminders.tests.conftest import NOW
from reminders.tests.factories import progress_event_at, topic_status_set
from reminders.tokens import InvalidUnsubscribeToken, unsubscribe_token_make, unsubscribe_token_read

pytestmark = pytest.mark.django_db

SUBJECTS = {
    "en": {
        ReminderKind.INACTIVITY: "COIN Portal: pick up where you left off",
        ReminderKind.BEHIND: "COIN Portal: “基础知识” is past its due date",
        ReminderKind.DIGEST: "COIN Portal: cohort digest, week 10 of 2026",
    },
    "zh-hans": {
        ReminderKind.INACTIVITY: "COIN Portal：从上次停下的地方继续吧",
        ReminderKind.BEHIND: "COIN Portal：“基础知识”已过计划完成日期",
        ReminderKind.DIGEST: "COIN Portal：2026 年第 10 周学员周报",
    },
}


def messages_by_kind():
    out = {}
    for message in mail.outbox:
        token = re.search(r"/reminders/unsubscribe/([^/]+)/one-click/", message.extra_headers["List-Unsubscribe"])[1]
        out[unsubscribe_token_read(token)[1]] = message
    return out


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_each_kind_renders_in_the_users_language_with_exact_subject(backend, enroll, scene, frozen, language):
    enroll(email="li@example.org", language=language, display_name="小李")
    scene.mentor.language = language
    scene.mentor.save(update_fields=["language"])
    reminders_send_due(now=NOW)
    by_kind = messages_by_kind()
    assert {kind: m.subject for kind, m in by_kind.items()} == SUBJECTS[language]
    greeting = {"en": "Hello 小李,", "zh-hans": "小李，你好："}[language]
    due = {"en": "due Feb. 15, 2026, 0% done", "zh-hans": "截止 2026年2月15日，已完成 0%"}[language]
    assert by_kind[ReminderKind.INACTIVITY].body.startswith(greeting)
    assert due in by_kind[ReminderKind.BEHIND].body
    for message in by_kind.values():
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        assert f'<html lang="{language}">' in html


def test_two_new_overdue_sections_are_counted_in_the_subject(backend, enroll, scene, frozen):
    scene.cohort.milestones.filter(section=scene.part2).update(due_week=3)
    enroll(language="en")
    zh = enroll(language="zh-hans")
    reminders_send_due(now=NOW, kinds=[ReminderKind.BEHIND])
    assert sorted(m.subject for m in mail.outbox) == [
        "COIN Portal: 2 sections are past their due dates",
        "COIN Portal：2 个章节已过计划完成日期",
    ]
    assert zh.pk


def test_every_message_carries_the_unsubscribe_headers_and_link(backend, enroll, frozen):
    student = enroll(email="li@example.org")
    reminders_send_due(now=NOW)
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        header = message.extra_headers["List-Unsubscribe"]
        assert re.fullmatch(r"<https://coin\.example\.org/reminders/unsubscribe/[^/]+/one-click/>", header)
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message.extra_headers["Auto-Submitted"] == "auto-generated"
        page_link = header[1:-1].removesuffix("one-click/")
        assert page_link in message.body
        assert page_link in message.alternatives[0][0]
        # The headers survive into the MIME message a server receives.
        mime = message.message()
        assert mime["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert mime["List-Unsubscribe"] == header
    nudge = messages_by_kind()[ReminderKind.INACTIVITY]
    token = re.search(r"/unsubscribe/([^/]+)/one-click/", nudge.extra_headers["List-Unsubscribe"])[1]
    assert unsubscribe_token_read(token) == (student.pk, ReminderKind.INACTIVITY)


def test_optional_mailto_in_list_unsubscribe(backend, enroll, frozen, settings):
    settings.REMINDERS_UNSUBSCRIBE_MAILTO = "unsubscribe@coin.example.org"
    enroll()
    reminders_send_due(now=NOW, kinds=[ReminderKind.INACTIVITY])
    header = mail.outbox[0].extra_headers["List-Unsubscribe"]
    assert header.endswith(", <mailto:unsubscribe@coin.example.org?subject=unsubscribe%20inactivity>")


NUDGE_LINES = {
    "en": (
        "Your last step, on Feb. 27, 2026: Marked “Python 与 PyTorch” as done.",
        "Your next topics:",
        "So far you have completed 25% of the curriculum.",
    ),
    "zh-hans": (
        "你最近一次学习是在 2026年2月27日：将“Python 与 PyTorch”标记为已完成。",
        "接下来可以学习：",
        "目前你已完成课程的 25%。",
    ),
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_nudge_says_what_was_done_last_and_what_comes_next(backend, enroll, scene, frozen, language):
    t1, t2, t3, t4 = scene.topics
    student = enroll(language=language)
    topic_status_set(user=student, section=t1, status="done")
    progress_event_at(user=student, section=t1, when=NOW - dt.timedelta(days=10), to_status="done")
    reminders_send_due(now=NOW, kinds=[ReminderKind.INACTIVITY])
    body = mail.outbox[0].body
    last_step, heading, completed = NUDGE_LINES[language]
    assert last_step in body
    assert completed in body
    assert (
        f"{heading}\n"
        "- 线性代数: https://coin.example.org/curriculum/sections/linear-algebra/\n"
        "- Transformer: https://coin.example.org/curriculum/sections/transformer/\n"
        "- 数据清洗: https://coin.example.org/curriculum/sections/data-cleaning/\n"
    ) in body


def test_titles_are_plain_in_text_and_escaped_in_html(backend, enroll, scene, frozen):
    scene.part1.title = "Tips & <Tricks>"
    scene.part1.save(update_fields=["title"])
    enroll(language="en")
    reminders_send_due(now=NOW, kinds=[ReminderKind.BEHIND])
    message = mail.outbox[0]
    assert message.subject == "COIN Portal: “Tips & <Tricks>” is past its due date"
    assert "- Tips & <Tricks> — due" in message.body
    assert "Tips &amp; &lt;Tricks&gt;" in message.alternatives[0][0]


def test_preview_renders_without_sending_or_recording(backend, enroll, scene, frozen):
    student = enroll(language="en", remind_inactivity=False)
    result = reminder_preview(user=student, kind=ReminderKind.INACTIVITY, now=NOW)
    assert (result.verdict.ok, result.verdict.reason, result.period_key, result.due_now) == (
        False,
        "opted_out",
        "2026-03-09",
        True,
    )
    assert result.message.subject == "COIN Portal: pick up where you left off"
    assert mail.outbox == []
    from reminders.models import ReminderLog

    assert ReminderLog.objects.count() == 0


# --- tokens -----------------------------------------------------------------------------------


def test_token_round_trip():
    token = unsubscribe_token_make(user_id=42, kind=ReminderKind.DIGEST)
    assert unsubscribe_token_read(token) == (42, ReminderKind.DIGEST)


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(lambda: unsubscribe_token_make(user_id=42, kind="digest")[:-2] + "xx", id="tampered-signature"),
        pytest.param(
            lambda: unsubscribe_token_make(user_id=42, kind="digest").replace(
                signing.dumps({"u": 42, "k": "digest"}, salt="reminders.unsubscribe").split(":")[0],
                signing.dumps({"u": 43, "k": "digest"}, salt="reminders.unsubscribe").split(":")[0],
            ),
            id="tampered-user",
        ),
        pytest.param(lambda: signing.dumps({"u": 42, "k": "digest"}), id="other-salt"),
        pytest.param(lambda: signing.dumps({"u": 42, "k": "newsletter"}, salt="reminders.unsubscribe"), id="bad-kind"),
        pytest.param(lambda: signing.dumps([42, "digest"], salt="reminders.unsubscribe"), id="bad-payload"),
        pytest.param(lambda: "not-a-token", id="garbage"),
    ],
)
def test_bad_tokens_are_refused(token):
    with pytest.raises(InvalidUnsubscribeToken) as info:
        unsubscribe_token_read(token())
    assert info.value.expired is False


def test_expired_token_is_refused(frozen, settings):
    settings.REMINDERS_UNSUBSCRIBE_MAX_AGE_DAYS = 180
    token = unsubscribe_token_make(user_id=42, kind="digest")
    frozen.tick(dt.timedelta(days=179))
    assert unsubscribe_token_read(token) == (42, "digest")
    frozen.tick(dt.timedelta(days=2))
    with pytest.raises(InvalidUnsubscribeToken) as info:
        unsubscribe_token_read(token)
    assert info.value.expired is True


def test_digest_subject_names_the_week_its_date_range_covers(backend, enroll, scene, frozen):
    """Sent on Monday 9 March 2026 (ISO week 11): the digest covers 2–9 March, i.e. week 10."""
    enroll(language="zh-hans")
    scene.mentor.language = "zh-hans"
    scene.mentor.save(update_fields=["language"])
    reminders_send_due(now=NOW)
    digest = messages_by_kind()[ReminderKind.DIGEST]
    assert digest.subject == "COIN Portal：2026 年第 10 周学员周报"
    assert "你的班级动态（2026年3月2日 至 2026年3月9日）：" in digest.body
    assert f"== {scene.cohort.name}（1 名学员） ==" in digest.body
    html, _ = digest.alternatives[0]
    assert '<span class="muted">（1 名学员）</span>' in html
