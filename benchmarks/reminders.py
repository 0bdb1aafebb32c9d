"""Benchmark one reminder run over 10,000 students: selection, then rendering and "sending" to the
locmem mail backend. Prints wall time and query counts.

Usage (from the repository root)::

    .venv/bin/python benchmarks/reminders.py                       # fresh SQLite file in /tmp
    .venv/bin/python benchmarks/reminders.py --db postgres         # PostgreSQL DB coin_bench_reminders
    .venv/bin/python benchmarks/reminders.py --students 2000

The PostgreSQL database must be called ``coin_bench_reminders`` (``--pg-url`` sets server and user).
It is created when missing; when it exists it is wiped and recreated only if every user in it was
made by this script (``@bench.invalid`` addresses): a database with any other user is refused.

Scene: 50 cohorts of 200 students (a curriculum of 5 parts × 6 topics, a pace plan due every two
weeks, 2 mentors per cohort), the clock at Monday 2026-03-09 09:00 in Shanghai. 90 % of the students
are in Asia/Shanghai with the default 09:00 hour (due now), the rest elsewhere (not due); progress
is spread so that some are idle, some behind, some finished.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_DB = "coin_bench_reminders"
BENCH_DOMAIN = "bench.invalid"
NOW = dt.datetime(2026, 3, 9, 1, 0, tzinfo=dt.UTC)  # Monday 09:00 Asia/Shanghai


def fail(message: str) -> None:
    print(f"benchmarks/reminders.py: {message}", file=sys.stderr)
    sys.exit(1)


def prepare_postgres(url: str) -> str:
    """Create (or safely recreate) the dedicated benchmark database; return its URL."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") or PG_DB
    if name != PG_DB:
        fail(f"refusing to use database {name!r}: the benchmark only uses {PG_DB!r}")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    target_url = urlunsplit(parts._replace(path=f"/{PG_DB}"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DB]).fetchone()
        if exists:
            with psycopg.connect(target_url) as db:
                has_users = db.execute("SELECT to_regclass('public.accounts_user') IS NOT NULL").fetchone()[0]
                if has_users:
                    others = db.execute(
                        "SELECT count(*) FROM accounts_user WHERE email NOT LIKE %s", [f"%@{BENCH_DOMAIN}"]
                    ).fetchone()[0]
                    if others:
                        fail(f"{PG_DB} holds {others} user(s) not made by this benchmark; refusing to touch it")
                else:
                    tables = db.execute(
                        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
                    ).fetchone()[0]
                    if tables:
                        fail(f"{PG_DB} holds tables that are not the portal's; refusing to touch it")
            admin.execute(f'DROP DATABASE "{PG_DB}"')
        admin.execute(f'CREATE DATABASE "{PG_DB}"')
    return target_url


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "coinportal.settings.test"  # locmem mail, fast hashing
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def seed(students: int, rng: random.Random) -> dict:
    """Bulk-create the scene; return counts."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import Group
    from django.db import transaction

    from accounts.models import User
    from cohorts.models import Cohort, Enrollment, PaceMilestone
    from curriculum.models import Prerequisite, Section
    from progress.models import ProgressEvent, TopicProgress
    from quizzes.models import Attempt, Quiz

    if User.objects.exclude(email__endswith=f"@{BENCH_DOMAIN}").exists():
        fail("the database holds real users; refusing to seed")
    batch = 5000
    with transaction.atomic():
        parts = Section.objects.bulk_create(
            [Section(title=f"第 {p + 1} 部分", slug=f"part-{p}", order=p * 10) for p in range(5)]
        )
        topics = Section.objects.bulk_create(
            [
                Section(title=f"主题 {p + 1}.{t + 1}", slug=f"topic-{p}-{t}", order=p * 10 + t + 1, parent=part)
                for p, part in enumerate(parts)
                for t in range(6)
            ]
        )
        Prerequisite.objects.bulk_create(
            [Prerequisite(section=parts[i + 1], required_section=parts[i]) for i in range(0, 4, 2)]
        )
        quizzes = Quiz.objects.bulk_create([Quiz(section=part, title=f"测验 {i + 1}") for i, part in enumerate(parts)])

        cohort_size = 200
        n_cohorts = max(1, (students + cohort_size - 1) // cohort_size)
        start = dt.date(2026, 1, 12)  # eight weeks before NOW
        cohorts = Cohort.objects.bulk_create(
            [
                Cohort(name=f"bench {i}", start_date=start, end_date=start + dt.timedelta(days=180))
                for i in range(n_cohorts)
            ]
        )
        PaceMilestone.objects.bulk_create(
            [
                PaceMilestone(cohort=c, section=part, due_week=2 * (i + 1))
                for c in cohorts
                for i, part in enumerate(parts)
            ]
        )

        mentors = User.objects.bulk_create(
            [
                User(email=f"mentor{i}@{BENCH_DOMAIN}", password="!", display_name=f"导师{i}")  # noqa: S106
                for i in range(2 * n_cohorts)
            ]
        )
        through = Cohort.mentors.through
        through.objects.bulk_create(
            [through(cohort_id=c.pk, user_id=mentors[2 * i + j].pk) for i, c in enumerate(cohorts) for j in (0, 1)]
        )
        zones = ["America/New_York", "Europe/Berlin", "Asia/Tokyo"]
        users = []
        for i in range(students):
            local = rng.random() < 0.9
            users.append(
                User(
                    email=f"student{i}@{BENCH_DOMAIN}",
                    password="!",  # noqa: S106 (unusable password)
                    display_name=f"学生{i}",
                    language="en" if i % 2 else "zh-hans",
                    time_zone="Asia/Shanghai" if local else rng.choice(zones),
                    reminder_hour=9 if local else rng.choice([7, 18, 20]),
                )
            )
        users = User.objects.bulk_create(users, batch_size=batch)
        student_group, _ = Group.objects.get_or_create(name="student")
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=student_group.pk) for u in users], batch_size=batch
        )
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in [*users, *mentors]],
            batch_size=batch,
        )
        Enrollment.objects.bulk_create(
            [Enrollment(cohort=cohorts[i // cohort_size], user=u, enrolled_on=start) for i, u in enumerate(users)],
            batch_size=batch,
        )

        # Progress: k topics done in curriculum order, k spread from none to all 30.
        field = ProgressEvent._meta.get_field("created")
        field.auto_now_add = False  # stamp events in the past (benchmark only)
        progress, events, attempts = [], [], []
        for u in users:
            k = min(len(topics), int(rng.betavariate(1.2, 2.0) * (len(topics) + 4)))
            for t in topics[:k]:
                progress.append(TopicProgress(user=u, section=t, status=TopicProgress.Status.DONE))
            if k:
                when = NOW - dt.timedelta(days=rng.uniform(0, 20))
                events.append(
                    ProgressEvent(
                        user=u, section=topics[k - 1], from_status="in_progress", to_status="done", created=when
                    )
                )
            if rng.random() < 0.1:
                submitted = NOW - dt.timedelta(days=rng.uniform(0, 6))
                attempts.append(
                    Attempt(
                        quiz=rng.choice(quizzes),
                        user=u,
                        started_at=submitted - dt.timedelta(minutes=15),
                        submitted_at=submitted,
                        score_percent=rng.randint(30, 100),
                        passed=rng.random() < 0.7,
                    )
                )
        TopicProgress.objects.bulk_create(progress, batch_size=batch)
        ProgressEvent.objects.bulk_create(events, batch_size=batch)
        Attempt.objects.bulk_create(attempts, batch_size=batch)
        field.auto_now_add = True
    return {
        "students": len(users),
        "mentors": len(mentors),
        "cohorts": len(cohorts),
        "topic rows": len(progress),
        "events": len(events),
        "attempts": len(attempts),
    }


def measure(label: str, fn):
    """Run ``fn``; print and return its result, wall time (s) and number of SQL statements."""
    from django.db import connection

    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - started
    print(f"{label:<34} {elapsed:8.2f} s  {count:7d} queries")
    return result, elapsed, count


def main() -> None:
    import logging

    logging.disable(logging.INFO)  # the run logs a summary line we print ourselves
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default=f"postgres://postgres@127.0.0.1:5432/{PG_DB}")
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20260309)
    parser.add_argument(
        "--sqlite-wal", action="store_true", help="SQLite in WAL mode with synchronous=NORMAL (cheaper commits)."
    )
    args = parser.parse_args()
    if args.students < 1:
        fail("--students must be positive")

    sqlite_path = None
    if args.db == "sqlite":
        handle, sqlite_path = tempfile.mkstemp(prefix="coin_bench_reminders_", suffix=".sqlite3")
        os.close(handle)
        url = f"sqlite:///{sqlite_path}"
    else:
        url = prepare_postgres(args.pg_url)
    try:
        setup_django(url)
        from django.core import mail
        from django.db import connection

        from reminders.models import ReminderLog
        from reminders.selectors import reminders_due
        from reminders.services import reminders_send_due

        if args.sqlite_wal and connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
        mode = " WAL" if args.sqlite_wal and connection.vendor == "sqlite" else ""
        print(f"Database: {connection.vendor}{mode} ({connection.settings_dict['NAME']})")
        started = time.perf_counter()
        counts = seed(args.students, random.Random(args.seed))
        print(f"Seeded in {time.perf_counter() - started:.1f} s: " + ", ".join(f"{v} {k}" for k, v in counts.items()))

        due, _, _ = measure("selection (reminders_due)", lambda: reminders_due(now=NOW))
        by_kind: dict[str, int] = {}
        for item in due:
            by_kind[item.kind] = by_kind.get(item.kind, 0) + 1
        print("  due: " + ", ".join(f"{n} {k}" for k, n in sorted(by_kind.items())))

        mail.outbox = []
        # No time budget: measure the whole batch (a real run stops before Celery's soft time limit
        # and leaves the rest to the next run).
        result, elapsed, queries = measure(
            "run (select + render + send)", lambda: reminders_send_due(now=NOW, time_budget=float("inf"))
        )
        sent = result.sent
        print(f"  {result.as_dict()}")
        if sent:
            print(f"  per message: {1000 * elapsed / sent:.2f} ms, {queries / sent:.1f} queries")
        assert len(mail.outbox) == sent == ReminderLog.objects.filter(status="sent").count()
        _, _, _ = measure("second run (nothing left)", lambda: reminders_send_due(now=NOW))
    finally:
        if sqlite_path:
            Path(sqlite_path).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
