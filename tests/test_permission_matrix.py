"""The permission matrix: every URL of the portal × every role × its methods, with the exact answer
expected (issue "Production readiness").

Each cell is its own test, named ``<row>-<role>-<method>`` (e.g. ``cohort_detail-mentor_other-GET``).
Roles (see ``tests/conftest.py`` for the world they live in):

- ``anonymous``: not signed in;
- ``student``: a student of cohort A who owns the attempts, progress rows and tokens of the world;
- ``student_other``: another student of cohort A, only on rows whose URL carries the first
  student's object (attempts, progress, the mentor's page of that student, tokens);
- ``mentor``: mentor of cohort A; ``mentor_other``: mentor of cohort B;
- ``admin``: a staff superuser.

Answers: an ``int`` is the exact status code; :data:`LOGIN` is a 302 whose ``Location`` starts with
``/accounts/login/``; :class:`Redirect` is a 302 to a given place. Every POST cell also checks that
a refused request (login redirect or 4xx) wrote nothing, and that an accepted one wrote nothing of
any other user's (except where the row says the endpoint acts on others: enrollment, token links).

To add a URL, add one :class:`Row` to :data:`MATRIX` (the completeness guard at the bottom fails
until every named URL of the project apps has one).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.tests.factories import PASSWORD

ANON, STUDENT, STUDENT_OTHER, MENTOR, MENTOR_OTHER, ADMIN = (
    "anonymous", "student", "student_other", "mentor", "mentor_other", "admin",
)  # fmt: skip
#: The roles of :func:`expect`'s positional arguments, in that order.
BASE_ROLES = (ANON, STUDENT, MENTOR, MENTOR_OTHER, ADMIN)


@dataclass(frozen=True)
class Redirect:
    """A 302 to ``target``: ``Location`` starts with it (equals it when ``exact``)."""

    target: str
    exact: bool = False

    def __str__(self):
        return f"302→{self.target}"


#: 302 to the login page (allauth's, ``settings.LOGIN_URL``).
LOGIN = Redirect("/accounts/login/")


def expect(anonymous, student, mentor, mentor_other, admin, *, student_other=None) -> dict:
    """Answers by role, in :data:`BASE_ROLES` order; ``student_other`` only for rows carrying an
    object of the first student."""
    answers = dict(zip(BASE_ROLES, (anonymous, student, mentor, mentor_other, admin), strict=True))
    if student_other is not None:
        answers[STUDENT_OTHER] = student_other
    return answers


def everyone(answer, *, student_other: bool = False) -> dict:
    """The same answer for every role."""
    return expect(answer, answer, answer, answer, answer, student_other=answer if student_other else None)


def signed_in(answer, *, anonymous=LOGIN) -> dict:
    """``answer`` for every signed-in role, a login redirect for anonymous users."""
    return expect(anonymous, answer, answer, answer, answer)


#: Pages of cohort A: its mentor and admins; students and other mentors get 404 (no probing).
COHORT_A = expect(LOGIN, 404, 200, 404, 200)
#: Staff-only pages: 403 for signed-in users who are not staff.
STAFF = expect(LOGIN, 403, 403, 403, 200)
NOT_ALLOWED = everyone(405)


@dataclass(frozen=True)
class Row:
    """One URL of the matrix.

    Attributes:
        name: the URL name to reverse (``"cohorts:cohort_detail"``, ``"account_login"``).
        args: ``world -> list`` of URL arguments.
        query: ``world -> str`` appended to the URL (with its ``?``).
        get / post: answers by role for that method (``None``: the method is not in the matrix).
        data: ``world -> dict``, the POST body.
        id: the test id's first part (default: the URL name without namespace).
        page: whether the 200 answers are HTML pages for the page checks (``tests/test_page_checks.py``).
        csrf: whether POST must be refused without a CSRF token (False for RFC 8058 one-click).
        acts_on_others: an accepted POST may change other users' rows (enrollment, token links).
    """

    name: str
    args: Callable | None = None
    query: Callable | None = None
    get: dict | None = None
    post: dict | None = None
    data: Callable | None = None
    id: str = ""
    page: bool = True
    csrf: bool = True
    acts_on_others: bool = False

    @property
    def test_id(self) -> str:
        return self.id or self.name.rpartition(":")[2]

    def url(self, world) -> str:
        path = reverse(self.name, args=self.args(world) if self.args else None)
        return path + (self.query(world) if self.query else "")

    def cells(self):
        """``(method, role, answer)`` for every cell of the row."""
        for method, answers in (("GET", self.get), ("POST", self.post)):
            for role, answer in (answers or {}).items():
                yield method, role, answer


def _profile_data(w):
    return {
        "display_name": "Renamed",
        "language": "zh-hans",
        "time_zone": "Asia/Shanghai",
        "reminder_hour": "9",
        "quiet_hours_start": "22:00",
        "quiet_hours_end": "07:00",
    }


ATTEMPT = Redirect("/quizzes/attempts/")  # the attempt started (or resumed)
DASHBOARD = Redirect("/progress/")  # the ``next`` posted by the controls below
# fmt: off
MATRIX: list[Row] = [
    # --- core -------------------------------------------------------------------------------------
    Row("core:home", get=expect(Redirect("/curriculum/", exact=True), Redirect("/progress/", exact=True), *[Redirect("/cohorts/", exact=True)] * 3), post=NOT_ALLOWED),
    Row("core:healthz", get=everyone(200), post=NOT_ALLOWED, page=False),
    # --- accounts ---------------------------------------------------------------------------------
    Row("accounts:profile", get=signed_in(200), post=signed_in(Redirect("/me/profile/", exact=True)), data=_profile_data),
    Row("accounts:language_set", get=NOT_ALLOWED, post=everyone(Redirect("/curriculum/", exact=True)), data=lambda w: {"language": "en", "next": "/curriculum/"}),
    Row("accounts:invitation_accept", args=lambda w: [w.invitation_token], get=expect(Redirect("/accounts/signup/", exact=True), *[Redirect("/", exact=True)] * 4), post=NOT_ALLOWED),
    Row("accounts:invitation_accept", args=lambda w: ["not-a-token"], get=everyone(400), id="invitation_accept_bad_token"),
    # --- curriculum (public while CURRICULUM_REQUIRE_LOGIN is off) --------------------------------
    Row("curriculum:overview", get=everyone(200), post=NOT_ALLOWED),
    Row("curriculum:section_detail", args=lambda w: [w.topic.slug], get=everyone(200), post=NOT_ALLOWED),
    Row("curriculum:section_detail", args=lambda w: [w.part.slug], get=everyone(200), id="section_detail_part"),
    Row("curriculum:section_detail", args=lambda w: ["no-such-section"], get=everyone(404), id="section_detail_unknown"),
    Row("curriculum:local_file", args=lambda w: [w.image_ref.section.slug, w.image_ref.path], get=everyone(200), post=NOT_ALLOWED, page=False),
    Row("curriculum:local_file", args=lambda w: [w.document_ref.section.slug, w.document_ref.path], get=everyone(404), id="local_file_document"),
    Row("curriculum:local_file", args=lambda w: [w.topic.slug, "../../settings.py"], get=everyone(404), id="local_file_traversal"),
    # A NUL character in a lookup was a 500 on PostgreSQL (it refuses NUL in text): now a 404 or 400.
    Row("curriculum:section_detail", args=lambda w: [w.topic.slug + "\x00"], get=everyone(404), id="section_detail_nul"),
    Row("curriculum:local_file", args=lambda w: [w.image_ref.section.slug, w.image_ref.path + "\x00"], get=everyone(404), id="local_file_nul"),
    # --- progress: every endpoint acts on the signed-in user's own rows ---------------------------
    Row("progress:dashboard", get=signed_in(200), post=NOT_ALLOWED),
    Row("progress:topic_status", args=lambda w: [w.topic.pk], get=everyone(405, student_other=True), post=expect(LOGIN, *[DASHBOARD] * 4, student_other=DASHBOARD), data=lambda w: {"status": "done", "next": "/progress/"}),
    Row("progress:topic_status", args=lambda w: [w.part.pk], post=signed_in(400), data=lambda w: {"status": "done"}, id="topic_status_part"),
    Row("progress:topic_status", args=lambda w: [999999], post=signed_in(404), data=lambda w: {"status": "done"}, id="topic_status_unknown"),
    Row("progress:topic_note", args=lambda w: [w.topic.pk], get=everyone(405, student_other=True), post=expect(LOGIN, *[DASHBOARD] * 4, student_other=DASHBOARD), data=lambda w: {"note": "mine", "next": "/progress/"}),
    Row("progress:topic_note", args=lambda w: [w.topic.pk], post=signed_in(400), data=lambda w: {"note": "a\x00b", "next": "/progress/"}, id="topic_note_nul"),
    # A ``next`` that is not a path was tried as a view name by redirect(): a 500; now the topic's page.
    Row("progress:topic_note", args=lambda w: [w.topic.pk], post=signed_in(Redirect("/curriculum/sections/")), data=lambda w: {"note": "mine", "next": "notes"}, id="topic_note_bare_next"),
    Row("progress:paper_reading", args=lambda w: [w.paper.pk], get=everyone(405, student_other=True), post=expect(LOGIN, *[DASHBOARD] * 4, student_other=DASHBOARD), data=lambda w: {"status": "read", "next": "/progress/"}),
    Row("progress:paper_reading", args=lambda w: [w.paper.pk], post=expect(LOGIN, DASHBOARD, 404, 404, 404, student_other=404), data=lambda w: {"action": "remove", "next": "/progress/"}, id="paper_reading_remove"),
    Row("progress:export_csv", get=signed_in(200), post=NOT_ALLOWED, page=False),
    Row("progress:export_json", get=signed_in(200), post=NOT_ALLOWED, page=False),
    # --- quizzes ----------------------------------------------------------------------------------
    Row("quizzes:quiz_list", get=signed_in(200), post=NOT_ALLOWED),
    Row("quizzes:quiz_detail", args=lambda w: [w.quiz_free.pk], get=signed_in(200), post=NOT_ALLOWED),
    Row("quizzes:quiz_detail", args=lambda w: [w.quiz_hidden.pk], get=expect(LOGIN, 404, 404, 404, 200), id="quiz_detail_unpublished"),
    Row("quizzes:quiz_start", args=lambda w: [w.quiz_free.pk], get=NOT_ALLOWED, post=signed_in(ATTEMPT)),
    Row("quizzes:quiz_start", args=lambda w: [w.quiz.pk], post=expect(LOGIN, 403, ATTEMPT, ATTEMPT, ATTEMPT, student_other=ATTEMPT), id="quiz_start_used_up"),
    Row("quizzes:quiz_start", args=lambda w: [w.quiz_hidden.pk], post=expect(LOGIN, 404, 404, 404, ATTEMPT), id="quiz_start_unpublished"),
    Row("quizzes:attempt_list", get=signed_in(200), post=NOT_ALLOWED),
    Row("quizzes:attempt_list", query=lambda w: "?quiz=not-a-number", get=signed_in(404), id="attempt_list_bad_quiz"),
    Row("quizzes:attempt_detail", args=lambda w: [w.attempt_submitted.pk], get=expect(LOGIN, 200, 200, 404, 200, student_other=404), post=NOT_ALLOWED),
    Row("quizzes:attempt_detail", args=lambda w: [w.attempt_open.pk], get=expect(LOGIN, 200, 200, 404, 200, student_other=404), id="attempt_detail_open"),
    Row("quizzes:attempt_submit", args=lambda w: [w.attempt_open.pk], get=everyone(405, student_other=True), post=expect(LOGIN, ATTEMPT, 404, 404, 404, student_other=404), data=lambda w: {"allow_blank": "1"}),
    Row("quizzes:attempt_submit", args=lambda w: [w.attempt_open.pk], post=expect(LOGIN, 400, 404, 404, 404, student_other=404), data=lambda w: {w.attempt_open.answers.get(kind="short_answer").field_name: "a\x00b", "allow_blank": "1"}, id="attempt_submit_nul"),
    # --- cohorts ----------------------------------------------------------------------------------
    Row("cohorts:mentor_home", get=expect(LOGIN, 403, 200, 200, 200), post=NOT_ALLOWED),
    Row("cohorts:cohort_detail", args=lambda w: [w.cohort_a.pk], get=COHORT_A, post=NOT_ALLOWED),
    Row("cohorts:cohort_detail", args=lambda w: [w.cohort_a.pk], query=lambda w: "?sort=no-such-column", get=expect(LOGIN, 404, 400, 404, 400), id="cohort_detail_bad_sort"),
    Row("cohorts:cohort_chart", args=lambda w: [w.cohort_a.pk], get=COHORT_A, post=NOT_ALLOWED, page=False),
    Row("cohorts:cohort_csv", args=lambda w: [w.cohort_a.pk], get=COHORT_A, post=NOT_ALLOWED, page=False),
    Row("cohorts:cohort_enroll", args=lambda w: [w.cohort_a.pk], get=COHORT_A, post=COHORT_A, data=lambda w: {"emails": "newcomer@example.org"}, acts_on_others=True),
    Row("cohorts:student_detail", args=lambda w: [w.cohort_a.pk, w.student.pk], get=expect(LOGIN, 404, 200, 404, 200, student_other=404), post=NOT_ALLOWED),
    Row("cohorts:student_detail", args=lambda w: [w.cohort_a.pk, w.student_b.pk], get=expect(LOGIN, 404, 404, 404, 404), id="student_detail_not_in_cohort"),
    Row("cohorts:student_detail", args=lambda w: [w.cohort_a.pk, 10**20], get=expect(LOGIN, 404, 404, 404, 404), id="student_detail_huge_id"),
    # --- reminders: the token is the permission (it comes in the student's mail) ------------------
    Row("reminders:unsubscribe", args=lambda w: [w.unsubscribe_token], get=everyone(200, student_other=True), post=everyone(200, student_other=True), acts_on_others=True),
    Row("reminders:unsubscribe", args=lambda w: ["not-a-token"], get=everyone(400), post=everyone(400), id="unsubscribe_bad_token"),
    Row("reminders:unsubscribe_one_click", args=lambda w: [w.unsubscribe_token], get=everyone(200, student_other=True), post=everyone(200, student_other=True), data=lambda w: {"List-Unsubscribe": "One-Click"}, csrf=False, acts_on_others=True),
    Row("reminders:preview", get=STAFF, post=NOT_ALLOWED),
    Row("reminders:preview", query=lambda w: f"?user={w.student.pk}&kind=inactivity", get=STAFF, id="preview_result"),
    # The mail document shown in the preview's iframe: a mail's own <style>, so no page checks.
    Row("reminders:preview_html", query=lambda w: f"?user={w.student.pk}&kind=inactivity", get=STAFF, post=NOT_ALLOWED, page=False),
    # --- allauth, admin, language switch (outside the completeness guard) --------------------------
    # After login allauth goes to LOGIN_REDIRECT_URL, the home page, which then routes by role.
    Row("account_login", get=expect(200, *[Redirect("/", exact=True)] * 4), post=expect(*[Redirect("/", exact=True)] * 5), data=lambda w: {"login": w.student.email, "password": PASSWORD}),
    Row("account_signup", get=expect(200, *[Redirect("/", exact=True)] * 4)),
    Row("account_logout", get=expect(Redirect("/", exact=True), 200, 200, 200, 200), post=everyone(Redirect("/", exact=True))),
    Row("account_reset_password", get=everyone(200)),
    Row("account_reset_password_done", get=everyone(200)),
    Row("account_change_password", get=signed_in(200)),
    Row("account_email", get=signed_in(200)),
    Row("socialaccount_connections", get=signed_in(200)),
    Row("admin:index", get=expect(*[Redirect("/admin/login/")] * 4, 200)),
    Row("set_language", post=everyone(Redirect("/curriculum/", exact=True)), data=lambda w: {"language": "en", "next": "/curriculum/"}),
    Row("core:favicon", get=everyone(Redirect("/static/img/favicon.svg", exact=True)), post=NOT_ALLOWED, page=False),
    # Link health: admins only; any signed-in user may report a listed link.
    Row("linkcheck:health", get=STAFF, post=NOT_ALLOWED),
    Row("linkcheck:check_all", get=NOT_ALLOWED, post=expect(LOGIN, 403, 403, 403, Redirect("/links/health/", exact=True))),
    Row("linkcheck:recheck", args=lambda w: [w.link.pk], get=NOT_ALLOWED, post=expect(LOGIN, 403, 403, 403, Redirect("/links/health/", exact=True))),
    Row("linkcheck:recheck", args=lambda w: [2_147_483_647], post=expect(LOGIN, 403, 403, 403, 404), id="recheck_unknown"),
    Row("linkcheck:accept_redirect", args=lambda w: [w.link.pk], get=NOT_ALLOWED, post=expect(LOGIN, 403, 403, 403, Redirect("/links/health/", exact=True))),
    Row("linkcheck:report_close", args=lambda w: [w.link_report.pk], get=NOT_ALLOWED, post=expect(LOGIN, 403, 403, 403, Redirect("/links/health/", exact=True)), data=lambda w: {"status": "resolved"}, acts_on_others=True),
    Row("linkcheck:report_close", args=lambda w: [w.link_report.pk], post=expect(LOGIN, 403, 403, 403, 400), data=lambda w: {"status": "nonsense"}, id="report_close_bad_status"),
    Row("linkcheck:report", query=lambda w: f"?url={w.paper.url}", get=signed_in(200)),
    Row("linkcheck:report", query=lambda w: "?url=https://not-listed.example.org/", get=signed_in(404), id="report_unlisted"),
    Row("linkcheck:report", post=expect(LOGIN, *[Redirect("/curriculum/", exact=True)] * 4), data=lambda w: {"url": w.paper.url, "comment": "404", "next": "/curriculum/"}, id="report_post"),
]
# fmt: on

CELLS = [
    pytest.param(row, method, role, answer, id=f"{row.test_id}-{role}-{method}")
    for row in MATRIX
    for method, role, answer in row.cells()
]


def client_for(world, role: str, **kwargs) -> Client:
    """A test client signed in as ``role``'s user of ``world`` (not signed in for anonymous)."""
    client = Client(**kwargs)
    if world.users[role] is not None:
        client.force_login(world.users[role])
    return client


def assert_answer(response, answer) -> None:
    """Assert ``response`` is ``answer`` (a status code or a :class:`Redirect`)."""
    location = response.get("Location", "")
    if isinstance(answer, Redirect):
        assert response.status_code == 302, f"expected {answer}, got {response.status_code}"
        if answer.exact:
            assert location == answer.target
        else:
            assert location.startswith(answer.target), location
    else:
        assert response.status_code == answer, f"expected {answer}, got {response.status_code} {location}".strip()


def refused(answer) -> bool:
    """Whether ``answer`` means the request was turned away (login redirect or 4xx)."""
    return answer == LOGIN or (isinstance(answer, int) and 400 <= answer < 500)


def db_state() -> tuple[dict, dict]:
    """What POST endpoints may write: ``(per_user, shared)``.

    ``per_user`` maps user id to a sorted list of that user's progress rows, reading list, attempts,
    enrollments and preferences; ``shared`` holds row counts of what belongs to nobody in particular.
    """
    from accounts.models import Invitation, User
    from cohorts.models import Enrollment, PendingEnrollment
    from progress.models import PaperProgress, ProgressEvent, TopicProgress
    from quizzes.models import Attempt

    rows = defaultdict(list)
    for user_id, *values in TopicProgress.objects.values_list("user_id", "section_id", "status", "note"):
        rows[user_id].append(("topic", *values))
    for user_id, *values in PaperProgress.objects.values_list("user_id", "paper_id", "status"):
        rows[user_id].append(("paper", *values))
    for user_id, *values in ProgressEvent.objects.values_list("user_id", "section_id", "to_status"):
        rows[user_id].append(("event", *values))
    for user_id, *values in Attempt.objects.values_list("user_id", "quiz_id", "submitted_at", "score_percent"):
        rows[user_id].append(("attempt", *values))
    for user_id, *values in Enrollment.objects.values_list("user_id", "cohort_id", "is_active"):
        rows[user_id].append(("enrollment", *values))
    prefs = ("display_name", "language", "time_zone", "remind_inactivity", "remind_behind", "remind_digest")
    for user_id, *values in User.objects.values_list("pk", *prefs):
        rows[user_id].append(("user", *values))
    shared = {"invitations": Invitation.objects.count(), "pending": PendingEnrollment.objects.count()}
    return {k: sorted(tuple(map(str, row)) for row in v) for k, v in rows.items()}, shared


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "method", "role", "answer"), CELLS)
def test_cell(world, row, method, role, answer):
    """The URL answers exactly as the matrix says for this role and method, and writes nothing it
    should not."""
    client = client_for(world, role)
    url = row.url(world)
    if method == "GET":
        assert_answer(client.get(url), answer)
        return
    before, shared_before = db_state()
    response = client.post(url, row.data(world) if row.data else {})
    after, shared_after = db_state()
    assert_answer(response, answer)
    if refused(answer):
        assert (after, shared_after) == (before, shared_before), "a refused POST wrote to the database"
    elif not row.acts_on_others:
        actor = world.users[role].pk if world.users[role] else None
        others = {uid: state for uid, state in before.items() if uid != actor}
        assert {uid: after.get(uid, []) for uid in others} == others, "a POST changed another user's rows"


# --- No 500 on hostile input -----------------------------------------------------------------------

#: Values that once caused 500s: a NUL character (PostgreSQL refuses it in text), a bare word where a
#: path is expected (``redirect()`` took it for a view name), a number past the integer range.
HOSTILE_VALUES = ("a\x00b", "notes", "99999999999999999999")
#: Query and form fields the views read.
HOSTILE_FIELDS = ("page", "sort", "status", "quiz", "user", "kind", "next", "origin", "action", "note", "emails")


@pytest.mark.django_db
@pytest.mark.parametrize("row", [pytest.param(row, id=row.test_id) for row in MATRIX])
def test_hostile_input_is_never_a_500(world, row):
    """Every hostile value in every field the views read, in the query string and (for rows with a
    POST) in the form too, answers below 500 for a student and for an admin."""
    base = row.url(world)
    for role in (STUDENT, ADMIN):
        client = client_for(world, role)
        for value in HOSTILE_VALUES:
            fields = dict.fromkeys(HOSTILE_FIELDS, value)
            url = base + ("&" if "?" in base else "?") + urlencode(fields)
            assert client.get(url).status_code < 500, (role, "GET", value)
            if row.post:
                data = {**dict.fromkeys(row.data(world) if row.data else {}, value), **fields}
                assert client.post(base, data).status_code < 500, (role, "POST", value)


# --- CSRF: state-changing endpoints refuse a POST without a token ---------------------------------

#: Each row with a POST that someone may make, with the first role the matrix lets through.
CSRF_ROWS = [
    pytest.param(row, role, answer, id=f"{row.test_id}-{role}")
    for row in MATRIX
    for role, answer in list((row.post or {}).items())
    if not refused(answer) and role == next(r for r, a in row.post.items() if not refused(a))
]


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "role", "answer"), CSRF_ROWS)
def test_post_without_csrf_token_is_refused(world, row, role, answer):
    """With CSRF checks on, a POST without the token is a 403 that writes nothing; the same POST with
    the token from the CSRF cookie gets the matrix's answer (so the 403 was the token's doing).
    The RFC 8058 one-click unsubscribe is the one exemption: mail clients post without a token."""
    client = client_for(world, role, enforce_csrf_checks=True)
    url = row.url(world)
    data = row.data(world) if row.data else {}
    before = db_state()
    response = client.post(url, data)
    if not row.csrf:
        assert_answer(response, answer)
        return
    assert response.status_code == 403
    assert db_state() == before
    client.get(reverse("curriculum:overview"))  # any page with a form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert_answer(client.post(url, data, headers={"X-CSRFToken": token}), answer)


def test_state_changing_endpoints_answer_get_with_405():
    """Project endpoints that only change state (POST-only views) refuse GET with 405 for everyone."""
    post_only = {"topic_status", "topic_note", "paper_reading", "quiz_start", "attempt_submit"}
    rows = {row.test_id: row for row in MATRIX if row.test_id in post_only}
    assert set(rows) == post_only
    for row in rows.values():
        assert set(row.get.values()) == {405}, row.test_id
        assert set(row.get) >= set(BASE_ROLES), row.test_id


# --- Completeness guard ----------------------------------------------------------------------------

#: URL prefixes whose views are not the project's own (their key pages are in the matrix by hand).
EXTERNAL_PREFIXES = ("admin/", "accounts/", "i18n/")


def project_url_names() -> set[str]:
    """Every URL pattern of the project apps, as ``namespace:name`` (``<unnamed: path>`` when unnamed)."""
    names = set()

    def walk(patterns, prefix: str, namespace: str | None):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if not prefix and str(pattern.pattern) in EXTERNAL_PREFIXES:
                    continue
                inner = pattern.namespace
                walk(pattern.url_patterns, route, f"{namespace}:{inner}" if namespace and inner else inner or namespace)
            elif isinstance(pattern, URLPattern):
                if pattern.name is None:
                    names.add(f"<unnamed: {route}>")
                else:
                    names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "", None)
    return names


def test_every_project_url_has_a_row_in_the_matrix():
    """A new view without a permission decision fails here: add a Row for it to MATRIX."""
    missing = project_url_names() - {row.name for row in MATRIX}
    assert not missing, f"URLs without a row in the permission matrix: {sorted(missing)}"


def test_the_guard_sees_the_project_urls():
    """The walk finds the project's URLs and leaves out admin, allauth and i18n."""
    names = project_url_names()
    assert {"core:home", "cohorts:cohort_detail", "quizzes:attempt_submit", "reminders:preview_html"} <= names
    assert not {n for n in names if n.startswith("admin:") or n.startswith("account_") or n == "set_language"}


def test_cell_ids_are_unique():
    ids = [cell.id for cell in CELLS]
    assert len(ids) == len(set(ids))
