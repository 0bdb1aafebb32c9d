"""Read queries: mastery (one query), what each role may see, quiz lists with the viewer's results."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.tests.factories import MentorFactory, StudentFactory
from cohorts.models import Cohort, Enrollment
from curriculum.tests.factories import SectionFactory
from quizzes.selectors import (
    NO_MASTERY,
    Mastery,
    attempts_visible_to,
    quiz_cards,
    quiz_groups,
    section_mastery,
)
from quizzes.services import quiz_attempt_start
from quizzes.tests.factories import AttemptFactory, QuizFactory, quiz_with_all_kinds, single_question

pytestmark = pytest.mark.django_db


def cohort_with(mentor, *students, active=True):
    cohort = Cohort.objects.create(
        name=f"队列 {Cohort.objects.count()}", start_date=dt.date(2026, 9, 7), end_date=dt.date(2027, 1, 31)
    )
    cohort.mentors.add(mentor)
    for s in students:
        Enrollment.objects.create(cohort=cohort, user=s, enrolled_on=dt.date(2026, 9, 7), is_active=active)
    return cohort


def test_section_mastery_in_one_query(django_assert_num_queries):
    a, b = StudentFactory(), StudentFactory()
    s1, s2, s3 = SectionFactory(), SectionFactory(), SectionFactory()
    q1, q1b = QuizFactory(section=s1), QuizFactory(section=s1)
    q2 = QuizFactory(section=s2)
    hidden = QuizFactory(section=s3, is_published=False)
    AttemptFactory(user=a, quiz=q1, score_percent=Decimal("40.00"), passed=False)
    AttemptFactory(user=a, quiz=q1b, score_percent=Decimal("85.50"), passed=True)
    AttemptFactory(user=a, quiz=q2, score_percent=Decimal("55.00"), passed=False)
    AttemptFactory(user=a, quiz=q2, submitted_at=None, score_percent=None, passed=False)  # open: ignored
    AttemptFactory(user=b, quiz=q2, score_percent=Decimal("90.00"), passed=True)
    AttemptFactory(user=a, quiz=hidden, score_percent=Decimal("100.00"), passed=True)  # unpublished: not mastered
    AttemptFactory(quiz=q1, score_percent=Decimal("100.00"))  # someone else

    with django_assert_num_queries(1):
        result = section_mastery(user_ids=[a.pk, b.pk])
    assert result == {
        (a.pk, s1.pk): Mastery(best_score=Decimal("85.50"), mastered=True, attempts=2),
        (a.pk, s2.pk): Mastery(best_score=Decimal("55.00"), mastered=False, attempts=1),
        (a.pk, s3.pk): Mastery(best_score=Decimal("100.00"), mastered=False, attempts=1),
        (b.pk, s2.pk): Mastery(best_score=Decimal("90.00"), mastered=True, attempts=1),
    }


def test_section_mastery_with_section_ids_fills_every_pair(django_assert_num_queries):
    a, b = StudentFactory(), StudentFactory()
    s1, s2 = SectionFactory(), SectionFactory()
    AttemptFactory(user=a, quiz=QuizFactory(section=s1), score_percent=Decimal("70.00"), passed=True)
    AttemptFactory(user=a, quiz=QuizFactory(), score_percent=Decimal("10.00"), passed=False)  # other section
    with django_assert_num_queries(1):
        result = section_mastery(user_ids=[a.pk, b.pk], section_ids=[s1.pk, s2.pk])
    assert result == {
        (a.pk, s1.pk): Mastery(best_score=Decimal("70.00"), mastered=True, attempts=1),
        (a.pk, s2.pk): NO_MASTERY,
        (b.pk, s1.pk): NO_MASTERY,
        (b.pk, s2.pk): NO_MASTERY,
    }


def test_attempts_visible_to_each_role():
    student, classmate, outsider = StudentFactory(), StudentFactory(), StudentFactory()
    mentor, other_mentor = MentorFactory(), MentorFactory()
    admin = StudentFactory(is_staff=True, is_superuser=True)
    cohort_with(mentor, student, classmate)
    cohort_with(other_mentor, outsider)
    mine = AttemptFactory(user=student)
    classmates = AttemptFactory(user=classmate)
    outsiders = AttemptFactory(user=outsider)
    mentors_own = AttemptFactory(user=mentor)

    def ids(user):
        return set(attempts_visible_to(user).values_list("pk", flat=True))

    assert ids(student) == {mine.pk}
    assert ids(mentor) == {mine.pk, classmates.pk, mentors_own.pk}
    assert ids(other_mentor) == {outsiders.pk}
    assert ids(admin) == {mine.pk, classmates.pk, outsiders.pk, mentors_own.pk}
    assert ids(AnonymousUser()) == set()


def test_mentor_does_not_see_students_whose_enrollment_is_inactive():
    mentor, former = MentorFactory(), StudentFactory()
    cohort_with(mentor, former, active=False)
    AttemptFactory(user=former)
    assert list(attempts_visible_to(mentor)) == []


def test_quiz_cards_carry_the_viewers_results(student, django_assert_num_queries):
    section = SectionFactory()
    quiz = quiz_with_all_kinds(section=section, max_attempts=3)
    AttemptFactory(user=student, quiz=quiz, score_percent=Decimal("25.00"), passed=False)
    AttemptFactory(user=student, quiz=quiz, score_percent=Decimal("75.00"), passed=True)
    AttemptFactory(quiz=quiz, score_percent=Decimal("100.00"))  # another student
    open_attempt, _ = quiz_attempt_start(quiz=quiz, user=student)
    QuizFactory(section=section)  # no questions: not listed
    single_question(QuizFactory(section=section, is_published=False))  # unpublished: not listed

    with django_assert_num_queries(1):
        cards = quiz_cards(user=student, section_ids=[section.pk])
    assert [
        (c.pk, c.question_count, c.attempts_used, c.best_score, c.has_passed, c.open_attempt_id, c.attempts_left)
        for c in cards
    ] == [(quiz.pk, 4, 3, Decimal("75.00"), True, open_attempt.pk, 0)]


def test_quiz_cards_show_unpublished_quizzes_to_admins(admin_user):
    quiz = QuizFactory(is_published=False)
    single_question(quiz)
    assert [c.pk for c in quiz_cards(user=admin_user)] == [quiz.pk]


def test_quiz_cards_for_anonymous_visitors():
    quiz = quiz_with_all_kinds()
    cards = quiz_cards(user=AnonymousUser())
    assert [(c.pk, c.attempts_used, c.best_score, c.has_passed, c.open_attempt_id) for c in cards] == [
        (quiz.pk, 0, None, False, None)
    ]


def test_quiz_groups_roll_up_by_top_level_section(student, django_assert_max_num_queries):
    part1, part2, empty_part = SectionFactory(order=1), SectionFactory(order=2), SectionFactory(order=3)
    topic = SectionFactory(parent=part1, order=4)
    on_part = quiz_with_all_kinds(section=part1)
    on_topic = quiz_with_all_kinds(section=topic)
    on_part2 = quiz_with_all_kinds(section=part2)
    AttemptFactory(user=student, quiz=on_part, score_percent=Decimal("50.00"), passed=False)
    AttemptFactory(user=student, quiz=on_topic, score_percent=Decimal("80.00"), passed=True)

    with django_assert_max_num_queries(3):
        groups = quiz_groups(user=student, include_empty=True)
    assert [(g.section.pk, [q.pk for q in g.quizzes], g.mastery) for g in groups] == [
        (part1.pk, [on_part.pk, on_topic.pk], Mastery(best_score=Decimal("80.00"), mastered=True, attempts=2)),
        (part2.pk, [on_part2.pk], NO_MASTERY),
        (empty_part.pk, [], NO_MASTERY),
    ]
    assert [g.section.pk for g in quiz_groups(user=student)] == [part1.pk, part2.pk]
