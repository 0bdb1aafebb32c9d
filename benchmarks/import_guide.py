"""Time the guide importer and exporter on the default curriculum and on one three times its size.

Run from the checkout root: ``.venv/bin/python benchmarks/import_guide.py``. Uses an in-memory
SQLite database (nothing else is touched) and prints wall-clock milliseconds, best of five runs.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "coinportal.settings.test"
os.environ["DATABASE_URL"] = "sqlite://:memory:"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from curriculum.exporter import guide_export  # noqa: E402
from curriculum.importer import guide_import, guide_parse  # noqa: E402
from curriculum.models import Section  # noqa: E402
from curriculum.tests.helpers import default_text, tripled_default_text  # noqa: E402


def best_ms(func, runs=5):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return min(times)


def main():
    call_command("migrate", verbosity=0)
    for name, text in (
        ("default (27 sections, 61 links)", default_text()),
        ("3x default (81 sections, 183 links)", tripled_default_text()),
    ):
        parsed = guide_parse(text, source=name)

        def fresh_import(parsed=parsed):
            Section.objects.all().delete()
            guide_import(parsed=parsed)

        print(f"{name}:")
        print(f"  parse                  {best_ms(lambda text=text: guide_parse(text, source='b')):8.1f} ms")
        print(f"  import into empty DB   {best_ms(fresh_import):8.1f} ms (includes deleting the previous rows)")
        print(f"  re-import, no change   {best_ms(lambda parsed=parsed: guide_import(parsed=parsed)):8.1f} ms")
        print(
            f"  dry run, no change     {best_ms(lambda parsed=parsed: guide_import(parsed=parsed, dry_run=True)):8.1f} ms"
        )
        print(f"  export                 {best_ms(guide_export):8.1f} ms")


if __name__ == "__main__":
    main()
