"""setup_demo (what `make run` calls) is idempotent and never overwrites an admin's edits."""

import pytest
from django.core.management import call_command

from accounts.models import User
from curriculum.models import Paper, Resource, Section
from quizzes.models import Quiz

pytestmark = pytest.mark.django_db


def test_setup_demo_twice_creates_nothing_new_and_keeps_admin_edits(capsys):
    call_command("setup_demo")
    counts = (Section.objects.count(), Resource.objects.count(), Paper.objects.count(), User.objects.count())
    assert counts == (27, 42, 19, 3)
    section = Section.objects.get(slug="pytorch")
    section.title = "PyTorch（管理员改过）"
    section.save(update_fields=["title"])

    call_command("setup_demo")
    out = capsys.readouterr().out
    assert (Section.objects.count(), Resource.objects.count(), Paper.objects.count(), User.objects.count()) == counts
    assert Section.objects.get(slug="pytorch").title == "PyTorch（管理员改过）"
    assert "Curriculum already present: left as it is." in out
    assert "Quizzes already present: left as they are." in out
    assert Quiz.objects.count() == 5
    assert "student  student@coin.local     coin-student-2026" in out
