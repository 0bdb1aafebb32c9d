"""Portable export and import of student data between installations.

``manage.py export_progress`` writes, and ``manage.py import_progress`` reads, one JSON document
(UTF-8) holding every user's account facts, progress, quiz attempts, cohorts and reminder log. The
curriculum and the quiz bank are *not* in it: the target installation loads them first
(``import_guide``, ``load_quizzes``); the document refers to them by natural keys. The full
description, with an example, is ``docs/progress-format.md``; in short::

    {
      "format": "coinportal-progress",            # always this string
      "version": 1,                               # this module reads and writes version 1 only
      "exported_at": "2026-03-09T02:00:00.000000+00:00",
      "source": "https://coin.example.org",       # settings.SITE_URL of the exporting installation
      "users": [...], "email_addresses": [...], "invitations": [...],
      "cohorts": [...], "pace_milestones": [...], "enrollments": [...], "pending_enrollments": [...],
      "topic_progress": [...], "paper_progress": [...], "progress_events": [...],
      "quiz_attempts": [...], "reminder_logs": [...]
    }

Every list holds one JSON object per row with exactly the fields of :data:`ENTITY_FIELDS` (unknown
or missing fields are errors). Values:

* date-times are ISO 8601 strings with a UTC offset, written in UTC with microseconds
  (``2026-03-09T02:00:00.123456+00:00``); any offset is accepted on import, never a naive time;
  dates are ``YYYY-MM-DD``, times of day ``HH:MM:SS``; the score is a decimal string (``"83.33"``).
* References are natural keys, never database ids: users by email address (lower case), sections
  by slug, papers by URL, cohorts by name, quizzes by their ``key`` and questions by their ``key``
  within the attempt's quiz. A quiz without a key (made in the admin site) is referenced as
  ``{"section": slug, "title": title}`` and a question without a key as ``{"text": markdown}``
  (the first match, by order, is used). A question that was deleted since the attempt is ``null``.
* Quiz attempts carry their own snapshot of the questions (``answers``), so past scores and review
  pages stay identical. The choice ``id`` numbers inside a snapshot (and in ``response``) are labels
  local to that snapshot: they are copied as they are and never looked up.
* Passwords are not exported: imported accounts get an unusable password and sign in after a
  password reset (or GitHub). Roles: ``"student"`` or ``"mentor"`` (the group of that name),
  ``"admin"`` (``is_staff``) or ``null``; a user has one role, as :func:`accounts.services.user_role_set`
  keeps it. ``is_superuser`` is carried as it is.

Import rules (:func:`progress_import`):

* All or nothing: one transaction. A reference to a section, paper, quiz or question missing in the
  target stops the import before anything is written (:class:`MissingReferencesError`).
* Rows are matched by natural identity and made equal to the file; rows of the target that are not in
  the file are left alone (an import merges, it never deletes a row of its own accord). Identities:
  users by email; email addresses by (user, address, case-insensitive); invitations and pending
  enrollments by email; cohorts by name; pace milestones by (cohort, section); enrollments by
  (cohort, user); topic progress by (user, section); paper progress by (user, paper); reminder log
  rows by (user, kind, period); progress events by all their fields (they never change, so an equal
  event is the same event); quiz attempts by (user, quiz, ``started_at``). Rows equal in identity are
  paired in order (file order, database id order), so even two events in the same microsecond are
  imported once.
* Hence idempotent: importing the same file twice changes nothing the second time (every count is
  "unchanged").
* Timestamps come from the file, ``created``/``modified`` included (they are written explicitly after
  the rows are inserted, since Django's ``auto_now`` fields would stamp "now").
* Users are inserted in bulk, so no ``post_save`` receiver runs: pending enrollments are taken from
  the file, not resolved again. ``note_html`` is rendered again from ``note``; HTML in attempt snapshots
  passes through :func:`core.markdown.sanitize_html` (a file is untrusted input; HTML the portal wrote
  comes out unchanged).
* Existing users keep their password; for the other carried fields the file wins.

Cohort pages cache their figures; their keys change with the data, except for back-dated events
imported into a cohort that already existed, which show up within ``cohorts.selectors.HISTORY_CACHE_SECONDS``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from accounts.models import INVITABLE_ROLES, Invitation, Role, User, time_zone_names
from cohorts.models import Cohort, Enrollment, PaceMilestone, PendingEnrollment
from core.markdown import render_markdown, sanitize_html
from curriculum.models import Paper, Section
from progress.models import PaperProgress, ProgressEvent, TopicProgress
from quizzes.models import Attempt, AttemptAnswer, Question, Quiz
from reminders.models import ReminderKind, ReminderLog

#: The document's ``format`` value.
FORMAT = "coinportal-progress"
#: The format version this module writes and the only one it reads.
VERSION = 1
#: Rows per INSERT/UPDATE statement.
BATCH_SIZE = 500

_ROLE_GROUPS = (Role.STUDENT.value, Role.MENTOR.value)


class ProgressFileError(ValueError):
    """A progress document that cannot be imported; ``str(error)`` is one readable line."""


class MissingReferencesError(ProgressFileError):
    """The document refers to sections, papers, quizzes or questions this installation lacks.

    Attributes:
        missing: readable labels of every missing reference, in the order of first use in the file
            (e.g. ``section "pytorch"``).
    """

    def __init__(self, missing: list[str]):
        self.missing = missing
        count = len(missing)
        noun = "reference" if count == 1 else "references"
        super().__init__(
            f"{count} {noun} to the curriculum or quiz bank missing in this installation, the first: "
            f"{missing[0]}. Load the same guide (import_guide) and quiz bank (load_quizzes) first; "
            f"nothing was written."
        )


# --- Value types: how a field is written to JSON, read back and checked ------------------------


def _bad(where: str, problem: str) -> ProgressFileError:
    return ProgressFileError(f"{where}: {problem}")


class QuizByTitle(NamedTuple):
    """Reference to a quiz without a ``key``: its section's slug and its title."""

    section: str
    title: str


class QuestionByText(NamedTuple):
    """Reference to a question without a ``key``: its Markdown text."""

    text: str


class _Type:
    """A field's value type. ``path`` is the ``values()`` lookup reading it from the database."""

    nullable = False

    def dump(self, value):
        return value

    def load(self, value, where: str):
        raise NotImplementedError

    def paths(self, name: str) -> list[str]:
        return [name]

    def from_row(self, row: dict, name: str):
        return row[name]


class _Nullable(_Type):
    def __init__(self, inner: _Type):
        self.inner = inner
        self.nullable = True

    def dump(self, value):
        return None if value is None else self.inner.dump(value)

    def load(self, value, where):
        return None if value is None else self.inner.load(value, where)

    def paths(self, name):
        return self.inner.paths(name)

    def from_row(self, row, name):
        return self.inner.from_row(row, name)


class _Text(_Type):
    def __init__(self, max_length: int | None = None, *, blank: bool = True):
        self.max_length, self.blank = max_length, blank

    def load(self, value, where):
        if not isinstance(value, str):
            raise _bad(where, "expected a string")
        if not self.blank and not value.strip():
            raise _bad(where, "must not be empty")
        if self.max_length is not None and len(value) > self.max_length:
            raise _bad(where, f"longer than {self.max_length} characters")
        return value


class _Choice(_Type):
    def __init__(self, values: Iterable[str]):
        self.values = tuple(values)

    def load(self, value, where):
        if value not in self.values:
            raise _bad(where, f"{json.dumps(value, ensure_ascii=False)} is not one of {', '.join(self.values)}")
        return value


class _Email(_Type):
    """An email address; lower-cased unless ``keep_case`` (allauth keeps an address as typed)."""

    def __init__(self, *, keep_case: bool = False):
        self.keep_case = keep_case

    def load(self, value, where):
        if not isinstance(value, str):
            raise _bad(where, "expected an email address")
        email = value.strip() if self.keep_case else value.strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise _bad(where, f"{value!r} is not a valid email address") from None
        return email


class _Bool(_Type):
    def load(self, value, where):
        if not isinstance(value, bool):
            raise _bad(where, "expected true or false")
        return value


class _Int(_Type):
    def __init__(self, low: int = 0, high: int | None = None):
        self.low, self.high = low, high

    def load(self, value, where):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad(where, "expected a whole number")
        if value < self.low or (self.high is not None and value > self.high):
            upper = "" if self.high is None else f"–{self.high}"
            raise _bad(where, f"{value} is out of range ({self.low}{upper})")
        return value


class _DateTime(_Type):
    def dump(self, value):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")

    def load(self, value, where):
        try:
            parsed = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise _bad(where, "expected an ISO 8601 date and time with a UTC offset")
        return parsed.astimezone(dt.UTC)


class _Date(_Type):
    def dump(self, value):
        return value.isoformat()

    def load(self, value, where):
        try:
            return dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else _raise()
        except (ValueError, TypeError):
            raise _bad(where, "expected a date YYYY-MM-DD") from None


class _Time(_Type):
    def dump(self, value):
        return value.isoformat()

    def load(self, value, where):
        try:
            parsed = dt.time.fromisoformat(value) if isinstance(value, str) else _raise()
        except (ValueError, TypeError):
            raise _bad(where, "expected a time of day HH:MM:SS") from None
        if parsed.tzinfo is not None:
            raise _bad(where, "expected a time of day without offset")
        return parsed


def _raise():
    raise ValueError


class _Percent(_Type):
    """A score in percent with at most two decimals, as a string (``"83.33"``)."""

    def dump(self, value):
        return str(value)

    def load(self, value, where):
        try:
            number = Decimal(value) if isinstance(value, str) else _raise()
        except (InvalidOperation, ValueError):
            raise _bad(where, 'expected a decimal number as a string, e.g. "83.33"') from None
        if not number.is_finite() or not 0 <= number <= 100 or number != number.quantize(Decimal("0.01")):
            raise _bad(where, f"{value} is not a percentage with at most two decimals")
        return number.quantize(Decimal("0.01"))


class _Json(_Type):
    """Any JSON value of the given Python types (``dict``, ``list`` ...)."""

    def __init__(self, *types: type):
        self.types = types

    def load(self, value, where):
        if not isinstance(value, self.types):
            raise _bad(where, f"expected a JSON {' or '.join(_JSON_NAMES[t] for t in self.types)}")
        return value


_JSON_NAMES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number"}


class _Ref(_Type):
    """A natural-key reference: ``name__<lookup>`` in the database, the key string in the file."""

    def __init__(self, lookup: str, inner: _Type):
        self.lookup, self.inner = lookup, inner

    def load(self, value, where):
        return self.inner.load(value, where)

    def paths(self, name):
        return [f"{name}__{self.lookup}"]

    def from_row(self, row, name):
        return row[f"{name}__{self.lookup}"]


class _QuizRef(_Type):
    def dump(self, value):
        return value if isinstance(value, str) else {"section": value.section, "title": value.title}

    def load(self, value, where):
        if isinstance(value, str) and value:
            return value
        if (
            isinstance(value, dict)
            and set(value) == {"section", "title"}
            and all(isinstance(value[k], str) and value[k] for k in ("section", "title"))
        ):
            return QuizByTitle(value["section"], value["title"])
        raise _bad(where, 'expected a quiz key or {"section": slug, "title": title}')

    def paths(self, name):
        return [f"{name}__key", f"{name}__section__slug", f"{name}__title"]

    def from_row(self, row, name):
        key = row[f"{name}__key"]
        return key if key else QuizByTitle(row[f"{name}__section__slug"], row[f"{name}__title"])


class _QuestionRef(_Type):
    nullable = True

    def dump(self, value):
        return {"text": value.text} if isinstance(value, QuestionByText) else value

    def load(self, value, where):
        if value is None or (isinstance(value, str) and value):
            return value
        if isinstance(value, dict) and set(value) == {"text"} and isinstance(value["text"], str):
            return QuestionByText(value["text"])
        raise _bad(where, 'expected a question key, {"text": markdown} or null')


class _EmailList(_Type):
    def load(self, value, where):
        if not isinstance(value, list):
            raise _bad(where, "expected a list of email addresses")
        emails = [_Email().load(item, f"{where}[{i}]") for i, item in enumerate(value)]
        return sorted(set(emails))


class _Snapshot(_Type):
    """Choices of an attempt's question: ``[{"id": int, "html": str, "correct": bool}, ...]``."""

    def load(self, value, where):
        if not isinstance(value, list):
            raise _bad(where, "expected a list of choices")
        out = []
        for i, item in enumerate(value):
            here = f"{where}[{i}]"
            if not isinstance(item, dict) or set(item) != {"id", "html", "correct"}:
                raise _bad(here, 'expected {"id", "html", "correct"}')
            out.append(
                {
                    "id": _Int().load(item["id"], f"{here}.id"),
                    # Choice labels never hold links (quizzes.models.render_inline_markdown).
                    "html": _sanitized(_Text().load(item["html"], f"{here}.html"), links=False),
                    "correct": _Bool().load(item["correct"], f"{here}.correct"),
                }
            )
        return out


class _Response(_Type):
    """An attempt answer's response: ``null``, a list of choice ids, true/false or a text."""

    nullable = True

    def load(self, value, where):
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return value
        raise _bad(where, "expected null, a list of choice ids, true, false or a text")


class _StringList(_Type):
    def load(self, value, where):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _bad(where, "expected a list of strings")
        return value


class _Html(_Text):
    def load(self, value, where):
        return _sanitized(super().load(value, where))


_SANITIZED: dict[tuple[str, bool], str] = {}


def _sanitized(html: str, *, links: bool = True) -> str:
    """:func:`core.markdown.sanitize_html`, memoised: snapshots repeat the same question thousands of times."""
    key = (html, links)
    if key not in _SANITIZED:
        if len(_SANITIZED) > 50_000:
            _SANITIZED.clear()
        _SANITIZED[key] = sanitize_html(html, links=links)
    return _SANITIZED[key]


def _max(model: type[models.Model], name: str) -> int | None:
    return model._meta.get_field(name).max_length


def _choices(model: type[models.Model], name: str) -> list[str]:
    return [value for value, _label in model._meta.get_field(name).choices]


USER = _Ref("email", _Email())
DATETIME = _DateTime()
MAYBE_DATETIME = _Nullable(_DateTime())

# --- The entities: field names and types (the format's schema) ----------------------------------

#: The fields of each list of the document, in order. Every object has exactly these fields.
ENTITY_FIELDS: dict[str, dict[str, _Type]] = {
    "users": {
        "email": _Email(),
        "display_name": _Text(_max(User, "display_name")),
        "language": _Choice(_choices(User, "language")),
        "time_zone": _Text(_max(User, "time_zone"), blank=False),
        "role": _Nullable(_Choice(Role.values)),
        "is_superuser": _Bool(),
        "is_active": _Bool(),
        "date_joined": DATETIME,
        "last_login": MAYBE_DATETIME,
        "remind_inactivity": _Bool(),
        "remind_behind": _Bool(),
        "remind_digest": _Bool(),
        "reminder_hour": _Int(0, 23),
        "quiet_hours_enabled": _Bool(),
        "quiet_hours_start": _Time(),
        "quiet_hours_end": _Time(),
    },
    "email_addresses": {
        "user": USER,
        "email": _Email(keep_case=True),
        "verified": _Bool(),
        "primary": _Bool(),
    },
    "invitations": {
        "email": _Email(),
        "role": _Choice(value for value, _label in INVITABLE_ROLES),
        "invited_by": _Nullable(USER),
        "created": DATETIME,
        "sent_at": MAYBE_DATETIME,
        "accepted_at": MAYBE_DATETIME,
    },
    "cohorts": {
        "name": _Text(_max(Cohort, "name"), blank=False),
        "start_date": _Date(),
        "end_date": _Date(),
        "mentors": _EmailList(),
        "created": DATETIME,
        "modified": DATETIME,
    },
    "pace_milestones": {
        "cohort": _Ref("name", _Text(blank=False)),
        "section": _Ref("slug", _Text(blank=False)),
        "due_week": _Int(1, 32767),
    },
    "enrollments": {
        "cohort": _Ref("name", _Text(blank=False)),
        "user": USER,
        "enrolled_on": _Date(),
        "is_active": _Bool(),
        "created": DATETIME,
        "modified": DATETIME,
    },
    "pending_enrollments": {
        "cohort": _Ref("name", _Text(blank=False)),
        "email": _Email(),
        "invited_by": _Nullable(USER),
        "created": DATETIME,
    },
    "topic_progress": {
        "user": USER,
        "section": _Ref("slug", _Text(blank=False)),
        "status": _Choice(TopicProgress.Status.values),
        "started_at": MAYBE_DATETIME,
        "completed_at": MAYBE_DATETIME,
        "note": _Text(),
        "created": DATETIME,
        "modified": DATETIME,
    },
    "paper_progress": {
        "user": USER,
        "paper": _Ref("url", _Text(blank=False)),
        "status": _Choice(PaperProgress.Status.values),
        "completed_at": MAYBE_DATETIME,
        "created": DATETIME,
        "modified": DATETIME,
    },
    "progress_events": {
        "user": USER,
        "section": _Nullable(_Ref("slug", _Text(blank=False))),
        "paper": _Nullable(_Ref("url", _Text(blank=False))),
        "kind": _Choice(ProgressEvent.Kind.values),
        "from_status": _Text(_max(ProgressEvent, "from_status")),
        "to_status": _Text(_max(ProgressEvent, "to_status")),
        "created": DATETIME,
    },
    "quiz_attempts": {
        "user": USER,
        "quiz": _QuizRef(),
        "started_at": DATETIME,
        "submitted_at": MAYBE_DATETIME,
        "deadline": MAYBE_DATETIME,
        "timed_out": _Bool(),
        "pass_mark": _Nullable(_Int(0, 100)),
        "points_awarded": _Int(),
        "points_possible": _Int(),
        "score_percent": _Nullable(_Percent()),
        "passed": _Bool(),
        "created": DATETIME,
        "modified": DATETIME,
        "answers": _Json(list),  # checked item by item against ANSWER_FIELDS
    },
    "reminder_logs": {
        "user": USER,
        "kind": _Choice(ReminderKind.values),
        "period_key": _Text(_max(ReminderLog, "period_key"), blank=False),
        "status": _Choice(ReminderLog.Status.values),
        "attempts": _Int(0, 32767),
        "to_email": _Text(_max(ReminderLog, "to_email")),
        "subject": _Text(_max(ReminderLog, "subject")),
        "error": _Text(),
        "detail": _Json(dict),
        "attempted_at": MAYBE_DATETIME,
        "sent_at": MAYBE_DATETIME,
        "created": DATETIME,
        "modified": DATETIME,
    },
}

#: The fields of each item of an attempt's ``answers`` (one per question, in ``position`` order).
ANSWER_FIELDS: dict[str, _Type] = {
    "position": _Int(0, 32767),
    "question": _QuestionRef(),
    "kind": _Choice(Question.Kind.values),
    "text_html": _Html(),
    "explanation_html": _Html(),
    "points": _Int(1, 32767),
    "choices": _Snapshot(),
    "correct_bool": _Nullable(_Bool()),
    "accepted_answers": _StringList(),
    "response": _Response(),
    "is_correct": _Nullable(_Bool()),
    "points_awarded": _Int(0, 32767),
}

ENTITIES = tuple(ENTITY_FIELDS)

_MODELS: dict[str, type[models.Model]] = {
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
    "reminder_logs": ReminderLog,
}

#: Natural identity of a row of each entity (see the module docstring).
_KEYS: dict[str, Callable[[dict], tuple]] = {
    "users": lambda r: (r["email"],),
    "email_addresses": lambda r: (r["user"], r["email"].lower()),
    "invitations": lambda r: (r["email"],),
    "cohorts": lambda r: (r["name"],),
    "pace_milestones": lambda r: (r["cohort"], r["section"]),
    "enrollments": lambda r: (r["cohort"], r["user"]),
    "pending_enrollments": lambda r: (r["email"],),
    "topic_progress": lambda r: (r["user"], r["section"]),
    "paper_progress": lambda r: (r["user"], r["paper"]),
    "progress_events": lambda r: tuple(r.values()),
    "quiz_attempts": lambda r: (r["user"], r["quiz"], r["started_at"]),
    "reminder_logs": lambda r: (r["user"], r["kind"], r["period_key"]),
}
#: Entities whose identity may repeat; equal identities are paired in order.
_REPEATABLE = {"progress_events", "quiz_attempts"}
#: Database ordering of each entity (natural, so the file is stable and diffs well).
_ORDER: dict[str, tuple[str, ...]] = {
    "users": ("email",),
    "email_addresses": ("user__email", "email"),
    "invitations": ("email",),
    "cohorts": ("name",),
    "pace_milestones": ("cohort__name", "due_week", "section__slug"),
    "enrollments": ("cohort__name", "user__email"),
    "pending_enrollments": ("email",),
    "topic_progress": ("user__email", "section__slug"),
    "paper_progress": ("user__email", "paper__url"),
    "progress_events": ("user__email", "created", "pk"),
    "quiz_attempts": ("user__email", "started_at", "pk"),
    "reminder_logs": ("user__email", "kind", "period_key"),
}
#: Fields computed in Python rather than read from a column.
_DERIVED = {"users": {"role"}, "cohorts": {"mentors"}, "quiz_attempts": {"answers"}}


# --- Reading the database as records (python values, natural references) ------------------------


def _db_records(entity: str) -> list[tuple[int, dict]]:
    """Every row of ``entity`` as ``(pk, record)``, in the entity's natural order (a few queries)."""
    fields = ENTITY_FIELDS[entity]
    derived = _DERIVED.get(entity, set())
    paths = ["pk"] + [path for name, t in fields.items() if name not in derived for path in t.paths(name)]
    if entity == "users":
        paths.append("is_staff")
    rows = list(_MODELS[entity].objects.order_by(*_ORDER[entity]).values(*paths))
    records = [
        (row["pk"], {name: (None if name in derived else t.from_row(row, name)) for name, t in fields.items()})
        for row in rows
    ]
    if entity == "users":
        groups: dict[int, set[str]] = {}
        for user_id, name in User.groups.through.objects.filter(group__name__in=_ROLE_GROUPS).values_list(
            "user_id", "group__name"
        ):
            groups.setdefault(user_id, set()).add(name)
        for (pk, record), row in zip(records, rows, strict=True):
            record["role"] = _role(row["is_staff"], groups.get(pk, set()))
    elif entity == "cohorts":
        mentors: dict[int, list[str]] = {}
        for cohort_id, email in Cohort.mentors.through.objects.values_list("cohort_id", "user__email"):
            mentors.setdefault(cohort_id, []).append(email)
        for pk, record in records:
            record["mentors"] = sorted(mentors.get(pk, []))
    elif entity == "quiz_attempts":
        answers = _db_answers()
        for pk, record in records:
            record["answers"] = answers.get(pk, [])
    return records


def _role(is_staff: bool, groups: set[str]) -> str | None:
    """The role as :attr:`accounts.models.User.role` computes it (admin over mentor over student)."""
    if is_staff:
        return Role.ADMIN.value
    for name in (Role.MENTOR.value, Role.STUDENT.value):
        if name in groups:
            return name
    return None


def _db_answers() -> dict[int, list[dict]]:
    """``{attempt id: [answer record, ...]}`` in position order (one query)."""
    names = [name for name in ANSWER_FIELDS if name != "question"]
    rows = AttemptAnswer.objects.order_by("attempt_id", "position").values(
        "attempt_id", "attempt__quiz_id", "question__quiz_id", "question__key", "question__text", *names
    )
    out: dict[int, list[dict]] = {}
    for row in rows:
        if row["question__quiz_id"] is None or row["question__quiz_id"] != row["attempt__quiz_id"]:
            row["question"] = None  # deleted, or moved to another quiz since
        else:
            row["question"] = row["question__key"] or QuestionByText(row["question__text"])
        out.setdefault(row["attempt_id"], []).append({name: row[name] for name in ANSWER_FIELDS})
    return out


def _dump(fields: dict[str, _Type], record: dict) -> dict:
    return {name: t.dump(record[name]) for name, t in fields.items()}


def progress_export(*, now: dt.datetime | None = None) -> dict:
    """Export every user's data as a progress document (format: module docstring).

    Args:
        now: the aware datetime written as ``exported_at`` (default: now).
    Returns:
        A JSON-serialisable ``dict`` (``json.dumps`` it as UTF-8). About twenty queries, whatever the
        number of rows.
    """
    now = now or timezone.now()
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _DateTime().dump(now),
        "source": settings.SITE_URL,
    }
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            _consistent_snapshot()
        for entity in ENTITIES:
            fields = ENTITY_FIELDS[entity]
            items = []
            for _pk, record in _db_records(entity):
                item = _dump(fields, record)
                if entity == "quiz_attempts":
                    item["answers"] = [_dump(ANSWER_FIELDS, answer) for answer in record["answers"]]
                items.append(item)
            doc[entity] = items
    return doc


def _consistent_snapshot() -> None:
    """Make the queries of the current transaction read one snapshot, so a file written while the
    portal is in use is consistent. PostgreSQL needs ``REPEATABLE READ`` for that (its default, READ
    COMMITTED, takes a snapshot per statement), set as the first statement of the outermost
    transaction; SQLite's read transaction already is one snapshot."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")


def json_dumps(doc: dict) -> str:
    """The document as JSON text: UTF-8 characters as they are (Chinese stays readable), one field
    per line, ending with a newline."""
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def progress_file_write(*, doc: dict, path: str | Path) -> int:
    """Write ``doc`` (:func:`json_dumps`, UTF-8) to ``path`` through a temporary file beside it, so a
    failed write leaves no half file. Returns the number of bytes written; raises ``OSError``."""
    path = Path(path)
    data = json_dumps(doc).encode("utf-8")
    temporary = path.with_name(f".{path.name}.partial")
    try:
        temporary.write_bytes(data)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    return len(data)


def progress_file_read(path: str | Path) -> Any:
    """Read and parse the JSON file at ``path``.

    Returns:
        The parsed JSON value (checked later by :func:`progress_import`).
    Raises:
        ProgressFileError: one line (without the path, which the caller adds): no such file, not a
            file, unreadable, not UTF-8 or not JSON.
    """
    path = Path(path)
    if not path.exists():
        raise ProgressFileError("no such file")
    if not path.is_file():
        raise ProgressFileError("not a file")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ProgressFileError(f"cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ProgressFileError("not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProgressFileError(f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None


# --- Reading a document -------------------------------------------------------------------------


def _parse_object(raw, fields: dict[str, _Type], where: str) -> dict:
    if not isinstance(raw, dict):
        raise _bad(where, "expected a JSON object")
    unknown = [name for name in raw if name not in fields]
    if unknown:
        raise _bad(where, f'unknown field "{unknown[0]}"')
    missing = [name for name in fields if name not in raw]
    if missing:
        raise _bad(where, f'missing field "{missing[0]}"')
    return {name: t.load(raw[name], f"{where}.{name}") for name, t in fields.items()}


def _parse_document(data: Any) -> dict[str, list[dict]]:
    """Check the envelope and every record; return ``{entity: [record, ...]}`` (python values)."""
    if not isinstance(data, dict) or "format" not in data:
        raise ProgressFileError(f'not a COIN Portal progress file (no "format": "{FORMAT}")')
    if data["format"] != FORMAT:
        raise ProgressFileError(
            f"not a COIN Portal progress file (format {json.dumps(data['format'], ensure_ascii=False)}, "
            f'expected "{FORMAT}")'
        )
    version = data.get("version")
    if version != VERSION or isinstance(version, bool):
        raise ProgressFileError(
            f"format version {json.dumps(version)} is not supported: this installation reads version {VERSION}"
        )
    unknown = [name for name in data if name not in {"format", "version", "exported_at", "source", *ENTITIES}]
    if unknown:
        raise ProgressFileError(f'unknown top-level field "{unknown[0]}"')
    _DateTime().load(data.get("exported_at"), "exported_at")
    doc: dict[str, list[dict]] = {}
    for entity in ENTITIES:
        items = data.get(entity)
        if not isinstance(items, list):
            raise ProgressFileError(
                f"{entity}: expected a list (the field is {'missing' if items is None else 'not a list'})"
            )
        records = []
        for index, raw in enumerate(items):
            where = f"{entity}[{index}]"
            record = _parse_object(raw, ENTITY_FIELDS[entity], where)
            if entity == "quiz_attempts":
                record["answers"] = [
                    _parse_object(answer, ANSWER_FIELDS, f"{where}.answers[{i}]")
                    for i, answer in enumerate(record["answers"])
                ]
                _check_attempt(record, where)
            elif entity == "progress_events" and (record["section"] is None) == (record["paper"] is None):
                raise _bad(where, "an event has either a section or a paper")
            elif entity == "cohorts" and record["end_date"] < record["start_date"]:
                raise _bad(where, "the end date is before the start date")
            elif entity == "users" and record["time_zone"] not in time_zone_names():
                raise _bad(f"{where}.time_zone", f"{record['time_zone']!r} is not a known time zone")
            records.append(record)
        doc[entity] = records
    return doc


def _check_attempt(record: dict, where: str) -> None:
    if record["submitted_at"] is not None and record["score_percent"] is None:
        raise _bad(where, "a submitted attempt needs its score_percent")
    positions = [answer["position"] for answer in record["answers"]]
    if len(set(positions)) != len(positions):
        raise _bad(f"{where}.answers", "two answers have the same position")


# --- References to the curriculum and the quiz bank --------------------------------------------


@dataclass
class _Refs:
    """Database ids of everything a document refers to (filled as rows are written)."""

    sections: dict[str, int]
    papers: dict[str, int]
    quizzes: dict[Any, int]
    questions: dict[tuple[int, Any], int]
    users: dict[str, int] = field(default_factory=dict)
    cohorts: dict[str, int] = field(default_factory=dict)


def _curriculum_refs(doc: dict[str, list[dict]]) -> _Refs:
    """Resolve every section, paper, quiz and question the document uses (four queries).

    Raises:
        MissingReferencesError: any of them is missing here.
    """
    refs = _Refs(
        sections=dict(Section.objects.values_list("slug", "pk")),
        papers=dict(Paper.objects.values_list("url", "pk")),
        quizzes={},
        questions={},
    )
    for pk, key, slug, title in Quiz.objects.order_by("-pk").values_list("pk", "key", "section__slug", "title"):
        refs.quizzes[key or QuizByTitle(slug, title)] = pk  # descending ids: the first (lowest) wins
    for pk, quiz_id, key, text in Question.objects.order_by("-order", "-pk").values_list(
        "pk", "quiz_id", "key", "text"
    ):
        refs.questions[(quiz_id, key or QuestionByText(text))] = pk

    missing: dict[str, None] = {}

    def need(found: bool, label: str) -> None:
        if not found:
            missing.setdefault(label, None)

    for record in doc["pace_milestones"] + doc["topic_progress"]:
        need(record["section"] in refs.sections, f'section "{record["section"]}"')
    for record in doc["paper_progress"]:
        need(record["paper"] in refs.papers, f'paper "{record["paper"]}"')
    for record in doc["progress_events"]:
        if record["section"] is not None:
            need(record["section"] in refs.sections, f'section "{record["section"]}"')
        else:
            need(record["paper"] in refs.papers, f'paper "{record["paper"]}"')
    for record in doc["quiz_attempts"]:
        quiz_id = refs.quizzes.get(record["quiz"])
        need(quiz_id is not None, f"quiz {_quiz_label(record['quiz'])}")
        if quiz_id is None:
            continue
        for answer in record["answers"]:
            question = answer["question"]
            if question is not None:
                need((quiz_id, question) in refs.questions, f"question {_question_label(record['quiz'], question)}")
    if missing:
        raise MissingReferencesError(list(missing))
    return refs


def _quiz_label(ref) -> str:
    if isinstance(ref, QuizByTitle):
        return f'"{ref.title}" (section "{ref.section}")'
    return f'"{ref}"'


def _question_label(quiz, ref) -> str:
    if isinstance(ref, QuestionByText):
        text = " ".join(ref.text.split())
        return f'"{text[:40]}" of quiz {_quiz_label(quiz)}'
    return f'"{ref}" of quiz {_quiz_label(quiz)}'


# --- Planning: what to create, update and leave alone -------------------------------------------


@dataclass
class EntityCounts:
    """Rows of one entity an import created, updated and left unchanged (or would, in a dry run)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    """What :func:`progress_import` did, or would do when ``dry_run``.

    Attributes:
        counts: :class:`EntityCounts` per entity, in document order (:data:`ENTITIES`).
        dry_run: nothing was written.
    """

    counts: dict[str, EntityCounts]
    dry_run: bool = False

    @property
    def created(self) -> int:
        """Rows created, all entities together."""
        return sum(c.created for c in self.counts.values())

    @property
    def updated(self) -> int:
        """Rows updated, all entities together."""
        return sum(c.updated for c in self.counts.values())

    @property
    def unchanged(self) -> int:
        """Rows left as they were, all entities together."""
        return sum(c.unchanged for c in self.counts.values())

    def summary_lines(self) -> list[str]:
        """One line per entity (``topic_progress: 3 created, 1 updated, 0 unchanged``), then totals."""
        verb = "would be " if self.dry_run else ""
        lines = [
            f"{entity}: {c.created} {verb}created, {c.updated} {verb}updated, {c.unchanged} unchanged"
            for entity, c in self.counts.items()
        ]
        lines.append(f"total: {self.created} {verb}created, {self.updated} {verb}updated, {self.unchanged} unchanged")
        return lines


@dataclass
class _Plan:
    creates: list[dict] = field(default_factory=list)
    updates: list[tuple[int, dict, dict]] = field(default_factory=list)  # (pk, new record, old record)
    unchanged: int = 0


def _plan_entity(entity: str, records: list[dict], existing: list[tuple[int, dict]]) -> _Plan:
    """Match ``records`` (file order) with ``existing`` rows (database order) by natural identity."""
    key = _KEYS[entity]
    repeatable = entity in _REPEATABLE
    index: dict[tuple, tuple[int, dict]] = {}
    seen: Counter = Counter()
    for pk, record in existing:
        identity = key(record)
        if repeatable:
            seen[identity] += 1
            identity = (identity, seen[identity])
        index.setdefault(identity, (pk, record))
    plan, seen, first = _Plan(), Counter(), {}
    for position, record in enumerate(records):
        identity = key(record)
        if repeatable:
            seen[identity] += 1
            identity = (identity, seen[identity])
        elif identity in first:
            raise _bad(f"{entity}[{position}]", f"the same row as {entity}[{first[identity]}] ({_identity(identity)})")
        first[identity] = position
        match = index.get(identity)
        if match is None:
            plan.creates.append(record)
        elif match[1] == record:
            plan.unchanged += 1
        else:
            plan.updates.append((match[0], record, match[1]))
    return plan


def _identity(identity: tuple) -> str:
    return ", ".join(str(part) for part in identity)


def _check_people(doc: dict[str, list[dict]], existing: dict[str, list]) -> None:
    """Every user and cohort a record refers to must be in the file or already here."""
    users = {r["email"] for r in doc["users"]} | {r["email"] for _pk, r in existing["users"]}
    cohorts = {r["name"] for r in doc["cohorts"]} | {r["name"] for _pk, r in existing["cohorts"]}
    for entity in ENTITIES:
        fields = ENTITY_FIELDS[entity]
        user_fields = [name for name, t in fields.items() if _is_user_ref(t)]
        for position, record in enumerate(doc[entity]):
            for name in user_fields:
                if record[name] is not None and record[name] not in users:
                    raise _bad(f"{entity}[{position}].{name}", f"user {record[name]} is neither in the file nor here")
            if entity == "cohorts":
                for email in record["mentors"]:
                    if email not in users:
                        raise _bad(f"{entity}[{position}].mentors", f"user {email} is neither in the file nor here")
            if "cohort" in fields and record["cohort"] not in cohorts:
                raise _bad(
                    f"{entity}[{position}].cohort", f'cohort "{record["cohort"]}" is neither in the file nor here'
                )


def _is_user_ref(t: _Type) -> bool:
    inner = t.inner if isinstance(t, _Nullable) else t
    return inner is USER


# --- Writing --------------------------------------------------------------------------------------


def _auto_fields(model: type[models.Model]) -> list[str]:
    """The model's ``auto_now``/``auto_now_add`` columns (Django overwrites them on insert)."""
    return [
        f.attname
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]


def _columns(entity: str, record: dict, refs: _Refs) -> dict:
    """Model attribute values of ``record``: references become ids."""
    values = {}
    for name, t in ENTITY_FIELDS[entity].items():
        if name in _DERIVED.get(entity, ()):
            continue
        value = record[name]
        inner = t.inner if isinstance(t, _Nullable) else t
        if inner is USER:
            values[f"{name}_id"] = None if value is None else refs.users[value]
        elif isinstance(inner, _Ref):
            table = {"cohort": refs.cohorts, "section": refs.sections, "paper": refs.papers}[name]
            values[f"{name}_id"] = None if value is None else table[value]
        elif isinstance(inner, _QuizRef):
            values["quiz_id"] = refs.quizzes[value]
        else:
            values[name] = value
    if entity == "users":
        values["is_staff"] = record["role"] == Role.ADMIN
    elif entity == "topic_progress":
        values["note_html"] = render_markdown(record["note"]) if record["note"] else ""
    return values


def _write(entity: str, plan: _Plan, refs: _Refs, *, update_batches=None) -> list[models.Model]:
    """Apply ``plan``: updates first (they may free a unique slot), then inserts; returns the new rows.

    ``update_batches`` splits the updates into ordered groups (each one statement batch), e.g.
    enrollments that end before those that start.
    """
    model = _MODELS[entity]
    auto = _auto_fields(model)
    groups = update_batches(plan.updates) if update_batches else [plan.updates]
    for group in groups:
        if not group:
            continue
        rows = [model(pk=pk, **_columns(entity, record, refs)) for pk, record, _old in group]
        model.objects.bulk_update(rows, list(_columns(entity, group[0][1], refs)), batch_size=BATCH_SIZE)
    new = [model(**_columns(entity, record, refs)) for record in plan.creates]
    if entity == "users":
        for row in new:
            row.password = make_password(None)  # unusable: imported people reset their password
    model.objects.bulk_create(new, batch_size=BATCH_SIZE)
    if auto and new:
        # bulk_create stamped "now" into the auto_now(_add) fields; put the file's values back.
        _timestamps_write(model, [(row.pk, record) for row, record in zip(new, plan.creates, strict=True)], auto)
    return new


def _timestamps_write(model: type[models.Model], rows: list[tuple[int, dict]], names: list[str]) -> None:
    """Set the date-time columns ``names`` of rows ``(pk, record)`` to ``record[name]``.

    One ``UPDATE t SET c = CASE pk WHEN %s THEN %s ... END WHERE pk IN (...)`` per batch: standard
    SQL (SQLite and PostgreSQL), values passed as parameters. ``QuerySet.bulk_update`` writes the same
    statement but builds an ORM expression per row, which made it most of an import's time.
    """
    quote = connection.ops.quote_name
    pk = quote(model._meta.pk.column)
    fields = [model._meta.get_field(name) for name in names]
    per_row = 2 * len(fields) + 1
    batch = min(BATCH_SIZE, (connection.features.max_query_params or 60_000) // per_row)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            assignments, params = [], []
            for f in fields:
                assignments.append(f"{quote(f.column)} = CASE {pk}{' WHEN %s THEN %s' * len(chunk)} END")
                for row_pk, record in chunk:
                    params += [row_pk, f.get_db_prep_value(record[f.name], connection)]
            params += [row_pk for row_pk, _record in chunk]
            # Only quoted table and column names from the model's metadata are formatted in; values are parameters.
            table, placeholders = quote(model._meta.db_table), ", ".join(["%s"] * len(chunk))
            sql = f"UPDATE {table} SET {', '.join(assignments)} WHERE {pk} IN ({placeholders})"  # noqa: S608 # nosec B608
            cursor.execute(sql, params)


def _write_users(plan: _Plan, refs: _Refs) -> None:
    _write("users", plan, refs)
    refs.users = dict(User.objects.values_list("email", "pk"))
    groups = {name: Group.objects.get_or_create(name=name)[0].pk for name in _ROLE_GROUPS}
    through = User.groups.through
    changed = [(refs.users[new["email"]], new["role"]) for _pk, new, old in plan.updates if new["role"] != old["role"]]
    through.objects.filter(user_id__in=[user_id for user_id, _role in changed], group_id__in=groups.values()).delete()
    memberships = changed + [(refs.users[record["email"]], record["role"]) for record in plan.creates]
    through.objects.bulk_create(
        [through(user_id=user_id, group_id=groups[role]) for user_id, role in memberships if role in groups],
        batch_size=BATCH_SIZE,
    )


def _write_cohorts(plan: _Plan, refs: _Refs) -> None:
    _write("cohorts", plan, refs)
    refs.cohorts = dict(Cohort.objects.values_list("name", "pk"))
    through = Cohort.mentors.through
    changed = [new for _pk, new, old in plan.updates if new["mentors"] != old["mentors"]]
    through.objects.filter(cohort_id__in=[refs.cohorts[r["name"]] for r in changed]).delete()
    through.objects.bulk_create(
        [
            through(cohort_id=refs.cohorts[record["name"]], user_id=refs.users[email])
            for record in changed + plan.creates
            for email in record["mentors"]
        ],
        batch_size=BATCH_SIZE,
    )


def _write_attempts(plan: _Plan, refs: _Refs) -> None:
    changed_answers = {pk for pk, new, old in plan.updates if new["answers"] != old["answers"]}
    AttemptAnswer.objects.filter(attempt_id__in=changed_answers).delete()
    new = _write("quiz_attempts", plan, refs)
    pairs = [(pk, new_record) for pk, new_record, _old in plan.updates if pk in changed_answers]
    pairs += [(row.pk, record) for row, record in zip(new, plan.creates, strict=True)]
    answers = []
    for attempt_id, record in pairs:
        quiz_id = refs.quizzes[record["quiz"]]
        for answer in record["answers"]:
            values = {name: answer[name] for name in ANSWER_FIELDS if name != "question"}
            question = answer["question"]
            question_id = None if question is None else refs.questions[(quiz_id, question)]
            answers.append(AttemptAnswer(attempt_id=attempt_id, question_id=question_id, **values))
    AttemptAnswer.objects.bulk_create(answers, batch_size=BATCH_SIZE)


def _enrollment_batches(updates):
    """Enrollments that end first, so the one active enrollment per student can move."""
    return [[u for u in updates if not u[1]["is_active"]], [u for u in updates if u[1]["is_active"]]]


def progress_import(*, data: Any, dry_run: bool = False) -> ImportReport:
    """Import a progress document (format: module docstring) into this installation, all or nothing.

    Args:
        data: the parsed JSON document (see :func:`progress_file_read`).
        dry_run: check and count everything, write nothing.
    Returns:
        :class:`ImportReport` with created/updated/unchanged counts per entity. Importing the same
        document again reports 0 created and 0 updated.
    Raises:
        ProgressFileError: one readable line: not a progress document, unsupported ``version``, a
            malformed field (named like ``topic_progress[3].status``), a reference to a user or cohort
            that is neither in the file nor here, or a conflict with rows of this installation (e.g.
            another active enrollment of the same student). Nothing is written.
        MissingReferencesError: the target lacks some section, paper, quiz or question; the message
            names the first and counts them. Nothing is written.
    """
    doc = _parse_document(data)
    try:
        with transaction.atomic():
            refs = _curriculum_refs(doc)
            existing = {entity: _db_records(entity) for entity in ENTITIES}
            plans = {entity: _plan_entity(entity, doc[entity], existing[entity]) for entity in ENTITIES}
            _check_people(doc, existing)
            report = ImportReport(
                counts={
                    entity: EntityCounts(len(plan.creates), len(plan.updates), plan.unchanged)
                    for entity, plan in plans.items()
                },
                dry_run=dry_run,
            )
            if dry_run:
                return report
            _write_users(plans["users"], refs)
            for entity in ("email_addresses", "invitations"):
                _write(entity, plans[entity], refs)
            _write_cohorts(plans["cohorts"], refs)
            _write("pace_milestones", plans["pace_milestones"], refs)
            _write("enrollments", plans["enrollments"], refs, update_batches=_enrollment_batches)
            for entity in ("pending_enrollments", "topic_progress", "paper_progress", "progress_events"):
                _write(entity, plans[entity], refs)
            _write_attempts(plans["quiz_attempts"], refs)
            _write("reminder_logs", plans["reminder_logs"], refs)
    except IntegrityError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ProgressFileError(
            f"the file conflicts with data in this installation ({first_line}); nothing was written"
        ) from exc
    return report
