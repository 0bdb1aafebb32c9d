"""Portable progress export and import (core.portability, export_progress, import_progress).

The round trip builds a rich source database through the apps' own services, exports it, wipes
every student row *and* the curriculum and quiz bank, loads the guide and quiz bank again (so every
database id differs), imports the file and compares a snapshot of every relevant table, built
from the models' own field lists with references replaced by natural keys, field by field.
"""

import datetime as dt
import json
import random

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from accounts.models import Invitation, User
from accounts.services import invitation_create, invitations_send
from accounts.tests.factories import PASSWORD, AdminFactory, MentorFactory, StudentFactory, UserFactory
from cohorts.models import Cohort, Enrollment, PaceMilestone, PendingEnrollment
from cohorts.services import cohort_bulk_enroll, enrollment_create
from core.portability import (
    ENTITIES,
    FORMAT,
    VERSION,
    MissingReferencesError,
    ProgressFileError,
    progress_export,
    progress_import,
)
from curriculum.importer import DEFAULT_CURRICULUM_PATH, guide_import, guide_read
from curriculum.models import Paper, Section
from progress.models import PaperProgress, ProgressEvent, TopicProgress
from progress.services import (
    paper_status_set,
    progress_note_set,
    progress_record,
    reading_list_add,
    reading_list_remove,
)
from quizzes.bank import DEFAULT_QUIZ_BANK_PATH
from quizzes.models import Attempt, AttemptAnswer, Choice, Question, Quiz
from quizzes.services import quiz_attempt_close_expired, quiz_attempt_start, quiz_attempt_submit, quiz_bank_load
from reminders.models import ReminderLog

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 1, 2, 3, 123456, tzinfo=dt.UTC)

#: Every table the format carries; the snapshot compares all their columns and many-to-many sets.
CARRIED = {
    "users": User,
    "email_addresses": EmailAddress,
    "invitations": Invitation,
    "cohorts": Cohort,
    "pace_milestones": PaceMilestone,
    "enrollments": Enrollment,
    "pending_enrollments": PendingEnrollment,
    "topic_progress": TopicProgress,
    "paper_progress": PaperProgress,
    "progress_events": ProgressEvent,
    "quiz_attempts": Attempt,
    "attempt_answers": AttemptAnswer,
    "reminder_logs": ReminderLog,
}


def at(minutes: float):
    """Freeze the clock ``minutes`` after :data:`T0` (microseconds kept)."""
    return freeze_time(T0 + dt.timedelta(minutes=minutes))


def catalogue_load():
    """The default guide, the default quiz bank and one admin-made quiz without keys."""
    guide_import(parsed=guide_read(DEFAULT_CURRICULUM_PATH))
    quiz_bank_load(paths=[DEFAULT_QUIZ_BANK_PATH])
    quiz = Quiz.objects.create(
        section=Section.objects.get(slug="transformer"), title="课堂小测（管理员出题）", pass_mark=50
    )
    Question.objects.create(
        quiz=quiz, order=0, kind="true_false", text="Transformer 依靠**注意力**。", correct_bool=True
    )
    single = Question.objects.create(quiz=quiz, order=1, kind="single", text="哪一篇提出了 Transformer？")
    Choice.objects.create(question=single, order=0, text="*Attention Is All You Need*", is_correct=True)
    Choice.objects.create(question=single, order=1, text="BERT", is_correct=False)


def catalogue_wipe():
    """Delete the student data, then the curriculum and quizzes (cascades remove the rest)."""
    User.objects.all().delete()
    Cohort.objects.all().delete()
    Invitation.objects.all().delete()
    Section.objects.all().delete()
    assert Quiz.objects.count() == Paper.objects.count() == AttemptAnswer.objects.count() == 0


def answer_form(attempt, *, wrong=()):
    """Form data answering every question of ``attempt``: right, except positions in ``wrong``."""
    data = {}
    for answer in attempt.answers.all():
        right = answer.position not in wrong
        if answer.kind in ("single", "multiple"):
            ids = [choice["id"] for choice in answer.choices if choice["correct"] == right]
            data[answer.field_name] = [str(i) for i in (ids[:1] if answer.kind == "single" else ids)]
        elif answer.kind == "true_false":
            data[answer.field_name] = ["true" if answer.correct_bool == right else "false"]
        else:
            data[answer.field_name] = [answer.accepted_answers[0] if right else "不知道"]
    return data


def build_source():
    """A source installation with every kind of row the format carries."""
    catalogue_load()
    topic = {slug: Section.objects.get(slug=slug) for slug in ("cnn", "transformer", "bert", "prompt-playground")}
    paper = {p.section.slug: p for p in Paper.objects.filter(section__slug__in=["transformer", "bert", "gpt"])}
    with at(0):
        admin = AdminFactory(email="admin@example.org", display_name="管理员")
        mentor = MentorFactory(
            email="mentor@example.org", language="en", time_zone="Europe/Berlin", remind_digest=False,
            reminder_hour=7, quiet_hours_enabled=False, quiet_hours_start=dt.time(23, 30),
            quiet_hours_end=dt.time(6, 15),
        )  # fmt: skip
        alice = StudentFactory(email="alice@example.org", display_name="爱丽丝", remind_behind=False)
        bob = StudentFactory(email="bob@example.org")
        UserFactory(email="norole@example.org", display_name="")
        EmailAddress.objects.create(user=alice, email="Alice.Work@Example.org", verified=False, primary=False)
    User.objects.filter(pk=admin.pk).update(last_login=T0 + dt.timedelta(days=1, microseconds=7))
    User.objects.filter(pk=bob.pk).update(is_active=False, date_joined=T0 - dt.timedelta(days=400))

    with at(5):
        invitation_create(email="Pending@Example.org", role="mentor", invited_by=admin)
        invitation = invitation_create(email="sent@example.org", invited_by=mentor)
    with at(6):
        invitations_send(invitations=[invitation])
    spring = Cohort.objects.create(name="2026 春季", start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 7, 5))
    with at(10):
        autumn = Cohort.objects.create(name="2025 秋季", start_date=dt.date(2025, 9, 1), end_date=dt.date(2026, 1, 18))
        spring.mentors.add(mentor)
        autumn.mentors.add(mentor, admin)
        PaceMilestone.objects.create(cohort=spring, section=Section.objects.get(slug="prompt-engineering"), due_week=2)
        PaceMilestone.objects.create(cohort=spring, section=Section.objects.get(slug="nn-basics"), due_week=6)
        enrollment_create(cohort=spring, user=alice, enrolled_on=dt.date(2026, 3, 2))
        enrollment_create(cohort=autumn, user=bob, enrolled_on=dt.date(2025, 9, 1))
    with at(11):
        enrollment_create(cohort=spring, user=bob, enrolled_on=dt.date(2026, 3, 3), move=True)
        cohort_bulk_enroll(cohort=spring, text="newbie@example.org", invited_by=mentor)

    with at(20):
        progress_record(user=alice, section=topic["cnn"], status="in_progress")
        progress_record(user=alice, section=topic["cnn"], status="done")  # two events in the same microsecond
    with at(21):
        progress_note_set(user=alice, section=topic["cnn"], note="卷积 = **局部** 连接\n\n- 权重共享")
        progress_record(user=alice, section=topic["transformer"], status="skipped")
        progress_note_set(user=alice, section=topic["bert"], note="读 [论文](https://arxiv.org/abs/1810.04805)")
        progress_record(user=bob, section=topic["prompt-playground"], status="in_progress")
    with at(22):
        reading_list_add(user=alice, paper=paper["transformer"])
        reading_list_remove(user=alice, paper=paper["transformer"])
        reading_list_add(user=alice, paper=paper["transformer"])  # an event equal to the first one
        paper_status_set(user=alice, paper=paper["bert"], status="read")
        paper_status_set(user=bob, paper=paper["gpt"], status="reading")

    rng = random.Random(7)
    quizzes = {quiz.key: quiz for quiz in Quiz.objects.all()}
    with at(30):
        first, _ = quiz_attempt_start(quiz=quizzes["prompt-engineering-basics"], user=alice, rng=rng)
    with at(34):
        quiz_attempt_submit(attempt_id=first.pk, user=alice, data=answer_form(first, wrong={0, 5}))
    with at(35):
        second, _ = quiz_attempt_start(quiz=quizzes["prompt-engineering-basics"], user=alice, rng=rng)
    with at(39):
        quiz_attempt_submit(attempt_id=second.pk, user=alice, data=answer_form(second))
    with at(40):
        timed, _ = quiz_attempt_start(quiz=quizzes["pytorch-basics"], user=bob, rng=rng)
        quiz_attempt_start(quiz=quizzes["nn-basics-check"], user=alice, rng=rng)  # stays open
        keyless, _ = quiz_attempt_start(quiz=quizzes[None], user=bob, rng=rng)
    with at(41):
        quiz_attempt_submit(attempt_id=keyless.pk, user=bob, data=answer_form(keyless, wrong={1}))
    with at(55):
        quiz_attempt_close_expired(attempt_id=timed.pk)
    # A question deleted after it was answered: the snapshot keeps it, the link becomes null.
    Question.objects.get(quiz__key="prompt-engineering-basics", key="cot-name").delete()

    with at(60):
        ReminderLog.objects.create(
            user=alice, kind="inactivity", period_key="2026-03-09", status="sent", attempts=1,
            to_email=alice.email, subject="[COIN Portal] 该继续学习了", detail={"idle_days": 7, "next": ["bert"]},
            attempted_at=T0 + dt.timedelta(minutes=59), sent_at=T0 + dt.timedelta(minutes=60),
        )  # fmt: skip
        ReminderLog.objects.create(
            user=mentor, kind="digest", period_key="2026-W11", status="failed", attempts=2, to_email=mentor.email,
            error="SMTPServerDisconnected: Connection unexpectedly closed",
        )  # fmt: skip


def natural(value):
    """A model instance as its natural key (ids never appear in a snapshot)."""
    if value is None:
        return None
    if isinstance(value, User):
        return value.email
    if isinstance(value, Section):
        return value.slug
    if isinstance(value, Paper):
        return value.url
    if isinstance(value, Cohort):
        return value.name
    if isinstance(value, Quiz):
        return value.key or (value.section.slug, value.title)
    if isinstance(value, Question):
        return (natural(value.quiz), value.key or value.text)
    if isinstance(value, Attempt):
        return (value.user.email, natural(value.quiz), value.started_at)
    if hasattr(value, "name"):  # Group, Permission
        return value.name
    raise TypeError(value)


def snapshot() -> dict[str, list]:
    """Every row of :data:`CARRIED`, every concrete field and many-to-many set but the primary key
    and the password, references replaced by natural keys; rows sorted."""
    tables = {}
    for name, model in CARRIED.items():
        rows = []
        for obj in model.objects.all():
            row = {}
            for f in model._meta.concrete_fields:
                if f.primary_key or f.name == "password":
                    continue
                row[f.name] = (
                    natural(getattr(obj, f.name)) if isinstance(f, models.ForeignKey) else getattr(obj, f.name)
                )
            for f in model._meta.many_to_many:
                row[f.name] = sorted(natural(related) for related in getattr(obj, f.name).all())
            rows.append(row)
        tables[name] = sorted(rows, key=repr)
    return tables


def counts(report) -> dict[str, tuple[int, int, int]]:
    return {entity: (c.created, c.updated, c.unchanged) for entity, c in report.counts.items()}


#: Rows of the source (entity: number), as built above.
SOURCE_ROWS = {
    "users": 5,
    "email_addresses": 6,
    "invitations": 3,  # Pending@, sent@ and newbie@ (from the bulk enrollment)
    "cohorts": 2,
    "pace_milestones": 2,
    "enrollments": 3,  # alice in spring, bob moved from autumn (ended) to spring
    "pending_enrollments": 1,
    "topic_progress": 4,
    "paper_progress": 3,
    "progress_events": 11,
    "quiz_attempts": 5,
    "reminder_logs": 2,
}


@pytest.fixture
def source():
    build_source()
    return snapshot()


def test_source_has_every_kind_of_row(source):
    """The round trip below compares real data: each carried table has the rows built for it."""
    assert {name: len(rows) for name, rows in source.items()} == {**SOURCE_ROWS, "attempt_answers": 6 + 6 + 7 + 7 + 2}
    assert [r["to_status"] for r in source["progress_events"] if r["paper"]].count("to_read") == 2
    assert sum(1 for r in source["attempt_answers"] if r["question"] is None) == 2  # cot-name, in two attempts


def test_round_trip_into_a_fresh_catalogue_restores_every_field(source):
    data = json.loads(json.dumps(progress_export()))  # through real JSON text
    old_ids = set(Section.objects.values_list("pk", flat=True))
    catalogue_wipe()
    catalogue_load()
    assert not old_ids & set(Section.objects.values_list("pk", flat=True))  # every id differs now

    report = progress_import(data=data)

    assert counts(report) == {entity: (SOURCE_ROWS[entity], 0, 0) for entity in ENTITIES}
    after = snapshot()
    for name in CARRIED:
        assert after[name] == source[name], name
    assert not any(user.has_usable_password() for user in User.objects.all())


def test_export_document_envelope_and_natural_references(source):
    with freeze_time("2026-03-10T08:00:00+08:00"):
        doc = progress_export()
    assert (doc["format"], doc["version"], doc["exported_at"]) == (FORMAT, VERSION, "2026-03-10T00:00:00.000000+00:00")
    assert [u["email"] for u in doc["users"]] == [
        "admin@example.org", "alice@example.org", "bob@example.org", "mentor@example.org", "norole@example.org",
    ]  # fmt: skip
    assert [(u["role"], u["is_superuser"]) for u in doc["users"]] == [
        ("admin", True), ("student", False), ("student", False), ("mentor", False), (None, False),
    ]  # fmt: skip
    assert doc["topic_progress"][0] == {
        "user": "alice@example.org",
        "section": "bert",
        "status": "not_started",
        "started_at": None,
        "completed_at": None,
        "note": "读 [论文](https://arxiv.org/abs/1810.04805)",
        "created": "2026-03-02T01:23:03.123456+00:00",
        "modified": "2026-03-02T01:23:03.123456+00:00",
    }
    keyless = next(a for a in doc["quiz_attempts"] if isinstance(a["quiz"], dict))
    assert keyless["quiz"] == {"section": "transformer", "title": "课堂小测（管理员出题）"}
    assert sorted(json.dumps(a["question"], ensure_ascii=False) for a in keyless["answers"]) == [
        '{"text": "Transformer 依靠**注意力**。"}',
        '{"text": "哪一篇提出了 Transformer？"}',
    ]
    assert keyless["score_percent"] == "50.00"
    assert doc["cohorts"][0]["mentors"] == ["admin@example.org", "mentor@example.org"]
    assert "password" not in doc["users"][0]


def test_second_import_changes_nothing(source):
    data = progress_export()
    report = progress_import(data=data)
    assert counts(report) == {entity: (0, 0, SOURCE_ROWS[entity]) for entity in ENTITIES}
    assert snapshot() == source


def test_import_twice_into_a_fresh_catalogue_creates_once(source):
    data = progress_export()
    catalogue_wipe()
    catalogue_load()
    progress_import(data=data)
    again = progress_import(data=data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, sum(SOURCE_ROWS.values()))
    assert snapshot() == source


def test_import_puts_changed_rows_back_and_keeps_existing_passwords(source):
    data = progress_export()
    alice = User.objects.get(email="alice@example.org")
    with at(500):
        progress_record(user=alice, section=Section.objects.get(slug="transformer"), status="done")
    Cohort.objects.get(name="2025 秋季").mentors.remove(User.objects.get(email="admin@example.org"))
    User.objects.filter(email="mentor@example.org").update(is_staff=True, display_name="改过")
    Attempt.objects.filter(user=alice, submitted_at__isnull=True).update(submitted_at=T0, score_percent=0)

    report = progress_import(data=data)

    assert {entity: c.updated for entity, c in report.counts.items() if c.updated} == {
        "users": 1, "cohorts": 1, "topic_progress": 1, "quiz_attempts": 1,
    }  # fmt: skip
    assert report.counts["progress_events"].created == 0  # the new event is the target's own: it stays
    after = snapshot()
    for name in CARRIED:
        if name != "progress_events":
            assert after[name] == source[name], name
    assert len(after["progress_events"]) == SOURCE_ROWS["progress_events"] + 1
    assert User.objects.get(email="alice@example.org").check_password(PASSWORD)


def test_dry_run_counts_and_writes_nothing(source):
    data = progress_export()
    catalogue_wipe()
    catalogue_load()
    with CaptureQueriesContext(connection) as queries:
        report = progress_import(data=data, dry_run=True)
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith(("SELECT", "SAVEPOINT", "RELEASE"))]
    assert writes == []
    assert report.dry_run is True
    assert counts(report) == {entity: (SOURCE_ROWS[entity], 0, 0) for entity in ENTITIES}
    assert User.objects.count() == Cohort.objects.count() == Attempt.objects.count() == 0


def test_export_and_import_take_a_fixed_number_of_queries(source, django_assert_max_num_queries):
    """Query counts do not grow with rows (up to BATCH_SIZE rows per table; then one more per batch)."""
    # 15 reads (one per table, plus role groups, mentors and attempt answers), SAVEPOINT and RELEASE.
    with django_assert_max_num_queries(17):
        data = progress_export()
    catalogue_wipe()
    catalogue_load()
    # SAVEPOINT/RELEASE, 19 reads (4 curriculum maps, 15 existing rows), 2 id maps, 2 role groups,
    # and per table one INSERT plus one UPDATE restoring auto timestamps (24 writes).
    with django_assert_max_num_queries(49):
        progress_import(data=data)
    with django_assert_max_num_queries(25):  # nothing to write the second time
        progress_import(data=data)


def test_missing_sections_papers_quizzes_and_questions_stop_the_import(source):
    data = progress_export()
    catalogue_wipe()
    catalogue_load()
    Section.objects.get(slug="cnn").delete()
    Paper.objects.get(section__slug="gpt").delete()
    Question.objects.get(quiz__key="prompt-engineering-basics", key="few-shot").delete()
    Quiz.objects.get(key="pytorch-basics").delete()

    with pytest.raises(MissingReferencesError) as info:
        progress_import(data=data)

    assert str(info.value) == (
        '4 references to the curriculum or quiz bank missing in this installation, the first: section "cnn". '
        "Load the same guide (import_guide) and quiz bank (load_quizzes) first; nothing was written."
    )
    assert info.value.missing == [
        'section "cnn"',
        'paper "https://cdn.openai.com/research-covers/language-unsupervised/language_understanding_paper.pdf"',
        'question "few-shot" of quiz "prompt-engineering-basics"',
        'quiz "pytorch-basics"',
    ]
    assert User.objects.count() == 0


def test_missing_keyless_quiz_is_named_by_title_and_section(source):
    data = progress_export()
    data = {**data, "quiz_attempts": [a for a in data["quiz_attempts"] if isinstance(a["quiz"], dict)]}
    Quiz.objects.filter(key__isnull=True).update(title="改名了")
    with pytest.raises(MissingReferencesError) as info:
        progress_import(data=data)
    assert info.value.missing == ['quiz "课堂小测（管理员出题）" (section "transformer")']
    assert str(info.value).startswith(
        "1 reference to the curriculum or quiz bank missing in this installation, the first: quiz"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"format": "something-else"},
            'not a COIN Portal progress file (format "something-else", expected "coinportal-progress")',
        ),
        ({"version": 2}, "format version 2 is not supported: this installation reads version 1"),
        ({"version": "1"}, 'format version "1" is not supported: this installation reads version 1'),
        ({"exported_at": "2026-03-09T10:00:00"}, "exported_at: expected an ISO 8601 date and time with a UTC offset"),
        ({"extra": []}, 'unknown top-level field "extra"'),
        ({"cohorts": {}}, "cohorts: expected a list (the field is not a list)"),
    ],
    ids=["format", "version-2", "version-string", "naive-time", "unknown-field", "not-a-list"],
)
def test_envelope_errors(source, change, message):
    data = {**progress_export(), **change}
    with pytest.raises(ProgressFileError) as info:
        progress_import(data=data)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("entity", "field", "value", "message"),
    [
        (
            "topic_progress",
            "status",
            "finished",
            'topic_progress[0].status: "finished" is not one of not_started, in_progress, done, skipped',
        ),
        ("users", "time_zone", "Mars/Olympus", "users[0].time_zone: 'Mars/Olympus' is not a known time zone"),
        ("users", "reminder_hour", 24, "users[0].reminder_hour: 24 is out of range (0–23)"),
        (
            "quiz_attempts",
            "score_percent",
            83.33,
            'quiz_attempts[0].score_percent: expected a decimal number as a string, e.g. "83.33"',
        ),
        (
            "enrollments",
            "user",
            "ghost@example.org",
            "enrollments[0].user: user ghost@example.org is neither in the file nor here",
        ),
        (
            "progress_events",
            "created",
            None,
            "progress_events[0].created: expected an ISO 8601 date and time with a UTC offset",
        ),
        ("reminder_logs", "detail", [], "reminder_logs[0].detail: expected a JSON object"),
    ],
    ids=["status", "time-zone", "hour", "score-number", "unknown-user", "null-time", "detail-list"],
)
def test_field_errors_name_the_place(source, entity, field, value, message):
    data = progress_export()
    data[entity][0][field] = value
    with pytest.raises(ProgressFileError) as info:
        progress_import(data=data)
    assert str(info.value) == message
    assert not ProgressEvent.objects.filter(user__email="ghost@example.org").exists()


def test_structural_errors(source):
    data = progress_export()
    data["users"][1]["nickname"] = "x"
    with pytest.raises(ProgressFileError, match=r'^users\[1\]: unknown field "nickname"$'):
        progress_import(data=data)
    data = progress_export()
    del data["quiz_attempts"][2]["answers"][0]["points"]
    with pytest.raises(ProgressFileError, match=r'^quiz_attempts\[2\]\.answers\[0\]: missing field "points"$'):
        progress_import(data=data)
    data = progress_export()
    data["topic_progress"].append(dict(data["topic_progress"][0]))
    with pytest.raises(ProgressFileError) as info:
        progress_import(data=data)
    assert str(info.value) == "topic_progress[4]: the same row as topic_progress[0] (alice@example.org, bert)"


def test_conflict_with_the_target_rolls_everything_back(source):
    data = progress_export()
    catalogue_wipe()
    catalogue_load()
    alice = UserFactory(email="alice@example.org")
    enrollment_create(cohort=Cohort.objects.create(name="别的班", start_date=T0.date(), end_date=T0.date()), user=alice)
    with pytest.raises(ProgressFileError) as info:
        progress_import(data=data)
    assert str(info.value).startswith("the file conflicts with data in this installation (")
    assert str(info.value).endswith("); nothing was written")
    assert (User.objects.count(), Cohort.objects.count(), TopicProgress.objects.count()) == (1, 1, 0)


def test_snapshot_html_is_sanitised_on_import(source):
    data = progress_export()
    answer = data["quiz_attempts"][0]["answers"][0]
    answer["text_html"] = '<p onclick="steal()">Q</p><script>alert(1)</script>'
    progress_import(data=data)
    stored = AttemptAnswer.objects.filter(text_html__startswith="<p>Q").values_list("text_html", flat=True)
    assert list(stored) == ["<p>Q</p>alert(1)"]


# --- The commands ---------------------------------------------------------------------------------


@pytest.fixture
def manage(monkeypatch):
    """Run ``manage.py <args>`` in this process as the shell would; returns the exit status.

    ``run_from_argv`` closes every database connection when it ends, which would end the test's
    transaction on PostgreSQL; that one call is disabled here.
    """
    from django.core.management import ManagementUtility
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(*args: str) -> int:
        try:
            ManagementUtility(["manage.py", *args]).execute()
        except SystemExit as exc:
            return exc.code
        return 0

    return run


def test_export_command_writes_the_file_and_import_command_reads_it(source, tmp_path, capsys):
    path = tmp_path / "progress.json"
    call_command("export_progress", "-o", str(path))
    err = capsys.readouterr().err
    assert err.startswith(f"Wrote {path} (")
    assert err.endswith("5 users, 6 email_addresses, 3 invitations, 2 cohorts, 2 pace_milestones, 3 enrollments, "
                        "1 pending_enrollments, 4 topic_progress, 3 paper_progress, 11 progress_events, "
                        "5 quiz_attempts, 2 reminder_logs.\n")  # fmt: skip
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == FORMAT
    assert "爱丽丝" in path.read_text(encoding="utf-8")  # UTF-8, not \\u escapes
    assert not list(tmp_path.glob(".*partial"))

    catalogue_wipe()
    catalogue_load()
    call_command("import_progress", str(path), "--dry-run")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"Dry run of {path}: nothing was written."
    assert out[1] == "  users: 5 would be created, 0 would be updated, 0 unchanged"
    assert out[-1] == "  total: 47 would be created, 0 would be updated, 0 unchanged"
    assert User.objects.count() == 0

    call_command("import_progress", str(path))
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"Imported {path}."
    assert out[-1] == "  total: 47 created, 0 updated, 0 unchanged"
    assert snapshot() == source


def test_export_command_to_standard_output(source, capsys):
    call_command("export_progress")
    assert json.loads(capsys.readouterr().out)["users"][0]["email"] == "admin@example.org"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{", "not valid JSON (line 1, column 2: Expecting property name enclosed in double quotes)"),
        ("[1, 2]", 'not a COIN Portal progress file (no "format": "coinportal-progress")'),
        (b"\xff\xfe{}", "not UTF-8 text"),
        (
            '{"format": "coinportal-progress", "version": 9}',
            "format version 9 is not supported: this installation reads version 1",
        ),
    ],
    ids=["missing", "bad-json", "not-an-object", "not-utf8", "version"],
)
def test_import_command_bad_file_is_one_line_and_exit_status_1(tmp_path, capsys, manage, content, message):
    path = tmp_path / "progress.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError) as info:
        call_command("import_progress", str(path))
    assert str(info.value) == f"{path}: {message}"
    assert manage("import_progress", str(path)) == 1
    assert capsys.readouterr().err == f"CommandError: {path}: {message}\n"


def test_import_command_on_a_directory(tmp_path):
    with pytest.raises(CommandError) as info:
        call_command("import_progress", str(tmp_path))
    assert str(info.value) == f"{tmp_path}: not a file"


def test_import_command_missing_reference_exit_status(source, tmp_path, capsys, manage):
    path = tmp_path / "progress.json"
    call_command("export_progress", "-o", str(path))
    catalogue_wipe()
    catalogue_load()
    Section.objects.get(slug="bert").delete()
    capsys.readouterr()
    assert manage("import_progress", str(path)) == 1
    assert capsys.readouterr().err == (
        f"CommandError: {path}: 2 references to the curriculum or quiz bank missing in this installation, the first: "
        'section "bert". Load the same guide (import_guide) and quiz bank (load_quizzes) first; nothing was written.\n'
    )
    assert User.objects.count() == 0


def test_imported_user_sets_a_password_through_the_reset_mail(source, client, mailoutbox):
    """Passwords are not carried: an imported student cannot log in until the reset link sets one."""
    data = progress_export()
    catalogue_wipe()
    catalogue_load()
    progress_import(data=data)
    assert not client.login(email="alice@example.org", password=PASSWORD)
    mailoutbox.clear()  # the invitation sent while building the source

    response = client.post("/accounts/password/reset/", {"email": "alice@example.org"})
    assert response["Location"] == "/accounts/password/reset/done/"
    assert [message.to for message in mailoutbox] == [["alice@example.org"]]
    path = "/accounts/password/reset/key/" + mailoutbox[0].body.split("/accounts/password/reset/key/")[1].split()[0]
    form_url = client.get(path)["Location"]  # allauth moves the key into the session
    done = client.post(form_url, {"password1": "a-new-Passw0rd!", "password2": "a-new-Passw0rd!"})
    assert done["Location"] == "/accounts/password/reset/key/done/"
    assert client.login(email="alice@example.org", password="a-new-Passw0rd!")


def test_the_example_in_the_format_document_imports():
    """docs/progress-format.md shows a file this code accepts (the document cannot drift from it)."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "progress-format.md").read_text(encoding="utf-8")
    example = text.split("## Example", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    catalogue_load()

    report = progress_import(data=json.loads(example))

    assert {entity: c.created for entity, c in report.counts.items()} == dict.fromkeys(ENTITIES, 1) | {
        "users": 2,
        "email_addresses": 1,
    }
    attempt = Attempt.objects.get()
    assert (attempt.user.email, attempt.quiz.key, str(attempt.score_percent)) == (
        "alice@example.org", "prompt-engineering-basics", "66.67",
    )  # fmt: skip
    assert attempt.answers.get().question == Question.objects.get(
        quiz__key="prompt-engineering-basics", key="visual-platform"
    )
    assert User.objects.get(email="mentor@example.org").mentored_cohorts.get().name == "2026 春季"
    assert (
        TopicProgress.objects.get().note_html
        == '<p>读 <a href="https://arxiv.org/abs/1810.04805" rel="nofollow noopener">论文</a></p>'
    )
