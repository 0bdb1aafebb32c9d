"""Print query counts and render times of the progress pages for a small and a 3x-guide curriculum.

Run from the repository root:  .venv/bin/python benchmarks/progress_pages.py [--repeat 20]
Uses a throw-away in-memory SQLite database (settings ``coinportal.settings.test``); prints figures
only, asserts nothing (the query bounds are pinned in progress/tests/test_queries.py).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coinportal.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402


def measure(client, url, repeat):
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    queries = len(ctx)  # read now: later requests clear the connection's query log
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    return response.status_code, queries, statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    # Not setup_test_environment(): its instrumented template rendering would inflate the times.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    connection.creation.create_test_db(verbosity=0)
    from progress.models import ProgressEvent
    from progress.tests.test_queries import build

    print(f"{'curriculum':<34} {'page':<12} {'status':>6} {'queries':>8} {'median ms':>10}")
    for parts, per_part, history in [(5, 3, False), (15, 6, True)]:
        roots, student = build(parts, per_part, history=history)
        client = Client()
        client.force_login(student)
        label = f"{parts}x{per_part} topics, {ProgressEvent.objects.filter(user=student).count()} events"
        topic = roots[-1].children.order_by("order").last()
        pages = {
            "dashboard": reverse("progress:dashboard"),
            "part page": roots[-1].get_absolute_url(),
            "topic page": topic.get_absolute_url(),
            "export.csv": reverse("progress:export_csv"),
        }
        for name, url in pages.items():
            status, queries, ms = measure(client, url, args.repeat)
            print(f"{label:<34} {name:<12} {status:>6} {queries:>8} {ms:>10.1f}")


if __name__ == "__main__":
    main()
