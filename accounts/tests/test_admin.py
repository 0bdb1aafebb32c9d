"""Admin pages for users and invitations, the bulk "invite these emails" form and the resend action."""

import pytest
from django.urls import reverse

from accounts.models import Invitation
from accounts.tests.factories import AdminFactory, InvitationFactory, MentorFactory, StudentFactory, UserFactory

pytestmark = pytest.mark.django_db

BULK_URL = "/admin/accounts/invitation/bulk/"


@pytest.fixture
def admin_client(client):
    client.force_login(AdminFactory(email="boss@example.org"))
    return client


def test_admin_pages_answer_200_for_a_superuser(admin_client):
    student = StudentFactory()
    invitation = InvitationFactory()
    urls = [
        "/admin/",
        "/admin/accounts/user/",
        "/admin/accounts/user/add/",
        f"/admin/accounts/user/{student.pk}/change/",
        f"/admin/accounts/user/{student.pk}/password/",
        "/admin/accounts/user/?role=mentor",
        "/admin/accounts/user/?role=none",
        "/admin/accounts/user/?q=example",
        "/admin/accounts/user/?is_active__exact=1&is_staff__exact=0",
        "/admin/accounts/invitation/",
        "/admin/accounts/invitation/add/",
        f"/admin/accounts/invitation/{invitation.pk}/change/",
        BULK_URL,
    ]
    for url in urls:
        assert admin_client.get(url).status_code == 200, url


def test_user_changelist_shows_roles_and_filters_by_role(admin_client, django_assert_max_num_queries):
    StudentFactory(email="stu@example.org")
    MentorFactory(email="men@example.org")
    response = admin_client.get("/admin/accounts/user/")
    rows = {user.email: user for user in response.context["cl"].result_list}
    assert set(rows) == {"boss@example.org", "stu@example.org", "men@example.org"}
    content = response.content.decode()
    assert '<td class="field-role_display">Mentor</td>' in content
    assert '<td class="field-role_display">Student</td>' in content
    assert '<td class="field-role_display">Admin</td>' in content
    mentors = admin_client.get("/admin/accounts/user/?role=mentor")
    assert [user.email for user in mentors.context["cl"].result_list] == ["men@example.org"]
    for _n in range(10):
        StudentFactory()
    with django_assert_max_num_queries(12):  # no query per row for the role column
        admin_client.get("/admin/accounts/user/")


def test_admin_can_add_a_user_by_email(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {"email": "Added@Example.org", "usable_password": "true", "password1": "pw-long-enough-123",
         "password2": "pw-long-enough-123"},
    )  # fmt: skip
    assert response.status_code == 302
    from accounts.models import User

    assert User.objects.get(email="added@example.org").check_password("pw-long-enough-123")


def test_admin_pages_refuse_non_staff(client):
    client.force_login(MentorFactory())
    for url in ["/admin/accounts/user/", BULK_URL]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_changelist_links_to_the_bulk_form(admin_client):
    content = admin_client.get("/admin/accounts/invitation/").content.decode()
    assert f'<a href="{BULK_URL}" class="addlink">Invite by email</a>' in content
    assert reverse("admin:accounts_invitation_bulk") == BULK_URL


def test_bulk_invite_creates_invitations_and_sends_one_mail_each(admin_client, mailoutbox):
    UserFactory(email="member@example.org")
    response = admin_client.post(
        BULK_URL,
        {"emails": "alice@example.org, Bob@Example.org\n<carol@example.org>;alice@example.org member@example.org",
         "role": "mentor", "send": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == "/admin/accounts/invitation/"
    invitations = Invitation.objects.order_by("email")
    assert [(i.email, i.role, i.invited_by.email, i.sent_at is not None) for i in invitations] == [
        ("alice@example.org", "mentor", "boss@example.org", True),
        ("bob@example.org", "mentor", "boss@example.org", True),
        ("carol@example.org", "mentor", "boss@example.org", True),
    ]
    assert sorted(m.to[0] for m in mailoutbox) == ["alice@example.org", "bob@example.org", "carol@example.org"]
    assert all(len(m.to) == 1 for m in mailoutbox)
    assert all("http://testserver/me/invitation/" in m.body for m in mailoutbox)
    messages = [str(m) for m in admin_client.get("/admin/accounts/invitation/").context["messages"]]
    assert messages == [
        "3 new, 0 already invited, 1 skipped; emails sent: 3.",
        "Skipped (an account exists or the invitation was accepted): member@example.org",
    ]


def test_bulk_invite_without_sending(admin_client, mailoutbox):
    admin_client.post(BULK_URL, {"emails": "quiet@example.org", "role": "student"})
    assert Invitation.objects.get().sent_at is None
    assert mailoutbox == []


def test_bulk_invite_with_an_invalid_address_shows_the_error_and_creates_nothing(admin_client, mailoutbox):
    response = admin_client.post(BULK_URL, {"emails": "ok@example.org\nnot-an-email", "role": "student", "send": "on"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"emails": ["This is not a valid email address: not-an-email"]}
    assert Invitation.objects.count() == 0
    assert mailoutbox == []


def test_bulk_invite_refuses_admin_role(admin_client):
    response = admin_client.post(BULK_URL, {"emails": "x@example.org", "role": "admin"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["role"]


def test_resend_action_mails_pending_invitations_only(admin_client, mailoutbox):
    import datetime

    pending = InvitationFactory(email="pending@example.org")
    accepted = InvitationFactory(
        email="accepted@example.org", accepted_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    response = admin_client.post(
        "/admin/accounts/invitation/",
        {"action": "resend", "_selected_action": [pending.pk, accepted.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert [m.to for m in mailoutbox] == [["pending@example.org"]]
    messages = [str(m) for m in response.context["messages"]]
    assert messages == [
        "1 invitation email sent.",
        "1 invitation was already accepted and was skipped.",
    ]


def test_adding_an_invitation_in_admin_sends_it_after_commit(
    admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(
            "/admin/accounts/invitation/add/", {"email": "single@example.org", "role": "student"}
        )
    assert response.status_code == 302
    assert len(callbacks) == 1
    assert [m.to for m in mailoutbox] == [["single@example.org"]]
    invitation = Invitation.objects.get()
    assert invitation.sent_at is not None
    assert invitation.status == "pending"
    page = admin_client.get(response["Location"])
    messages = [str(m) for m in page.context["messages"]]
    assert "The invitation email to single@example.org is being sent." in messages


def test_editing_an_invitation_in_admin_sends_nothing(admin_client, mailoutbox, django_capture_on_commit_callbacks):
    invitation = InvitationFactory(email="edit@example.org")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        admin_client.post(
            f"/admin/accounts/invitation/{invitation.pk}/change/", {"email": "edit@example.org", "role": "mentor"}
        )
    assert callbacks == []
    assert mailoutbox == []
    invitation.refresh_from_db()
    assert invitation.role == "mentor"


def test_adding_an_invitation_in_admin_records_the_inviter(admin_client):
    admin_client.post("/admin/accounts/invitation/add/", {"email": "single@example.org", "role": "student"})
    assert Invitation.objects.get().invited_by.email == "boss@example.org"


def test_admin_refuses_an_address_differing_only_in_case(admin_client):
    UserFactory(email="taken@example.org")
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {"email": "Taken@Example.org", "usable_password": "true", "password1": "pw-long-enough-123",
         "password2": "pw-long-enough-123"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"email": ["User with this Email address already exists."]}


def test_bulk_invite_reports_a_refusing_mail_server_instead_of_failing(admin_client, settings, mailoutbox):
    settings.EMAIL_BACKEND = "accounts.tests.test_tasks.RefusingBackend"
    response = admin_client.post(
        BULK_URL, {"emails": "ok@example.org refused@example.org", "role": "student", "send": "on"}, follow=True
    )
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert messages == [
        "Sending failed (550 mailbox unavailable). Invitations without a “sent at” time were not mailed; "
        "use “resend” later.",
        "2 new, 0 already invited, 0 skipped; emails sent: 1.",
    ]
    assert sorted(Invitation.objects.values_list("email", flat=True)) == ["ok@example.org", "refused@example.org"]
    assert Invitation.objects.get(email="refused@example.org").sent_at is None
