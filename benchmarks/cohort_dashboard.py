"""Benchmark: the mentor's cohort page for a large cohort, against a plain page of the portal.

Seeds 500 students on a curriculum three times the guide's size (15 parts × 6 topics) with
realistic progress, event history and quiz attempts, then prints the server time (median of
repeated requests through the Django test client) and the query count of:

- the cohort page (``cohorts:cohort_detail``: matrix + chart) as mentors reload it, and right after a
  student recorded progress (its cached figures must then be recomputed), its CSV export and
  the mentor's list,
- the curriculum overview (``curriculum:overview``), a plain page, for comparison.

The aim (issue "Cohorts and mentor dashboards"): the cohort page costs at most three times the
plain page.

It runs on the database named by DATABASE_URL and REFUSES to touch one that may hold real data:
the database name must contain "bench", and the database must be empty or hold only this
script's data (every user ``@bench.invalid``). Its data is flushed and re-seeded on every run.

Usage (from the repository root)::

    DATABASE_URL=sqlite:////tmp/coin_bench.sqlite3 .venv/bin/python benchmarks/cohort_dashboard.py
    createdb -h 127.0.0.1 -U postgres coin_bench   # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/coin_bench .venv/bin/python benchmarks/cohort_dashboard.py

Options: ``--students N`` (default 500), ``--repeat N`` timed requests per page (default 15).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coinportal.settings.test")

BENCH_DOMAIN = "@bench.invalid"
COHORT_NAME = "Benchmark cohort (benchmarks/cohort_dashboard.py)"


def fail(message: str) -> int:
    print(f"cohort_dashboard: {message}", file=sys.stderr)
    return 2


def database_safety_problem() -> str | None:
    """Return why the configured database must not be used, or ``None`` when it is safe."""
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    if "bench" not in Path(name).name.lower():
        return f"refusing database {name!r}: its name must contain 'bench' (use a dedicated database)"
    tables = set(connection.introspection.table_names())
    if "accounts_user" not in tables:
        return None  # empty: nothing to lose
    from accounts.models import User

    foreign = User.objects.exclude(email__endswith=BENCH_DOMAIN).count()
    if foreign:
        return f"refusing database {name!r}: it holds {foreign} user(s) not created by this benchmark"
    return None


def seed(*, students: int, rng: random.Random) -> dict:
    """Flush the benchmark database and create the data set; return its sizes."""
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import User
    from cohorts.models import Cohort, Enrollment, PaceMilestone
    from curriculum.selectors import curriculum_tree
    from curriculum.tests.factories import curriculum_build
    from progress.models import ProgressEvent, TopicProgress
    from quizzes.models import Attempt, Quiz

    call_command("flush", interactive=False, verbosity=0)
    now = timezone.now()
    today = timezone.localdate(now)
    roots = curriculum_build(parts=15, topics_per_part=6)
    tree = curriculum_tree()
    topics = [t.pk for t in tree.topics]
    quizzes = [Quiz.objects.create(section=root, title=f"{root.title} quiz") for root in roots]
    quiz_of_topic = {tid: quizzes[i] for i, root in enumerate(roots) for tid in tree.topic_ids_under(root.pk)}

    start = today - dt.timedelta(weeks=8)
    cohort = Cohort.objects.create(name=COHORT_NAME, start_date=start, end_date=start + dt.timedelta(weeks=16, days=-1))
    PaceMilestone.objects.bulk_create(
        [PaceMilestone(cohort=cohort, section=root, due_week=i + 1) for i, root in enumerate(roots)]
    )
    mentor = User.objects.create_user(f"mentor{BENCH_DOMAIN}", "bench-password", display_name="Mentor")
    cohort.mentors.add(mentor)
    users = User.objects.bulk_create(
        [
            User(email=f"student{i:04d}{BENCH_DOMAIN}", display_name=f"学生{i:04d}", password="!")
            for i in range(students)
        ]
    )
    Enrollment.objects.bulk_create([Enrollment(cohort=cohort, user=u, enrolled_on=start) for u in users])

    start_at = timezone.make_aware(dt.datetime.combine(start, dt.time(9)))
    rows, events, attempts = [], [], []
    for user in users:
        # Speed: share of the plan achieved (the plan covers 8/15 of the topics by now).
        speed = rng.uniform(0.2, 1.4)
        stalled = rng.random() < 0.15
        active_until = now - (
            dt.timedelta(days=rng.randint(8, 25)) if stalled else dt.timedelta(hours=rng.randint(1, 96))
        )
        reached = min(len(topics), int(len(topics) * 8 / 15 * speed))
        for i, topic in enumerate(topics[: reached + 1]):
            begun = start_at + (active_until - start_at) * (i / (reached + 1))
            finished = start_at + (active_until - start_at) * ((i + 0.8) / (reached + 1))
            final = "in_progress" if i == reached else ("skipped" if rng.random() < 0.05 else "done")
            rows.append(TopicProgress(user=user, section_id=topic, status=final))
            events.append(
                (ProgressEvent(user=user, section_id=topic, from_status="not_started", to_status="in_progress"), begun)
            )
            if final != "in_progress":
                if rng.random() < 0.05:  # marked done, then reopened, then done again
                    events.append(
                        (ProgressEvent(user=user, section_id=topic, from_status="in_progress", to_status="done"), begun)
                    )
                    events.append(
                        (ProgressEvent(user=user, section_id=topic, from_status="done", to_status="in_progress"), begun)
                    )
                events.append(
                    (ProgressEvent(user=user, section_id=topic, from_status="in_progress", to_status=final), finished)
                )
                quiz = quiz_of_topic[topic]
                if topic == tree.topic_ids_under(quiz.section_id)[-1]:
                    for _ in range(rng.randint(1, 2)):
                        score = rng.randint(30, 100)
                        attempts.append(
                            Attempt(quiz=quiz, user=user, started_at=finished, submitted_at=finished + dt.timedelta(minutes=12),
                                    score_percent=Decimal(score), passed=score >= quiz.pass_mark)
                        )  # fmt: skip
    TopicProgress.objects.bulk_create(rows, batch_size=2000)
    created = ProgressEvent.objects.bulk_create([e for e, _at in events], batch_size=2000)
    # ``created`` is auto_now_add: set the historical times afterwards.
    for obj, (_e, at) in zip(created, events, strict=True):
        obj.created = min(at, now)
    ProgressEvent.objects.bulk_update(created, ["created"], batch_size=2000)
    Attempt.objects.bulk_create(attempts, batch_size=2000)
    return {
        "students": students,
        "sections": len(tree.sections),
        "topics": len(topics),
        "progress rows": len(rows),
        "events": len(events),
        "attempts": len(attempts),
        "cohort": cohort,
        "mentor": mentor,
    }


def progress_recorder(cohort, rng: random.Random):
    """A callable that records one progress change of a random student of ``cohort`` through
    ``progress.services.progress_record``, so the next request cannot reuse cached figures."""
    from curriculum.selectors import curriculum_tree
    from progress.services import progress_record

    students = [e.user for e in cohort.enrollments.select_related("user")]
    topics = curriculum_tree().topics

    def record():
        student, topic = rng.choice(students), rng.choice(topics)
        current = topic.topic_progress.filter(user=student).values_list("status", flat=True).first()
        progress_record(user=student, section=topic, status="in_progress" if current == "done" else "done")

    return record


def measure(client, url: str, repeat: int, before=None) -> tuple[float, float, float, int, int]:
    """``(median ms, min ms, median CPU ms of this process, queries, bytes)`` of ``repeat`` GETs
    after two warm-up requests. CPU time leaves out other processes' load (and, on PostgreSQL,
    the database server's own work). ``before`` runs before each request, outside the timing."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        assert client.get(url).status_code == 200, url
    times, cpu = [], []
    for _ in range(repeat):
        if before is not None:
            before()
        began, began_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    if before is not None:
        before()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return (
        statistics.median(times),
        min(times),
        statistics.median(cpu),
        len(ctx.captured_queries),
        len(response.content),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)

    if not os.environ.get("DATABASE_URL"):
        return fail("set DATABASE_URL to a dedicated database, e.g. sqlite:////tmp/coin_bench.sqlite3")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    problem = database_safety_problem()
    if problem:
        return fail(problem)
    setup_test_environment()  # allows the test client's host and keeps email in memory
    call_command("migrate", interactive=False, verbosity=0)

    began = time.perf_counter()
    data = seed(students=args.students, rng=random.Random(args.seed))
    seeded_s = time.perf_counter() - began
    vendor = connection.vendor
    print(f"Database: {vendor} {connection.settings_dict['NAME']}")
    print(
        "Data: "
        + ", ".join(f"{k} {v}" for k, v in data.items() if isinstance(v, int))
        + f" (seeded in {seeded_s:.1f} s)"
    )

    client = Client()
    client.force_login(data["mentor"])
    cohort = data["cohort"]
    detail = reverse("cohorts:cohort_detail", args=[cohort.pk])
    pages = [
        ("curriculum overview (plain page)", reverse("curriculum:overview"), None),
        ("cohort page (matrix + chart)", detail, None),
        ("cohort page, right after new progress", detail, progress_recorder(cohort, random.Random(args.seed))),
        ("cohort CSV export", reverse("cohorts:cohort_csv", args=[cohort.pk]), None),
        ("mentor's cohort list", reverse("cohorts:mentor_home"), None),
    ]
    print(f"{'page':<38} {'median ms':>10} {'min ms':>8} {'CPU ms':>8} {'queries':>8} {'KiB':>7}")
    results = {}
    for label, url, before in pages:
        median, fastest, cpu, queries, size = measure(client, url, args.repeat, before)
        results[label] = (median, fastest)
        print(f"{label:<38} {median:>10.1f} {fastest:>8.1f} {cpu:>8.1f} {queries:>8} {size / 1024:>7.0f}")
    plain = results["curriculum overview (plain page)"]
    for label in ("cohort page (matrix + chart)", "cohort page, right after new progress"):
        page = results[label]
        print(
            f"{label} / plain page: {page[0] / plain[0]:.1f}x by median, {page[1] / plain[1]:.1f}x by minimum "
            "(aim: at most 3x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
