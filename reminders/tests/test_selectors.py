"""Who gets what: eligibility per kind, each exclusion, the preferred hour, next topics, the digest
facts, and a selection whose query count does not grow with the number of students."""

import datetime as dt

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import StudentFactory
from cohorts.models import Enrollment
from curriculum.models import Prerequisite
from curriculum.selectors import curriculum_tree
from progress.models import TopicProgress
from reminders.models import ReminderKind, ReminderLog
from reminders.selectors import (
    Reason,
    digest_for_mentor,
    milestones_by_cohort,
    next_topics,
    reminder_facts,
    reminder_verdict_now,
    reminders_due,
    student_facts_for,
    with_verified_email,
)
from reminders.tests.conftest import NOW
from reminders.tests.factories import (
    AttemptFactory,
    EnrollmentFactory,
    QuizFactory,
    ReminderLogFactory,
    progress_event_at,
    topic_status_set,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(frozen):
    """Every test here runs at Monday 2026-03-09 09:00 Shanghai."""


INACTIVITY, BEHIND, DIGEST = ReminderKind.INACTIVITY, ReminderKind.BEHIND, ReminderKind.DIGEST


def due_pairs(now=NOW):
    return [(d.kind, d.user.email) for d in reminders_due(now=now)]


def verdict(user, kind, now=NOW, key="2026-03-09"):
    return reminder_verdict_now(user_id=user.pk, kind=kind, period_key=key, tree=curriculum_tree(), now=now)[0]


def test_idle_student_gets_nudge_and_behind_notice_and_mentor_gets_digest(enroll, scene):
    student = enroll(email="li@example.org")
    due = reminders_due(now=NOW)
    assert [(d.kind, d.user.email, d.period_key, d.email) for d in due] == [
        (INACTIVITY, "li@example.org", "2026-03-09", "li@example.org"),
        (BEHIND, "li@example.org", "2026-03-09", "li@example.org"),
        (DIGEST, "mentor@example.org", "2026-W11", "mentor@example.org"),
    ]
    assert verdict(student, INACTIVITY).ok


def test_nothing_is_due_before_the_preferred_hour(enroll):
    enroll(email="li@example.org")
    assert due_pairs(NOW - dt.timedelta(minutes=15)) == []


def test_only_the_right_people(enroll, scene):
    """One student per exclusion; only ``ok@`` gets a nudge."""
    enroll(email="ok@example.org")
    enroll(email="inactive@example.org", is_active=False)
    unverified = enroll(email="unverified@example.org")
    EmailAddress.objects.filter(user=unverified).update(verified=False)
    finished = enroll(email="finished@example.org")
    for topic in scene.topics:
        topic_status_set(user=finished, section=topic, status=TopicProgress.Status.DONE)
    enroll(email="optout@example.org", remind_inactivity=False)
    gone = enroll(email="dropped@example.org")
    Enrollment.objects.filter(user=gone).update(is_active=False)
    StudentFactory(email="never-enrolled@example.org")
    recent = enroll(email="recent@example.org")
    progress_event_at(user=recent, section=scene.topics[0], when=NOW - dt.timedelta(days=6, hours=23))

    nudged = [email for kind, email in due_pairs() if kind == INACTIVITY]
    assert nudged == ["ok@example.org"]


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (lambda u, s: type(u).objects.filter(pk=u.pk).update(is_active=False), Reason.INACTIVE_USER),
        (lambda u, s: EmailAddress.objects.filter(user=u).update(verified=False), Reason.UNVERIFIED),
        (lambda u, s: type(u).objects.filter(pk=u.pk).update(remind_inactivity=False), Reason.OPTED_OUT),
        (lambda u, s: Enrollment.objects.filter(user=u).update(is_active=False), Reason.NO_ENROLLMENT),
        (
            lambda u, s: [topic_status_set(user=u, section=t, status="done") for t in s.topics],
            Reason.FINISHED,
        ),
        (
            lambda u, s: progress_event_at(user=u, section=s.topics[0], when=NOW - dt.timedelta(days=6, hours=23)),
            Reason.NOT_IDLE,
        ),
    ],
    ids=["inactive", "unverified", "opted-out", "no-active-enrollment", "finished", "not-yet-7-days"],
)
def test_each_exclusion_has_its_reason(enroll, scene, setup, reason):
    student = enroll()
    setup(student, scene)
    result = verdict(student, INACTIVITY)
    assert (result.ok, result.reason) == (False, reason)


def test_exactly_n_days_idle_is_enough(enroll, scene, settings):
    settings.REMINDERS_INACTIVITY_DAYS = 7
    student = enroll()
    progress_event_at(user=student, section=scene.topics[0], when=NOW - dt.timedelta(days=7))
    assert verdict(student, INACTIVITY).ok


def test_a_verified_secondary_address_is_used_when_the_primary_is_not(enroll):
    student = enroll(email="li@example.org")
    EmailAddress.objects.filter(user=student).update(verified=False)
    EmailAddress.objects.create(user=student, email="li@lab.example.org", verified=True, primary=False)
    assert [(d.kind, d.email) for d in reminders_due(now=NOW, kinds=[INACTIVITY])] == [
        (INACTIVITY, "li@lab.example.org")
    ]


def test_nudges_at_most_every_n_days(enroll):
    student = enroll()
    ReminderLogFactory(user=student, kind=INACTIVITY, period_key="2026-03-06", sent_at=NOW - dt.timedelta(days=3))
    assert verdict(student, INACTIVITY).reason == Reason.RECENTLY_NUDGED
    ReminderLog.objects.update(sent_at=NOW - dt.timedelta(days=7))
    assert verdict(student, INACTIVITY).ok


def test_behind_notice_announces_each_overdue_section_once(enroll, scene):
    student = enroll()
    progress_event_at(user=student, section=scene.topics[0], when=NOW - dt.timedelta(days=1))
    assert verdict(student, BEHIND).ok
    ReminderLogFactory(user=student, kind=BEHIND, period_key="2026-02-16", detail={"section_ids": [scene.part1.pk]})
    assert verdict(student, BEHIND).reason == Reason.ALREADY_ANNOUNCED
    # The same period's own row (a retry) does not count as an earlier announcement.
    assert verdict(student, BEHIND, key="2026-02-16").ok


def test_not_behind_when_the_overdue_section_is_complete(enroll, scene):
    student = enroll()
    for topic in scene.topics[:2]:
        topic_status_set(user=student, section=topic, status="done")
    assert verdict(student, BEHIND).reason == Reason.NOT_BEHIND


def test_behind_is_judged_on_the_students_local_date(enroll, scene):
    """Part 1 is due by Sunday 2026-02-15. At 2026-02-15 17:00 UTC it is still Sunday in New York
    but already Monday in Shanghai."""
    moment = dt.datetime(2026, 2, 15, 17, 0, tzinfo=dt.UTC)
    shanghai = enroll(time_zone="Asia/Shanghai")
    new_york = enroll(time_zone="America/New_York")
    assert verdict(shanghai, BEHIND, now=moment, key="2026-02-16").ok
    assert verdict(new_york, BEHIND, now=moment, key="2026-02-15").reason == Reason.NOT_BEHIND


def test_preferred_hour_in_new_york_on_the_spring_forward_day(enroll):
    enroll(email="ny@example.org", time_zone="America/New_York", reminder_hour=9)
    before = dt.datetime(2026, 3, 8, 12, 45, tzinfo=dt.UTC)  # 08:45 EDT
    at = dt.datetime(2026, 3, 8, 13, 0, tzinfo=dt.UTC)  # 09:00 EDT (14:00 UTC the day before)
    assert due_pairs(before) == []
    assert (INACTIVITY, "ny@example.org") in due_pairs(at)


def test_preferred_hour_in_shanghai(enroll):
    enroll(email="sh@example.org", time_zone="Asia/Shanghai", reminder_hour=20)
    assert due_pairs(dt.datetime(2026, 3, 10, 11, 45, tzinfo=dt.UTC)) == []  # 19:45
    assert due_pairs(dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)) == [
        (INACTIVITY, "sh@example.org"),
        (BEHIND, "sh@example.org"),
    ]


def test_sent_and_skipped_rows_are_not_selected_again_failed_ones_are(enroll, settings):
    student = enroll()
    log = ReminderLogFactory(user=student, kind=INACTIVITY, period_key="2026-03-09", status="sent")
    assert INACTIVITY not in [k for k, _ in due_pairs()]
    ReminderLog.objects.filter(pk=log.pk).update(status="skipped")
    assert INACTIVITY not in [k for k, _ in due_pairs()]
    ReminderLog.objects.filter(pk=log.pk).update(status="failed", attempts=1)
    assert INACTIVITY in [k for k, _ in due_pairs()]
    ReminderLog.objects.filter(pk=log.pk).update(attempts=settings.REMINDERS_MAX_ATTEMPTS)
    assert INACTIVITY not in [k for k, _ in due_pairs()]


def test_digest_exclusions(scene, enroll):
    enroll()
    scene.mentor.remind_digest = False
    scene.mentor.save(update_fields=["remind_digest"])
    assert verdict(scene.mentor, DIGEST, key="2026-W11").reason == Reason.OPTED_OUT
    scene.mentor.remind_digest = True
    scene.mentor.save(update_fields=["remind_digest"])
    Enrollment.objects.update(is_active=False)
    assert verdict(scene.mentor, DIGEST, key="2026-W11").reason == Reason.NO_STUDENTS


def test_selection_query_count_does_not_grow_with_students(scene, enroll):
    def seed(n):
        for i in range(n):
            student = enroll()
            if i % 3 == 0:
                progress_event_at(user=student, section=scene.topics[0], when=NOW - dt.timedelta(days=i % 10))
                topic_status_set(user=student, section=scene.topics[1], status="done")
            if i % 4 == 0:
                ReminderLogFactory(user=student, kind=BEHIND, period_key="2026-02-20", detail={"section_ids": []})

    def count():
        with CaptureQueriesContext(connection) as ctx:
            due = reminders_due(now=NOW)
        return len(ctx.captured_queries), len(due)

    seed(10)
    queries_10, due_10 = count()
    seed(90)
    queries_100, due_100 = count()
    assert due_100 > due_10 > 0
    assert queries_100 == queries_10


def test_student_facts_for_many_students_in_fixed_queries(scene, enroll, django_assert_num_queries):
    from accounts.models import User

    ids = [enroll().pk for _ in range(5)]
    students = list(with_verified_email(User.objects.filter(pk__in=ids)))
    tree = curriculum_tree()
    with django_assert_num_queries(5):
        facts = student_facts_for(students, tree=tree)
    assert sorted(facts) == sorted(ids)
    assert {f.email for f in facts.values()} == {s.email for s in students}


def test_recheck_of_one_enrolled_student_costs_four_queries(enroll, django_assert_num_queries):
    student = enroll(email="li@example.org")
    tree = curriculum_tree()
    plans = milestones_by_cohort(tree)
    with django_assert_num_queries(4):
        facts = reminder_facts(user_id=student.pk, kind=INACTIVITY, tree=tree, milestones=plans)
    assert (facts.user.pk, facts.email, facts.enrollment.user_id) == (student.pk, "li@example.org", student.pk)
    assert facts.milestones == plans[facts.enrollment.cohort_id]


# --- next topics ------------------------------------------------------------------------------


def test_next_topics_in_order_respecting_prerequisites(scene, enroll):
    t1, t2, t3, t4 = scene.topics
    Prerequisite.objects.create(section=t3, required_section=scene.part1)
    student = enroll()
    tree = curriculum_tree()
    edges = {t3.pk: {scene.part1.pk}}

    def titles(statuses):
        return [t.title for t in next_topics(tree, statuses, edges)]

    assert titles({}) == [t1.title, t2.title, t4.title]
    assert titles({t1.pk: "done"}) == [t2.title, t4.title]
    assert titles({t1.pk: "done", t2.pk: "skipped"}) == [t3.title, t4.title]
    assert student.pk  # the student only anchors the scene


def test_next_topics_wait_for_a_parts_prerequisite(scene):
    t1, t2, t3, t4 = scene.topics
    tree = curriculum_tree()
    edges = {scene.part2.pk: {scene.part1.pk}}
    assert [t.title for t in next_topics(tree, {t1.pk: "done"}, edges)] == [t2.title]
    assert [t.title for t in next_topics(tree, {t1.pk: "done", t2.pk: "done"}, edges)] == [t3.title, t4.title]


# --- digest facts -----------------------------------------------------------------------------


def test_digest_reports_behind_stalled_finished_and_quizzes_of_the_week(scene, enroll):
    t1, t2, t3, t4 = scene.topics
    stalled = enroll(email="a-stalled@example.org", display_name="甲")
    behind = enroll(email="b-behind@example.org", display_name="乙")
    progress_event_at(user=behind, section=t3, when=NOW - dt.timedelta(days=2), to_status="done")
    progress_event_at(user=behind, section=t4, when=NOW - dt.timedelta(days=9), to_status="done")  # last week
    quiz = QuizFactory(section=t1, title="基础测验")
    AttemptFactory(user=behind, quiz=quiz, submitted_at=NOW - dt.timedelta(days=1), score_percent=85, passed=True)
    AttemptFactory(user=behind, quiz=quiz, submitted_at=NOW - dt.timedelta(days=8), score_percent=40, passed=False)
    other = EnrollmentFactory()  # another cohort: not in this digest
    progress_event_at(user=other.user, section=t1, when=NOW - dt.timedelta(days=1), to_status="done")

    digest = digest_for_mentor(cohort_ids=[scene.cohort.pk], tree=curriculum_tree(), now=NOW, tz=dt.UTC)
    assert len(digest) == 1
    cohort = digest[0]
    assert [s.user.email for s in cohort.stalled] == ["a-stalled@example.org"]
    assert [(s.user.email, s.overdue_titles) for s in cohort.behind] == [("b-behind@example.org", ["基础知识"])]
    assert [(s.user.email, s.finished_topics) for s in cohort.finishers] == [("b-behind@example.org", ["Transformer"])]
    assert [(s.user.email, [(a.quiz.title, a.score_percent) for a in s.attempts]) for s in cohort.quiz_takers] == [
        ("b-behind@example.org", [("基础测验", 85)])
    ]
    assert stalled.pk


def test_digest_for_mentor_query_count(scene, enroll, django_assert_num_queries):
    for _ in range(4):
        enroll()
    tree = curriculum_tree()
    with django_assert_num_queries(7):
        digest_for_mentor(cohort_ids=[scene.cohort.pk], tree=tree, now=NOW, tz=dt.UTC)
