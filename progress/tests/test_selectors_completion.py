"""The completion rule: done ÷ (all − skipped), per subtree and overall."""

import pytest

from accounts.tests.factories import StudentFactory
from curriculum.selectors import curriculum_tree
from curriculum.tests.factories import SectionFactory
from progress.models import TopicProgress
from progress.selectors import completion_for_statuses, completion_for_users, completion_percent

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], 0.0),
        (["not_started"], 0.0),
        (["done"], 100.0),
        (["done", "not_started"], 50.0),
        (["done", "skipped", "not_started"], 50.0),
        (["done", "in_progress", "not_started"], pytest.approx(100 / 3)),
        (["skipped", "skipped"], 100.0),
    ],
)
def test_completion_percent(statuses, expected):
    assert completion_percent(statuses) == expected


def test_completion_over_tree_and_users_in_one_query(django_assert_num_queries):
    part = SectionFactory()
    a, b = SectionFactory(parent=part), SectionFactory(parent=part)
    other = SectionFactory()  # a top-level topic
    student = StudentFactory()
    TopicProgress.objects.create(user=student, section=a, status="done")
    TopicProgress.objects.create(user=student, section=b, status="skipped")
    tree = curriculum_tree()
    with django_assert_num_queries(1):
        result = completion_for_users(tree, [student.pk])[student.pk]
    # A skipped topic has nothing left to do, so it counts as complete on its own.
    assert result.by_section == {part.pk: 100.0, a.pk: 100.0, b.pk: 100.0, other.pk: 0.0}
    assert result.overall == 50.0  # done 1 / (3 topics - 1 skipped)


def test_completion_missing_rows_count_as_not_started():
    part = SectionFactory()
    SectionFactory(parent=part)
    tree = curriculum_tree()
    assert completion_for_statuses(tree, {}).overall == 0.0
