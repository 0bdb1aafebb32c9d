"""Reads behind the mentor pages: the matrix (exact values), sorting and filtering, headline
figures, the completion history against the plan, and the student record."""

import datetime as dt

import pytest
from django.utils import timezone
from freezegun import freeze_time

from accounts.tests.factories import AdminFactory, MentorFactory, StudentFactory
from cohorts import selectors
from cohorts.pace import PaceStatus
from cohorts.selectors import ChartPoint, cohort_matrix, cohort_progress_history, matrix_rows
from cohorts.tests.conftest import NOW, SHANGHAI, sh
from cohorts.tests.factories import CohortFactory, EnrollmentFactory, PaceMilestoneFactory, progress_at
from curriculum.selectors import curriculum_tree
from curriculum.tests.factories import SectionFactory
from progress.selectors import completion_percent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _shanghai():
    with timezone.override(SHANGHAI):
        yield


def _names(rows):
    return [r.name for r in rows]


def test_matrix_values(scenario):
    s = scenario
    matrix = cohort_matrix(cohort=s.cohort, now=NOW)
    assert [(c.section.title, c.due_week, c.due_on, c.is_overdue, c.topic_count) for c in matrix.columns] == [
        ("Prompt 工程", 1, dt.date(2026, 9, 13), True, 2),
        ("神经网络", 3, dt.date(2026, 9, 27), False, 3),
        ("附录", None, None, False, 1),
    ]
    rows = {r.user.email: r for r in matrix.rows}
    assert set(rows) == {"alice@x.org", "bob@x.org", "carol@x.org"}

    alice, bob, carol = rows["alice@x.org"], rows["bob@x.org"], rows["carol@x.org"]
    assert [(c.percent, c.bucket, c.label, c.overdue) for c in alice.cells] == [
        (100.0, 10, 100, False),
        (pytest.approx(100 / 3), 3, 33, False),
        (0.0, 0, 0, False),
    ]
    assert (alice.overall, alice.overall_label, alice.status, alice.best_quiz, alice.mastered) == (
        40.0, 40, PaceStatus.ON_TRACK, 90.0, 1,
    )  # fmt: skip
    assert alice.last_activity == sh(2026, 9, 16, 10)
    assert alice.pace.days_inactive == 1

    assert [(c.percent, c.overdue) for c in bob.cells] == [(0.0, True), (0.0, False), (0.0, False)]
    assert (bob.overall, bob.status, bob.best_quiz, bob.mastered, bob.last_activity) == (
        0.0, PaceStatus.STALLED, None, 0, None,
    )  # fmt: skip
    assert bob.pace.overdue_section_ids == (s.part_a.pk,)

    assert [(c.percent, c.bucket, c.overdue) for c in carol.cells] == [
        (50.0, 5, True),
        (0.0, 0, False),
        (0.0, 0, False),
    ]
    assert (carol.overall, carol.status, carol.best_quiz, carol.mastered) == (
        pytest.approx(100 / 6), PaceStatus.BEHIND, 70.0, 1,
    )  # fmt: skip
    assert [sec.title for sec in carol.overdue_sections] == ["Prompt 工程"]

    assert matrix.quiz_sections == 2  # A and b1; T's quiz is unpublished
    assert matrix.counts == {"on_track": 1, "behind": 1, "stalled": 1}
    assert matrix.average_overall == pytest.approx((40 + 0 + 100 / 6) / 3)
    assert (matrix.week, matrix.total_weeks) == (2, 4)
    assert sorted(matrix.milestones) == [(s.part_a.pk, 1), (s.part_b.pk, 3)]


@pytest.mark.parametrize(
    ("sort", "status", "expected"),
    [
        ("status", "", ["Bob", "Carol", "Alice"]),  # most urgent first
        ("-status", "", ["Alice", "Carol", "Bob"]),
        ("name", "", ["Alice", "Bob", "Carol"]),
        ("-name", "", ["Carol", "Bob", "Alice"]),
        ("overall", "", ["Bob", "Carol", "Alice"]),
        ("-overall", "", ["Alice", "Carol", "Bob"]),
        ("quiz", "", ["Carol", "Alice", "Bob"]),  # no score is always last
        ("-quiz", "", ["Alice", "Carol", "Bob"]),
        ("mastery", "", ["Bob", "Alice", "Carol"]),  # ties by name
        ("activity", "", ["Alice", "Carol", "Bob"]),
        ("-activity", "", ["Carol", "Alice", "Bob"]),
        ("status", "attention", ["Bob", "Carol"]),
        ("name", "behind", ["Carol"]),
        ("name", "stalled", ["Bob"]),
        ("name", "on_track", ["Alice"]),
    ],
)
def test_matrix_rows_sort_and_filter(scenario, sort, status, expected):
    matrix = cohort_matrix(cohort=scenario.cohort, now=NOW)
    assert _names(matrix_rows(matrix, sort=sort, status=status)) == expected


def test_matrix_rows_sort_by_section(scenario):
    matrix = cohort_matrix(cohort=scenario.cohort, now=NOW)
    key = f"sec-{scenario.part_a.pk}"
    assert _names(matrix_rows(matrix, sort=f"-{key}")) == ["Alice", "Carol", "Bob"]
    assert _names(matrix_rows(matrix, sort=key)) == ["Bob", "Carol", "Alice"]


@pytest.mark.parametrize(("sort", "status"), [("bogus", ""), ("sec-999999", ""), ("--name", ""), ("name", "lost")])
def test_matrix_rows_refuses_unknown_values(scenario, sort, status):
    matrix = cohort_matrix(cohort=scenario.cohort, now=NOW)
    with pytest.raises(ValueError):
        matrix_rows(matrix, sort=sort, status=status)


def test_heat_buckets():
    values = [0, 9.99, 10, 33.3, 66.67, 99.99, 100]
    assert [selectors.heat_bucket(v) for v in values] == [0, 0, 1, 3, 6, 9, 10]


@pytest.mark.parametrize(
    ("done", "skipped", "total"), [(0, 0, 0), (0, 2, 2), (1, 1, 4), (2, 0, 3), (0, 0, 5), (5, 0, 5), (1, 3, 6)]
)
def test_percent_from_counts_follows_the_completion_rule(done, skipped, total):
    statuses = ["done"] * done + ["skipped"] * skipped + ["not_started"] * (total - done - skipped)
    assert selectors.percent_from_counts(done=done, skipped=skipped, total=total) == completion_percent(statuses)


def test_cohort_summaries_for_mentor_and_admin(scenario):
    s = scenario
    other_mentor = MentorFactory()
    s.other_cohort.mentors.add(other_mentor)
    summaries = selectors.cohort_summaries(user=s.mentor, now=NOW)
    assert [x.cohort.name for x in summaries] == ["2026 秋季"]
    summary = summaries[0]
    assert (summary.students, summary.counts, summary.needs_attention, summary.week, summary.total_weeks) == (
        3, {"on_track": 1, "behind": 1, "stalled": 1}, 2, 2, 4,
    )  # fmt: skip
    assert summary.average_overall == pytest.approx((40 + 0 + 100 / 6) / 3)

    everything = selectors.cohort_summaries(user=AdminFactory(), now=NOW)
    assert sorted(x.cohort.name for x in everything) == ["2025 秋季", "2026 秋季"]
    old = next(x for x in everything if x.cohort.name == "2025 秋季")
    # The outsider's last event (09-10 09:00) is more than 7 days old; that cohort has no plan.
    assert (old.students, old.counts, old.average_overall) == (
        1, {"on_track": 0, "behind": 0, "stalled": 1}, pytest.approx(100 / 6),
    )  # fmt: skip
    assert selectors.cohort_summaries(user=StudentFactory(), now=NOW) == []


def test_visibility(scenario):
    s = scenario
    admin, student, stranger = AdminFactory(), s.alice, MentorFactory()
    assert list(selectors.cohorts_visible_to(s.mentor)) == [s.cohort]
    assert set(selectors.cohorts_visible_to(admin)) == {s.cohort, s.other_cohort}
    assert list(selectors.cohorts_visible_to(student)) == []
    assert list(selectors.cohorts_visible_to(stranger)) == []
    assert [selectors.mentor_area_allowed(u) for u in (s.mentor, admin, student, stranger)] == [True, True, False, True]


def test_history_of_the_scenario_ends_at_the_matrix_average(scenario):
    s = scenario
    matrix = cohort_matrix(cohort=s.cohort, now=NOW)
    history = cohort_progress_history(cohort=s.cohort, now=NOW, tree=matrix.tree, milestones=matrix.milestones)
    assert history.actual == [
        ChartPoint(0.0, 0.0),
        ChartPoint(1.0, pytest.approx(20 / 3)),  # Alice 1 done / (6 − 1 skipped) = 20 %, others 0
        ChartPoint(1.5, pytest.approx((40 + 0 + 100 / 6) / 3)),
    ]
    assert history.actual_now == pytest.approx(matrix.average_overall)
    assert history.planned == [
        ChartPoint(0, 0.0),
        ChartPoint(1, pytest.approx(200 / 6)),
        ChartPoint(3, pytest.approx(500 / 6)),
    ]
    assert history.planned_now == pytest.approx(200 / 6 + (300 / 6) * 0.5 / 2)
    assert (history.weeks, history.students) == (4, 3)


def test_history_replays_events_at_week_ends():
    """Week ends are local midnights; events before the start count; later changes undo earlier
    ones; events of other students, archived topics, parts and after "now" are ignored."""
    part = SectionFactory()
    t1, t2, t3 = (SectionFactory(parent=part) for _ in range(3))
    archived = SectionFactory(parent=part, is_archived=True)
    t4 = SectionFactory()  # top-level topic
    cohort = CohortFactory(start_date=dt.date(2026, 9, 7), end_date=dt.date(2026, 11, 1))  # 8 weeks
    PaceMilestoneFactory(cohort=cohort, section=part, due_week=2)
    PaceMilestoneFactory(cohort=cohort, section=t4, due_week=6)
    one, two = StudentFactory(), StudentFactory()
    EnrollmentFactory(cohort=cohort, user=one)
    EnrollmentFactory(cohort=cohort, user=two)
    outsider = StudentFactory()

    progress_at(two, t4, "skipped", sh(2026, 9, 1, 9))  # before the start
    progress_at(one, t1, "done", sh(2026, 9, 13, 23, 59, 59))  # last second of week 1
    progress_at(two, t1, "done", sh(2026, 9, 14, 0, 0, 0))  # first second of week 2
    progress_at(one, t2, "done", sh(2026, 9, 15, 9))
    progress_at(one, t2, "in_progress", sh(2026, 9, 16, 9))  # undone
    progress_at(one, archived, "done", sh(2026, 9, 15, 9))
    progress_at(outsider, t1, "done", sh(2026, 9, 10, 9))
    progress_at(one, part, "done", sh(2026, 9, 10, 9))  # not a topic
    progress_at(two, t3, "done", sh(2026, 9, 30, 9))  # after "now"

    now = sh(2026, 9, 24, 12)  # day 17 12:00 → week 17.5 / 7
    history = cohort_progress_history(cohort=cohort, now=now)
    # 4 active topics; two skipped t4 so its denominator is 3.
    assert history.actual == [
        ChartPoint(0.0, 0.0),
        ChartPoint(1.0, pytest.approx((25 + 0) / 2)),
        ChartPoint(2.0, pytest.approx((25 + 100 / 3) / 2)),
        ChartPoint(pytest.approx(17.5 / 7), pytest.approx((25 + 100 / 3) / 2)),
    ]
    assert history.planned == [ChartPoint(0, 0.0), ChartPoint(2, 75.0), ChartPoint(6, 100.0)]
    assert (history.weeks, history.students) == (8, 2)


def test_history_reads_events_in_one_query(scenario, django_assert_num_queries):
    tree = curriculum_tree()
    with django_assert_num_queries(2):  # the student ids and the events
        cohort_progress_history(cohort=scenario.cohort, now=NOW, tree=tree, milestones=[])


def test_history_before_the_start_and_after_the_end():
    cohort = CohortFactory(start_date=dt.date(2026, 9, 7), end_date=dt.date(2026, 9, 20))
    topic = SectionFactory()
    student = StudentFactory()
    EnrollmentFactory(cohort=cohort, user=student)
    progress_at(student, topic, "done", sh(2026, 9, 25, 9))  # after the end
    before = cohort_progress_history(cohort=cohort, now=sh(2026, 9, 6, 23))
    assert (before.actual, before.actual_now, before.planned_now) == ([], None, None)
    after = cohort_progress_history(cohort=cohort, now=sh(2026, 10, 30, 9))
    assert after.actual == [ChartPoint(0.0, 0.0), ChartPoint(1.0, 0.0), ChartPoint(2.0, 0.0)]


def test_planned_percent_at_interpolates():
    points = [ChartPoint(0, 0.0), ChartPoint(2, 40.0), ChartPoint(6, 100.0)]
    assert [selectors.planned_percent_at(points, w) for w in (0, 1, 2, 4, 6, 9)] == [
        0.0,
        20.0,
        40.0,
        70.0,
        100.0,
        100.0,
    ]
    assert selectors.planned_percent_at([], 3) == 0.0


def test_student_record(scenario):
    s = scenario
    enrollment = selectors.enrollment_for_mentor(cohort=s.cohort, user_id=s.alice.pk)
    with freeze_time(NOW):
        record = selectors.student_record(enrollment=enrollment)
    assert record.row.overall == 40.0
    assert [(t.title, status) for t, status, _label, _tone in record.topics_by_root[s.part_b.pk]] == [
        ("b1", "done"), ("b2", "not_started"), ("b3", "not_started"),
    ]  # fmt: skip
    assert [a.quiz.title for a in record.attempts] == ["附录小测", "b1 小测", "Prompt 小测"]
    assert [(a.event.section.title, a.event.to_status) for a in record.activity] == [
        ("b1", "done"),
        ("a2", "skipped"),
        ("a1", "done"),
    ]
    assert record.quiz_sections == 2
    # Active days over 26 weeks, in Shanghai days: 09-09, 09-10 and 09-16 had one event each.
    assert (record.heatmap.total, record.heatmap.active_days) == (3, 3)


def test_enrollment_for_mentor_refuses_students_outside_the_cohort(scenario):
    from django.http import Http404

    for user in (scenario.outsider, scenario.former):
        with pytest.raises(Http404):
            selectors.enrollment_for_mentor(cohort=scenario.cohort, user_id=user.pk)


def test_history_caches_settled_weeks_and_reads_only_the_live_week(scenario, django_assert_num_queries):
    s = scenario
    matrix = cohort_matrix(cohort=s.cohort, now=NOW)
    ids = [r.user.pk for r in matrix.rows]
    kwargs = {"cohort": s.cohort, "tree": matrix.tree, "milestones": matrix.milestones, "student_ids": ids}
    first = cohort_progress_history(now=NOW, **kwargs)
    later = NOW + dt.timedelta(hours=1)
    progress_at(s.bob, s.a1, "done", later)  # recorded in the live week
    with django_assert_num_queries(1):
        second = cohort_progress_history(now=later, **kwargs)
    assert second.actual[:2] == first.actual[:2]
    bob_gain = 100 / 6 / 3  # Bob: 1 of 6 topics, averaged over 3 students
    assert second.actual[2].percent == pytest.approx(first.actual[2].percent + bob_gain)
    # A different roster is a different cache entry.
    dan = StudentFactory()
    EnrollmentFactory(cohort=s.cohort, user=dan)
    third = cohort_progress_history(cohort=s.cohort, now=later, tree=matrix.tree, milestones=matrix.milestones)
    assert third.students == 4
    assert third.actual[1].percent == pytest.approx(first.actual[1].percent * 3 / 4)


def test_completions_by_root_agree_with_the_progress_rule():
    """Random statuses on a three-level tree: the counted figures equal progress.selectors'."""
    import random

    from progress.models import TopicProgress
    from progress.selectors import completion_for_users

    rng = random.Random(7)
    roots = [SectionFactory() for _ in range(3)]
    subs = [SectionFactory(parent=roots[0]), SectionFactory(parent=roots[1])]
    topics = [SectionFactory(parent=rng.choice(roots[1:] + subs)) for _ in range(12)]
    archived = SectionFactory(parent=roots[2], is_archived=True)
    students = [StudentFactory() for _ in range(6)]
    for student in students:
        for topic in rng.sample([*topics, archived], 8):
            status = rng.choice(["not_started", "in_progress", "done", "skipped"])
            TopicProgress.objects.create(user=student, section=topic, status=status)
    tree = curriculum_tree()
    ids = [s.pk for s in students]
    expected = completion_for_users(tree, ids)
    counted = selectors.completions_by_root(tree, ids)
    for uid in ids:
        got = counted.get(uid)
        assert (got.overall if got else 0.0) == pytest.approx(expected[uid].overall)
        for root in tree.roots:
            value = got.by_section.get(root.pk, 0.0) if got else 0.0
            assert value == pytest.approx(expected[uid].by_section[root.pk]), (uid, root.pk)


def test_data_signature_changes_with_any_progress_or_attempt_change(scenario):
    from progress.models import TopicProgress
    from progress.services import progress_record
    from quizzes.models import Attempt

    s = scenario
    tree = curriculum_tree()
    users = s.cohort.enrollments.filter(is_active=True).values("user_id")
    ids = [s.alice.pk, s.bob.pk, s.carol.pk]

    def signature():
        return selectors.cohort_data_signature(
            cohort=s.cohort, users=users, student_ids=ids, tree=tree, published=selectors._published_quizzes(tree)
        )

    seen = {signature()}
    with freeze_time(NOW):
        progress_record(user=s.carol, section=s.a2, status="done")
    seen.add(signature())
    # A progress row changed in place (same events) still changes it, through its modified stamp.
    TopicProgress.objects.filter(user=s.carol, section=s.a2).update(
        status="skipped", modified=timezone.now() + dt.timedelta(days=1)
    )
    seen.add(signature())
    Attempt.objects.filter(user=s.carol, submitted_at__isnull=True).update(submitted_at=NOW, score_percent=10)
    seen.add(signature())
    s.quiz_b1.is_published = False
    s.quiz_b1.save(update_fields=["is_published"])
    seen.add(signature())
    assert len(seen) == 5


def test_caching_can_be_turned_off(scenario, settings, django_assert_num_queries):
    settings.COHORT_CACHE_ENABLED = False
    tree = curriculum_tree()
    cohort_matrix(cohort=scenario.cohort, now=NOW, tree=tree)
    # plan, enrollments, quizzes, 3 for the signature, statuses, attempts: nothing from the cache
    with django_assert_num_queries(8):
        cohort_matrix(cohort=scenario.cohort, now=NOW, tree=tree)
