"""``import_guide`` and ``export_guide``: output, dry run, and one-line errors that write nothing."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from curriculum.importer import DEFAULT_CURRICULUM_PATH
from curriculum.models import Section
from curriculum.tests.helpers import curriculum_snapshot

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_prints_a_summary():
    out, err = run("import_guide", str(DEFAULT_CURRICULUM_PATH))
    assert out.splitlines() == [
        f"Imported {DEFAULT_CURRICULUM_PATH}.",
        "sections: 27 in the guide; 27 created",
        "requirements: 10 in the guide; 10 created",
        "prerequisites: 19 in the guide; 19 created",
        "resources: 42 in the guide; 42 created",
        "papers: 19 in the guide; 19 created",
        "local references: 3 in the guide; 3 created",
    ]
    assert err == ""
    out, _ = run("import_guide", str(DEFAULT_CURRICULUM_PATH))
    assert out.splitlines()[1] == "sections: 27 in the guide; no change"


def test_dry_run_lists_changes_and_writes_nothing(tmp_path):
    guide = tmp_path / "g.md"
    guide.write_text("# T\n## A\n<!-- slug: a -->\n* [x](https://example.org/x?utm_source=y)\n", encoding="utf-8")
    out, _ = run("import_guide", str(guide), "--dry-run")
    assert out.splitlines() == [
        f"Dry run of {guide}: nothing was written. It would:",
        "  create section a",
        "  create resource https://example.org/x",
        "sections: 1 in the guide; 1 created",
        "requirements: 0 in the guide; no change",
        "prerequisites: 0 in the guide; no change",
        "resources: 1 in the guide; 1 created",
        "papers: 0 in the guide; no change",
        "local references: 0 in the guide; no change",
    ]
    assert Section.objects.count() == 0


BAD_GUIDES = {
    "no-headings": (
        "只有正文，没有标题。\n".encode(),
        "{path}:1: no section headings found (sections are '##' headings below the '#' title)",
    ),
    "skipped-level": (b"# T\n## A\n#### B\n", "{path}:3: heading level skips from ## to ####"),
    "cycle": (
        b"## A\n<!-- slug: a; requires: b -->\n## B\n<!-- slug: b; requires: a -->\n",
        "{path}:4: prerequisite cycle: section 'b' requires 'a', which already requires it",
    ),
    "unknown-slug": (
        b"## A\n<!-- slug: a; requires: missing -->\n",
        "{path}:2: unknown prerequisite slug 'missing'",
    ),
    "not-utf8": (
        "## 标题\n".encode() + "正文".encode("gbk"),
        "{path}:2: not valid UTF-8 (byte 0xd5 at column 1); save the file as UTF-8",
    ),
}


@pytest.mark.parametrize("case", [*BAD_GUIDES, "missing"])
def test_bad_input_stops_with_one_line_and_writes_nothing(case, tmp_path):
    call_command("import_guide", str(DEFAULT_CURRICULUM_PATH), verbosity=0)
    before = curriculum_snapshot()
    path = tmp_path / f"{case}.md"
    if case == "missing":
        expected = f"{path}: file not found"
    else:
        data, template = BAD_GUIDES[case]
        path.write_bytes(data)
        expected = template.format(path=path)

    with pytest.raises(CommandError) as excinfo:
        call_command("import_guide", str(path))

    assert str(excinfo.value) == expected
    assert "\n" not in str(excinfo.value)
    assert curriculum_snapshot() == before


def test_command_exits_non_zero_with_one_line(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "coinportal.settings.test"}
    missing = tmp_path / "missing.md"
    result = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "manage.py", "import_guide", str(missing)],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr == f"CommandError: {missing}: file not found\n"


def test_export_writes_stdout_or_a_file(tmp_path):
    call_command("import_guide", str(DEFAULT_CURRICULUM_PATH), verbosity=0)
    out, _ = run("export_guide")
    assert out.startswith("# COIN 大语言模型学习路线\n\n## 提示工程\n")
    target = tmp_path / "out.md"
    _, err = run("export_guide", "-o", str(target), "--title", "Mine")
    assert err == f"Wrote {target}.\n"
    assert target.read_text(encoding="utf-8") == out.replace("# COIN 大语言模型学习路线", "# Mine", 1)


def test_import_warns_when_archived_sections_hold_student_progress(tmp_path):
    from accounts.tests.factories import StudentFactory
    from progress.models import ProgressEvent
    from progress.services import progress_record

    run("import_guide", str(DEFAULT_CURRICULUM_PATH))
    leaves = sorted(Section.objects.filter(children__isnull=True).values_list("slug", flat=True))
    ann, bo = StudentFactory(), StudentFactory()
    progress_record(user=ann, section=Section.objects.get(slug=leaves[0]), status="done")  # row and event
    progress_record(user=bo, section=Section.objects.get(slug=leaves[0]), status="in_progress")
    ProgressEvent.objects.create(user=bo, section=Section.objects.get(slug=leaves[1]), kind="note")  # event only
    guide = tmp_path / "other.md"
    guide.write_text("# T\n## A\n<!-- slug: other-a -->\n", encoding="utf-8")

    out, err = run("import_guide", str(guide), "--dry-run")
    assert err.splitlines() == [
        f"warning: 2 section(s) to be archived hold progress of 2 student(s): {leaves[0]}, {leaves[1]}"
    ]
    assert Section.objects.filter(is_archived=True).count() == 0

    out, err = run("import_guide", str(guide))
    assert err.splitlines() == [
        f"warning: 2 section(s) archived hold progress of 2 student(s): {leaves[0]}, {leaves[1]}"
    ]
    assert Section.objects.filter(is_archived=True).count() == 27
    out, err = run("import_guide", str(guide))  # nothing newly archived: no warning
    assert err == ""


def test_import_report_counts_progress_in_sections_to_be_archived():
    from accounts.tests.factories import StudentFactory
    from curriculum.importer import guide_import, guide_parse
    from progress.services import progress_record

    guide_import(parsed=guide_parse("# T\n## A\n<!-- slug: a -->\n### B\n<!-- slug: b -->\n", source="g.md"))
    progress_record(user=StudentFactory(), section=Section.objects.get(slug="b"), status="done")
    report = guide_import(parsed=guide_parse("# T\n## A\n<!-- slug: a -->\n", source="g.md"), dry_run=True)
    assert (report.archived_with_progress, report.students_with_progress) == (["b"], 1)
    assert report.progress_warning() == "warning: 1 section(s) to be archived hold progress of 1 student(s): b"
    report = guide_import(parsed=guide_parse("# T\n## A\n<!-- slug: a -->\n### B\n<!-- slug: b -->\n", source="g.md"))
    assert (report.archived_with_progress, report.students_with_progress, report.progress_warning()) == ([], 0, "")
