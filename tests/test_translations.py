"""Every committed translation catalogue is complete and its compiled .mo matches its .po."""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PO_FILES = sorted(p for p in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po") if ".venv" not in p.parts)


def test_every_app_with_templates_has_a_chinese_catalogue():
    apps = {p.parts[len(ROOT.parts)] for p in PO_FILES}
    assert {"locale", "accounts", "curriculum", "progress", "quizzes", "cohorts", "reminders", "linkcheck"} <= apps


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_compiled_and_complete(po, tmp_path):
    if shutil.which("msgfmt") is None:
        pytest.skip("GNU gettext (msgfmt) is not installed")
    fresh = tmp_path / "fresh.mo"
    result = subprocess.run(  # noqa: S603 - fixed argv
        ["msgfmt", "--check", "--statistics", "-o", str(fresh), str(po)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # "N translated messages." and nothing fuzzy or untranslated.
    assert "fuzzy" not in result.stderr and "untranslated" not in result.stderr, result.stderr
    with fresh.open("rb") as a, po.with_suffix(".mo").open("rb") as b:
        assert gettext.GNUTranslations(b)._catalog == gettext.GNUTranslations(a)._catalog, (
            f"{po.with_suffix('.mo')} is stale: run `make messages`"
        )
