"""No project catalogue is silently overridden by another one at run time.

Django merges every catalogue of a language into one: LOCALE_PATHS first, then INSTALLED_APPS in
order, the first one wins (https://docs.djangoproject.com/en/5.2/topics/i18n/translation/#how-django-discovers-translations).
When two catalogues translate the same (msgctxt, msgid) differently, one of them is silently
ignored. For every entry of each of our zh_Hans catalogues this test asks Django for the runtime
translation and requires the catalogue's own msgstr: a collision must be resolved with a message
context (``pgettext``, ``{% translate ... context ... %}``) or by agreeing translations.
"""

from pathlib import Path

import polib
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
OUR_CATALOGUES = ["locale", "accounts", "curriculum", "progress", "quizzes", "cohorts", "reminders", "linkcheck"]
PO_FILES = [
    (ROOT if name == "locale" else ROOT / name) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    for name in OUR_CATALOGUES
]


def _runtime(entry: polib.POEntry, n: int | None = None) -> str:
    """Django's zh-hans translation of ``entry`` (for plural entries, of count ``n``)."""
    if entry.msgid_plural:
        if entry.msgctxt is not None:
            return translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
        return translation.ngettext(entry.msgid, entry.msgid_plural, n)
    if entry.msgctxt is not None:
        return translation.pgettext(entry.msgctxt, entry.msgid)
    return translation.gettext(entry.msgid)


@pytest.mark.parametrize("po_path", PO_FILES, ids=OUR_CATALOGUES)
def test_every_translation_of_the_catalogue_is_the_one_django_uses(po_path):
    catalogue = polib.pofile(str(po_path))
    # Chinese has a single plural form (msgstr[0] for every count).
    assert "nplurals=1;" in catalogue.metadata["Plural-Forms"].replace(" ", "")
    entries = [e for e in catalogue if not e.obsolete and "fuzzy" not in e.flags and e.msgid]
    assert entries
    overridden = []
    with translation.override("zh-hans"):
        for entry in entries:
            if entry.msgid_plural:
                expected = entry.msgstr_plural[0]
                got = {_runtime(entry, n) for n in (1, 2, 5)}
                if got != {expected}:
                    overridden.append((entry.msgctxt, entry.msgid, expected, sorted(got)))
            elif (got := _runtime(entry)) != entry.msgstr:
                overridden.append((entry.msgctxt, entry.msgid, entry.msgstr, got))
    assert not overridden, "\n".join(f"{c!r} {m!r}: catalogue {e!r}, Django {g!r}" for c, m, e, g in overridden)
