"""Benchmark: export_progress and import_progress on a generated installation.

Builds a fresh SQLite file with the default guide and quiz bank, generates N students (default 500)
with full histories (topic progress with its event log and notes, a reading list, several attempts
per quiz with their answer snapshots, cohorts with mentors and pace plans, reminder log rows), then
prints the time and query count of

- the export (``core.portability.progress_export``) and the size of the JSON file,
- an import into a second fresh SQLite file holding only the guide and quiz bank (every row created),
- the same import again (every row unchanged), and a dry run of it.

Both database files live in a temporary directory removed at the end (``--keep`` keeps them).
Prints figures only; the query bounds are pinned in core/tests/test_portability.py.

Usage (from the repository root)::

    .venv/bin/python benchmarks/progress_portability.py [--students 500] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "coinportal.settings.test"
WORKDIR = Path(tempfile.mkdtemp(prefix="coin_portability_"))
os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR / 'source.sqlite3'}"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

START = dt.datetime(2025, 9, 1, 1, 0, tzinfo=dt.UTC)


def fresh_database(name: str) -> None:
    """Point the default connection at a new SQLite file, migrate it, load the guide and quiz bank."""
    from curriculum.importer import DEFAULT_CURRICULUM_PATH
    from quizzes.bank import DEFAULT_QUIZ_BANK_PATH

    connection.close()
    connection.settings_dict["NAME"] = str(WORKDIR / name)
    call_command("migrate", verbosity=0)
    call_command("import_guide", str(DEFAULT_CURRICULUM_PATH), verbosity=0)
    call_command("load_quizzes", str(DEFAULT_QUIZ_BANK_PATH), verbosity=0)


class explicit_timestamps:
    """Let bulk_create keep the created/modified values we give (generation only, single thread)."""

    def __init__(self, *models):
        self.fields = [
            f
            for m in models
            for f in m._meta.concrete_fields
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]

    def __enter__(self):
        self.saved = [(f, f.auto_now, f.auto_now_add) for f in self.fields]
        for f in self.fields:
            f.auto_now = f.auto_now_add = False

    def __exit__(self, *exc):
        for f, now, add in self.saved:
            f.auto_now, f.auto_now_add = now, add


def generate(*, students: int, rng: random.Random) -> None:
    """Fill the current database with ``students`` students and their histories (bulk inserts)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from accounts.models import User
    from cohorts.models import Cohort, Enrollment, PaceMilestone
    from curriculum.models import Paper, Section
    from progress.models import PaperProgress, ProgressEvent, TopicProgress
    from quizzes.models import Attempt, AttemptAnswer, Quiz
    from quizzes.scoring import score_percent
    from reminders.models import ReminderLog

    password = make_password("bench-password")
    mentors = [
        User(email=f"mentor{i}@bench.invalid", display_name=f"导师{i}", password=password, date_joined=START)
        for i in range(max(2, students // 50))
    ]
    people = [
        User(
            email=f"student{i:04d}@bench.invalid",
            display_name=f"学生{i}",
            password=password,
            date_joined=START + dt.timedelta(minutes=i),
            language=rng.choice(["zh-hans", "en"]),
            reminder_hour=rng.randrange(24),
        )
        for i in range(students)
    ]
    User.objects.bulk_create(mentors + people, batch_size=500)
    mentor_group, student_group = (Group.objects.get_or_create(name=n)[0] for n in ("mentor", "student"))
    through = User.groups.through
    through.objects.bulk_create(
        [through(user_id=u.pk, group_id=mentor_group.pk) for u in mentors]
        + [through(user_id=u.pk, group_id=student_group.pk) for u in people],
        batch_size=500,
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in mentors + people], batch_size=500
    )

    roots = list(Section.objects.filter(parent__isnull=True).order_by("order"))
    topics = [s for s in Section.objects.order_by("order") if not s.children.exists()]
    papers = list(Paper.objects.all())
    quizzes = list(Quiz.objects.prefetch_related("questions__choices"))
    with explicit_timestamps(Cohort, Enrollment, TopicProgress, PaperProgress, ProgressEvent, Attempt, ReminderLog):
        cohorts = []
        for index in range(max(1, students // 100)):
            start = START.date() + dt.timedelta(weeks=index)
            cohorts.append(
                Cohort(
                    name=f"Bench cohort {index}",
                    start_date=start,
                    end_date=start + dt.timedelta(weeks=16),
                    created=START,
                    modified=START,
                )  # fmt: skip
            )
        Cohort.objects.bulk_create(cohorts)
        Cohort.mentors.through.objects.bulk_create(
            [Cohort.mentors.through(cohort_id=c.pk, user_id=rng.choice(mentors).pk) for c in cohorts]
        )
        PaceMilestone.objects.bulk_create(
            [
                PaceMilestone(cohort=c, section=root, due_week=3 * (i + 1))
                for c in cohorts
                for i, root in enumerate(roots)
            ]
        )
        Enrollment.objects.bulk_create(
            [
                Enrollment(
                    cohort=cohorts[i % len(cohorts)],
                    user=u,
                    enrolled_on=cohorts[i % len(cohorts)].start_date,
                    created=START,
                    modified=START,
                )  # fmt: skip
                for i, u in enumerate(people)
            ],
            batch_size=500,
        )

        rows, events, reading, attempts, answers, logs = [], [], [], [], [], []
        for user in people:
            clock = [START + dt.timedelta(hours=rng.randrange(100), microseconds=rng.randrange(10**6))]

            def tick(clock=clock):
                """The student's next moment: minutes to hours after the previous one."""
                clock[0] += dt.timedelta(minutes=rng.randrange(5, 600), microseconds=rng.randrange(10**6))
                return clock[0]

            for topic in topics[: rng.randrange(len(topics) // 2, len(topics) + 1)]:
                started = tick()
                events.append(
                    ProgressEvent(
                        user=user, section=topic, from_status="not_started", to_status="in_progress", created=started
                    )
                )
                done = rng.random() < 0.8
                finished = None
                for _round in range(1 + (rng.random() < 0.3) if done else 0):  # some topics are reopened once
                    if finished is not None:
                        events.append(
                            ProgressEvent(
                                user=user, section=topic, from_status="done", to_status="in_progress", created=tick()
                            )
                        )
                    moment = tick()
                    finished = finished or moment
                    events.append(
                        ProgressEvent(
                            user=user, section=topic, from_status="in_progress", to_status="done", created=moment
                        )
                    )
                note = rng.choice(["", "", f"要点：**{topic.title}**（第 {rng.randrange(1000)} 次笔记）\n\n- 复习一遍"])
                if note:
                    events.append(ProgressEvent(user=user, section=topic, kind="note", created=tick()))
                rows.append(
                    TopicProgress(
                        user=user,
                        section=topic,
                        status="done" if done else "in_progress",
                        started_at=started,
                        completed_at=finished,
                        note=note,
                        note_html=f"<p>{note}</p>" if note else "",
                        created=started,
                        modified=events[-1].created,
                    )  # fmt: skip
                )
            for paper in rng.sample(papers, k=min(len(papers), rng.randrange(3, 9))):
                added = tick()
                status = rng.choice(["to_read", "reading", "read"])
                reading.append(
                    PaperProgress(
                        user=user,
                        paper=paper,
                        status=status,
                        completed_at=added if status == "read" else None,
                        created=added,
                        modified=added,
                    )  # fmt: skip
                )
                events.append(ProgressEvent(user=user, paper=paper, from_status="", to_status=status, created=added))
            for quiz in quizzes:
                for _ in range(rng.randrange(0, 4)):
                    started = tick()
                    submitted = started + dt.timedelta(minutes=rng.randrange(2, 9))
                    questions = list(quiz.questions.all())
                    rng.shuffle(questions)
                    mine = []
                    for position, q in enumerate(questions):
                        choices = [{"id": c.pk, "html": c.text_html, "correct": c.is_correct} for c in q.choices.all()]
                        right = rng.random() < 0.7
                        mine.append(
                            AttemptAnswer(
                                question=q,
                                position=position,
                                kind=q.kind,
                                text_html=q.text_html,
                                explanation_html=q.explanation_html,
                                points=q.points,
                                choices=choices,
                                correct_bool=q.correct_bool,
                                accepted_answers=list(q.accepted_answers),
                                response=[c["id"] for c in choices if c["correct"] == right][:1] if choices else right,
                                is_correct=right,
                                points_awarded=q.points if right else 0,
                            )  # fmt: skip
                        )
                    awarded = sum(a.points_awarded for a in mine)
                    possible = sum(a.points for a in mine)
                    score = score_percent(awarded, possible)
                    attempts.append(
                        Attempt(
                            quiz=quiz,
                            user=user,
                            started_at=started,
                            submitted_at=submitted,
                            score_percent=score,
                            passed=score >= Decimal(quiz.pass_mark),
                            pass_mark=quiz.pass_mark,
                            points_awarded=awarded,
                            points_possible=possible,
                            created=started,
                            modified=submitted,
                        )  # fmt: skip
                    )
                    answers.append(mine)
            for week in range(rng.randrange(4, 12)):
                sent = START + dt.timedelta(days=7 * week, hours=1)
                logs.append(
                    ReminderLog(
                        user=user,
                        kind="inactivity",
                        period_key=(START.date() + dt.timedelta(days=7 * week)).isoformat(),
                        status="sent",
                        attempts=1,
                        to_email=user.email,
                        subject="该继续学习了",
                        detail={"idle_days": 7},
                        attempted_at=sent,
                        sent_at=sent,
                        created=sent,
                        modified=sent,
                    )  # fmt: skip
                )
        TopicProgress.objects.bulk_create(rows, batch_size=500)
        PaperProgress.objects.bulk_create(reading, batch_size=500)
        ProgressEvent.objects.bulk_create(events, batch_size=500)
        Attempt.objects.bulk_create(attempts, batch_size=500)
        for attempt, mine in zip(attempts, answers, strict=True):
            for answer in mine:
                answer.attempt = attempt
        AttemptAnswer.objects.bulk_create([a for mine in answers for a in mine], batch_size=500)
        ReminderLog.objects.bulk_create(logs, batch_size=500)


def measure(label: str, function):
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = function()
        seconds = time.perf_counter() - started
    print(f"{label:<28} {seconds:>8.2f} s {len(queries):>8} queries")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory and print its path")
    args = parser.parse_args()
    from core.portability import ENTITIES, progress_export, progress_file_read, progress_file_write, progress_import

    try:
        started = time.perf_counter()
        fresh_database("source.sqlite3")
        generate(students=args.students, rng=random.Random(2026))
        print(f"generated in {time.perf_counter() - started:.1f} s (fresh SQLite files in {WORKDIR})")

        doc = measure("export", progress_export)
        path = WORKDIR / "progress.json"
        size = measure("write JSON file", lambda: progress_file_write(doc=doc, path=path))
        print("rows: " + ", ".join(f"{len(doc[e])} {e}" for e in ENTITIES))
        print(f"attempt answers: {sum(len(a['answers']) for a in doc['quiz_attempts'])}; file: {size / 1e6:.1f} MB")

        fresh_database("target.sqlite3")
        data = measure("read JSON file", lambda: progress_file_read(path))
        report = measure("import into a fresh target", lambda: progress_import(data=data))
        print(f"  {report.summary_lines()[-1]}")
        report = measure("import the same file again", lambda: progress_import(data=data))
        print(f"  {report.summary_lines()[-1]}")
        report = measure("import --dry-run", lambda: progress_import(data=data, dry_run=True))
        print(f"  {report.summary_lines()[-1]}")
    finally:
        connection.close()
        if args.keep:
            print(f"kept {WORKDIR}")
        else:
            shutil.rmtree(WORKDIR, ignore_errors=True)


if __name__ == "__main__":
    main()
