"""Quiz pages: taking and submitting over HTTP, answers never leaked, bad input, permissions."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from freezegun import freeze_time

from accounts.tests.factories import MentorFactory, StudentFactory
from cohorts.models import Cohort, Enrollment
from curriculum.tests.factories import ResourceFactory, SectionFactory
from quizzes.models import Attempt, Question
from quizzes.services import quiz_attempt_start, quiz_attempt_submit
from quizzes.tests.conftest import login
from quizzes.tests.factories import QuestionFactory, QuizFactory, form_data, quiz_with_all_kinds

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    """Pages in English (the language switcher's cookie wins over the user's preference)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def submit_url(attempt):
    return reverse("quizzes:attempt_submit", args=[attempt.pk])


def assert_nothing_recorded(attempt):
    attempt.refresh_from_db()
    assert (attempt.submitted_at, attempt.score_percent, attempt.passed) == (None, None, False)
    assert set(attempt.answers.values_list("response", flat=True)) == {None}
    assert set(attempt.answers.values_list("is_correct", flat=True)) == {None}


# --- Lists and the start page ---


def test_pages_need_login(client, quiz):
    for url in [reverse("quizzes:quiz_list"), quiz.get_absolute_url(), reverse("quizzes:attempt_list")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_quiz_list_groups_published_quizzes_by_section(student_client, quiz):
    QuizFactory(title="Hidden draft", is_published=False, section=quiz.section)
    response = student_client.get(reverse("quizzes:quiz_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert quiz.title in html and quiz.section.title in html
    assert "Hidden draft" not in html
    assert "4 questions" in html


def test_quiz_detail(student_client, quiz):
    response = student_client.get(quiz.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("quizzes:quiz_start", args=[quiz.pk]) in html
    assert "Start the quiz" in html


def test_unpublished_quiz_is_invisible_to_students(student_client):
    quiz = quiz_with_all_kinds(is_published=False)
    assert student_client.get(quiz.get_absolute_url()).status_code == 404
    assert student_client.post(reverse("quizzes:quiz_start", args=[quiz.pk])).status_code == 404
    assert Attempt.objects.count() == 0


def test_quiz_in_archived_section_is_invisible_to_students(student_client):
    quiz = quiz_with_all_kinds(section=SectionFactory(is_archived=True))
    assert student_client.get(quiz.get_absolute_url()).status_code == 404


def test_start_needs_post(student_client, quiz):
    assert student_client.get(reverse("quizzes:quiz_start", args=[quiz.pk])).status_code == 405
    assert Attempt.objects.count() == 0


def test_start_creates_an_attempt_and_redirects_to_it(student_client, student, quiz):
    response = student_client.post(reverse("quizzes:quiz_start", args=[quiz.pk]))
    attempt = Attempt.objects.get(user=student, quiz=quiz)
    assert response.status_code == 302
    assert response.url == attempt.get_absolute_url()


def test_start_twice_resumes_and_says_so(student_client, student, quiz):
    student_client.post(reverse("quizzes:quiz_start", args=[quiz.pk]))
    response = student_client.post(reverse("quizzes:quiz_start", args=[quiz.pk]), follow=True)
    assert Attempt.objects.filter(user=student).count() == 1
    assert messages_of(response) == ["You already have an attempt in progress: here it is."]


def test_starting_beyond_max_attempts_is_forbidden(student_client, student):
    quiz = quiz_with_all_kinds(max_attempts=1)
    attempt, _ = quiz_attempt_start(quiz=quiz, user=student)
    quiz_attempt_submit(attempt_id=attempt.pk, user=student, data=form_data(attempt))
    response = student_client.post(reverse("quizzes:quiz_start", args=[quiz.pk]))
    assert response.status_code == 403
    assert "This quiz allows 1 attempt, and you have used it." in response.content.decode()
    assert Attempt.objects.filter(user=student).count() == 1
    detail = student_client.get(quiz.get_absolute_url()).content.decode()
    assert "You have used every attempt this quiz allows." in detail


# --- Taking: the page never contains the answers ---


def test_take_page_does_not_leak_answers(student_client, student):
    quiz = QuizFactory()
    QuestionFactory(
        quiz=quiz,
        kind=Question.Kind.SINGLE,
        text="Which one?",
        explanation="EXPLANATION-SINGLE",
        choices=[("RIGHT-CHOICE", True), ("WRONG-CHOICE", False)],
    )
    QuestionFactory(
        quiz=quiz,
        kind=Question.Kind.MULTIPLE,
        explanation="EXPLANATION-MULTIPLE",
        choices=[("M1", True), ("M2", True), ("M3", False)],
    )
    QuestionFactory(quiz=quiz, kind=Question.Kind.TRUE_FALSE, correct_bool=False, explanation="EXPLANATION-TF")
    QuestionFactory(
        quiz=quiz,
        kind=Question.Kind.SHORT_ANSWER,
        accepted_answers=["ACCEPTED-ANSWER-ONE", "ACCEPTED-ANSWER-TWO"],
        explanation="EXPLANATION-SHORT",
    )
    student_client.post(reverse("quizzes:quiz_start", args=[quiz.pk]))
    attempt = Attempt.objects.get(user=student)
    response = student_client.get(attempt.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "RIGHT-CHOICE" in html and "WRONG-CHOICE" in html  # choices are shown…
    assert "EXPLANATION" not in html  # …explanations are not
    assert "ACCEPTED-ANSWER" not in html
    assert "correct" not in html.lower()  # no is_correct / data-correct / class="correct"
    assert "checked" not in html
    # Every choice input carries only its id; both choice questions look alike whatever is right.
    values = re.findall(r'<input type="(radio|checkbox)" name="a-\d+" value="([^"]+)"', html)
    assert sorted(v for _t, v in values if not v.isdigit()) == ["false", "true"]


def test_take_page_shows_the_stored_shuffled_order_every_time(student_client, student, quiz):
    student_client.post(reverse("quizzes:quiz_start", args=[quiz.pk]))
    attempt = Attempt.objects.get(user=student)
    first = student_client.get(attempt.get_absolute_url()).content.decode()
    second = student_client.get(attempt.get_absolute_url()).content.decode()
    expected = [a.field_name for a in attempt.answers.order_by("position")]
    assert list(dict.fromkeys(re.findall(r'name="(a-\d+)"', first))) == expected
    inputs = re.compile(r'name="(a-\d+)" value="([^"]*)"')
    assert inputs.findall(first) == inputs.findall(second)


def test_take_page_shows_the_server_deadline(student_client, student):
    quiz = quiz_with_all_kinds(time_limit_minutes=10)
    start = dt.datetime(2026, 9, 7, 1, 0, tzinfo=dt.UTC)
    with freeze_time(start):
        student_client.post(reverse("quizzes:quiz_start", args=[quiz.pk]))
    attempt = Attempt.objects.get(user=student)
    with freeze_time(start + dt.timedelta(minutes=3, seconds=15)):
        html = student_client.get(attempt.get_absolute_url()).content.decode()
    assert 'data-remaining="405"' in html
    assert ">06:45</strong>" in html
    assert "quizzes/countdown.js" in html
    assert "<script>" not in html  # no inline script (CSP)


# --- Submitting ---


def test_submit_scores_and_shows_the_review(student_client, student, quiz):
    attempt, _ = quiz_attempt_start(quiz=quiz, user=student)
    data = form_data(attempt)
    tf = attempt.answers.get(kind="true_false")
    data[tf.field_name] = ["false"]
    response = student_client.post(submit_url(attempt), data)
    assert response.status_code == 302 and response.url == attempt.get_absolute_url()
    attempt.refresh_from_db()
    assert (attempt.score_percent, attempt.passed) == (Decimal("75.00"), True)
    page = student_client.get(attempt.get_absolute_url())
    html = page.content.decode()
    assert messages_of(page) == ["Your answers were submitted."]
    assert ">75%</span>" in html
    assert "3 of 4 points" in html
    for question in quiz.questions.all():
        assert question.explanation_html in html
    assert "GPT-3" in html  # accepted answer revealed after submission


def test_double_submission_changes_nothing_and_says_so(student_client, student, quiz):
    attempt, _ = quiz_attempt_start(quiz=quiz, user=student)
    first = student_client.post(submit_url(attempt), form_data(attempt, right=False), follow=True)
    assert messages_of(first) == ["Your answers were submitted."]
    response = student_client.post(submit_url(attempt), form_data(attempt), follow=True)
    attempt.refresh_from_db()
    assert attempt.score_percent == Decimal("0.00")
    assert messages_of(response) == ["This attempt was already submitted; nothing was changed."]


def test_submit_after_the_grace_period_closes_the_attempt(student_client, student):
    quiz = quiz_with_all_kinds(time_limit_minutes=5)
    start = dt.datetime(2026, 9, 7, 1, 0, tzinfo=dt.UTC)
    attempt, _ = quiz_attempt_start(quiz=quiz, user=student, now=start)
    with freeze_time(start + dt.timedelta(minutes=5, seconds=31)):
        response = student_client.post(submit_url(attempt), form_data(attempt), follow=True)
    attempt.refresh_from_db()
    assert (attempt.timed_out, attempt.score_percent) == (True, Decimal("0.00"))
    assert messages_of(response) == [
        "Your answers arrived after the time limit: the attempt was closed and no answers were counted."
    ]
    assert "no answers were counted for this attempt" in response.content.decode()


def test_opening_an_expired_attempt_closes_it(student_client, student):
    quiz = quiz_with_all_kinds(time_limit_minutes=5)
    start = dt.datetime(2026, 9, 7, 1, 0, tzinfo=dt.UTC)
    attempt, _ = quiz_attempt_start(quiz=quiz, user=student, now=start)
    with freeze_time(start + dt.timedelta(hours=2)):
        response = student_client.get(attempt.get_absolute_url(), follow=True)
    attempt.refresh_from_db()
    assert attempt.timed_out is True
    assert messages_of(response) == ["Time ran out: the attempt was closed and no answers were counted."]


# --- Bad input: a clear 4xx and nothing recorded ---


@pytest.mark.parametrize(
    ("case", "expected_text"),
    [
        pytest.param("unknown-question", "The form contains an unknown question (a-999999).", id="unknown-question"),
        pytest.param("unknown-choice", "Unknown choice 999999.", id="unknown-choice"),
        pytest.param("malformed-choice", "“1; DROP TABLE” is not a choice.", id="malformed-choice"),
        pytest.param("two-single-choices", "Pick only one choice.", id="two-values-for-single-choice"),
        pytest.param("bad-true-false", "Answer with true or false.", id="malformed-true-false"),
        pytest.param("missing", "2 questions are unanswered.", id="missing-answers"),
    ],
)
def test_bad_input_is_a_400_and_records_nothing(student_client, student, quiz, case, expected_text):
    attempt, _ = quiz_attempt_start(quiz=quiz, user=student)
    data = form_data(attempt)
    rows = {a.kind: a for a in attempt.answers.all()}
    single, tf = rows["single"].field_name, rows["true_false"].field_name
    if case == "unknown-question":
        data["a-999999"] = ["1"]
    elif case == "unknown-choice":
        data[single] = ["999999"]
    elif case == "malformed-choice":
        data[single] = ["1; DROP TABLE"]
    elif case == "two-single-choices":
        data[single] = [str(c["id"]) for c in rows["single"].choices[:2]]
    elif case == "bad-true-false":
        data[tf] = ["maybe"]
    elif case == "missing":
        data = form_data(attempt, skip=("multiple", "short_answer"))
    response = student_client.post(submit_url(attempt), data)
    assert response.status_code == 400
    assert expected_text in response.content.decode()
    assert_nothing_recorded(attempt)


def test_missing_answers_keep_what_was_typed_and_offer_to_submit_anyway(student_client, student, quiz):
    attempt, _ = quiz_attempt_start(quiz=quiz, user=student)
    data = form_data(attempt, skip=("multiple",))
    short = attempt.answers.get(kind="short_answer")
    data[short.field_name] = ["my draft"]
    response = student_client.post(submit_url(attempt), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'value="my draft"' in html
    assert 'name="allow_blank" value="1"' in html
    assert html.count(" checked") == 2  # the single choice and the true/false radio
    assert_nothing_recorded(attempt)
    response = student_client.post(submit_url(attempt), {**data, "allow_blank": "1"})
    attempt.refresh_from_db()
    assert response.status_code == 302
    assert (attempt.points_awarded, attempt.score_percent) == (2, Decimal("50.00"))


def test_submitting_another_students_attempt_is_a_404_and_records_nothing(client, student, other_student, quiz):
    attempt, _ = quiz_attempt_start(quiz=quiz, user=student)
    login(client, other_student)
    response = client.post(submit_url(attempt), form_data(attempt))
    assert response.status_code == 404
    assert_nothing_recorded(attempt)


def test_submit_to_unknown_attempt_is_a_404(student_client):
    assert student_client.post(reverse("quizzes:attempt_submit", args=[987654])).status_code == 404


# --- Who may see an attempt ---


@pytest.fixture
def submitted_attempt(student, quiz):
    attempt, _ = quiz_attempt_start(quiz=quiz, user=student)
    quiz_attempt_submit(attempt_id=attempt.pk, user=student, data=form_data(attempt))
    return attempt


def make_cohort(mentor, student):
    cohort = Cohort.objects.create(name=f"C{mentor.pk}", start_date=dt.date(2026, 9, 1), end_date=dt.date(2027, 1, 1))
    cohort.mentors.add(mentor)
    Enrollment.objects.create(cohort=cohort, user=student, enrolled_on=dt.date(2026, 9, 1))
    return cohort


def test_another_students_attempt_is_a_404(client, other_student, submitted_attempt):
    login(client, other_student)
    assert client.get(submitted_attempt.get_absolute_url()).status_code == 404


def test_mentor_of_the_cohort_can_view_the_attempt(client, student, submitted_attempt):
    mentor = MentorFactory()
    make_cohort(mentor, student)
    login(client, mentor)
    response = client.get(submitted_attempt.get_absolute_url())
    assert response.status_code == 200
    assert f"Attempt by {student.get_full_name()}" in response.content.decode()
    listing = client.get(reverse("quizzes:attempt_list")).content.decode()
    assert submitted_attempt.get_absolute_url() in listing


def test_mentor_of_another_cohort_cannot_view_the_attempt(client, student, submitted_attempt):
    mentor = MentorFactory()
    make_cohort(mentor, StudentFactory())
    login(client, mentor)
    assert client.get(submitted_attempt.get_absolute_url()).status_code == 404
    assert submitted_attempt.get_absolute_url() not in client.get(reverse("quizzes:attempt_list")).content.decode()


def test_mentor_sees_an_open_attempt_without_its_questions(client, student, quiz):
    attempt, _ = quiz_attempt_start(quiz=quiz, user=student)
    mentor = MentorFactory()
    make_cohort(mentor, student)
    login(client, mentor)
    response = client.get(attempt.get_absolute_url())
    assert response.status_code == 200
    assert "has not submitted it yet" in response.content.decode()
    assert 'name="a-' not in response.content.decode()


def test_admin_can_view_any_attempt(client, admin_user, submitted_attempt):
    login(client, admin_user)
    assert client.get(submitted_attempt.get_absolute_url()).status_code == 200


def test_attempt_list_shows_only_own_attempts_to_a_student(student_client, student, other_student, quiz):
    own, _ = quiz_attempt_start(quiz=quiz, user=student)
    theirs, _ = quiz_attempt_start(quiz=quiz, user=other_student)
    html = student_client.get(reverse("quizzes:attempt_list")).content.decode()
    assert own.get_absolute_url() in html
    assert theirs.get_absolute_url() not in html


@pytest.mark.parametrize("value", ["abc", "999999"])
def test_attempt_list_with_bad_quiz_filter_is_a_404(student_client, value):
    assert student_client.get(reverse("quizzes:attempt_list"), {"quiz": value}).status_code == 404


# --- Section page link ---


def test_section_page_links_its_quiz_right_before_the_resources(client, student, quiz):
    ResourceFactory(section=quiz.section)
    login(client, student)
    response = client.get(quiz.section.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert quiz.get_absolute_url() in html
    assert html.index('id="quizzes"') < html.index('id="resources"')


def test_section_page_without_quiz_has_no_quiz_block(client):
    section = SectionFactory()
    assert 'id="quizzes"' not in client.get(section.get_absolute_url()).content.decode()


def test_pages_speak_chinese_by_default(client, student, quiz, settings):
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    login(client, student)
    with translation.override("zh-hans"):
        attempt, _ = quiz_attempt_start(quiz=quiz, user=student)
        html = client.get(attempt.get_absolute_url()).content.decode()
    assert "提交答案" in html
    assert "多选，选出所有正确项" in html
    assert "第 1 题" in html


def test_auto_submission_at_the_deadline_says_time_was_up(student_client, student):
    quiz = quiz_with_all_kinds(time_limit_minutes=5)
    start = dt.datetime(2026, 9, 7, 1, 0, tzinfo=dt.UTC)
    attempt, _ = quiz_attempt_start(quiz=quiz, user=student, now=start)
    data = {**form_data(attempt, skip=("multiple", "short_answer")), "allow_blank": "1"}
    with freeze_time(start + dt.timedelta(minutes=5, seconds=1)):
        response = student_client.post(submit_url(attempt), data, follow=True)
    attempt.refresh_from_db()
    assert (attempt.timed_out, attempt.score_percent) == (False, Decimal("50.00"))
    assert messages_of(response) == ["Time was up: the answers you had given were submitted."]


def test_mastery_table_partial_renders_each_top_level_section(rf, student):
    from django.template.loader import render_to_string

    from quizzes.selectors import quiz_groups

    part, empty = SectionFactory(title="第一部分"), SectionFactory(title="空的部分")
    quiz = quiz_with_all_kinds(section=part)
    attempt, _ = quiz_attempt_start(quiz=quiz, user=student)
    quiz_attempt_submit(attempt_id=attempt.pk, user=student, data=form_data(attempt))
    request = rf.get("/")
    request.user = student
    html = render_to_string(
        "quizzes/_mastery_table.html", {"groups": quiz_groups(user=student, include_empty=True)}, request=request
    )
    assert html.count("<tr>") == 3  # header + two parts
    assert "第一部分" in html and "空的部分" in html
    assert ">100%</td>" in html
    assert "Mastered" in html and "No quiz yet" in html
    assert quiz.get_absolute_url() in html
    assert empty.get_absolute_url() in html


def test_pages_cost_a_fixed_number_of_queries(student_client, student, django_assert_max_num_queries):
    """Query counts do not grow with the number of quizzes, questions or attempts."""
    for _ in range(4):
        quiz = quiz_with_all_kinds(section=SectionFactory())
        attempt, _ = quiz_attempt_start(quiz=quiz, user=student)
        quiz_attempt_submit(attempt_id=attempt.pk, user=student, data=form_data(attempt))
    open_attempt, _ = quiz_attempt_start(quiz=quiz_with_all_kinds(), user=student)
    with django_assert_max_num_queries(8):
        assert student_client.get(reverse("quizzes:quiz_list")).status_code == 200
    with django_assert_max_num_queries(8):
        assert student_client.get(attempt.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(8):
        assert student_client.get(open_attempt.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(8):
        assert student_client.get(reverse("quizzes:attempt_list")).status_code == 200
