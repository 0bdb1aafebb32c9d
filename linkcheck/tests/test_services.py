"""Services: runs against a real loopback server, flapping, overlapping runs, reports, digests, redirects."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.utils import timezone
from werkzeug import Response

from linkcheck import services
from linkcheck.checker import CheckResult, LinkClass
from linkcheck.models import Link, LinkCheck, LinkCheckRun, LinkReport, LinkStatus
from linkcheck.tests.factories import (
    LinkFactory,
    LocalReferenceFactory,
    PaperFactory,
    ResourceFactory,
    RunFactory,
    SectionFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


class Switch:
    """A handler whose answer the test changes between runs; counts requests."""

    def __init__(self, status=200, body="ok", headers=None):
        self.status, self.body, self.headers, self.hits = status, body, headers or {}, 0

    def __call__(self, request):
        self.hits += 1
        return Response(self.body, status=self.status, headers=self.headers)


def serve(server, path, **kwargs):
    handler = Switch(**kwargs)
    server.expect_request(path).respond_with_handler(handler)
    return handler, server.url_for(path)


def link_of(url):
    return Link.objects.get(url=url)


def test_consecutive_failures_before_a_link_shows_as_broken(server):
    handler, url = serve(server, "/flaky", status=404)
    ResourceFactory(url=url)

    services.link_check_run()
    link = link_of(url)
    assert (link.status, link.consecutive_failures, link.broken_since) == (LinkStatus.BROKEN, 1, None)
    assert link.is_failing and not link.is_broken

    run2 = services.link_check_run()
    link = link_of(url)
    assert (link.status, link.consecutive_failures) == (LinkStatus.BROKEN, 2)
    assert link.broken_since == link.last_checked_at
    assert run2.newly_broken == 1
    assert LinkCheck.objects.filter(run=run2, became_broken=True).count() == 1

    services.link_check_run()  # still failing: not "newly" broken again
    assert LinkCheck.objects.filter(link=link, became_broken=True).count() == 1

    handler.status = 200
    services.link_check_run()
    link = link_of(url)
    assert (link.status, link.consecutive_failures, link.broken_since) == (LinkStatus.OK, 0, None)
    assert link.last_ok_at == link.last_checked_at
    assert LinkCheck.objects.filter(link=link).count() == 4


def test_blocked_is_not_a_failure_and_clears_broken(server, settings):
    settings.LINKCHECK_FAILURES_BEFORE_BROKEN = 1
    handler, url = serve(server, "/robots", status=410)
    ResourceFactory(url=url)
    services.link_check_run()
    assert link_of(url).is_broken
    handler.status = 403
    services.link_check_run()
    link = link_of(url)
    assert (link.status, link.consecutive_failures, link.broken_since) == (LinkStatus.BLOCKED, 0, None)


def test_result_fields_are_stored(server):
    server.expect_request("/moved").respond_with_data("", status=301, headers={"Location": "/here"})
    server.expect_request("/here").respond_with_data("ok")
    url = server.url_for("/moved")
    PaperFactory(url=url)
    run = services.link_check_run()
    link = link_of(url)
    check = link.checks.get()
    assert (link.status, link.http_status, link.final_url, link.new_url) == (
        LinkStatus.REDIRECTED,
        200,
        server.url_for("/here"),
        server.url_for("/here"),
    )
    assert (check.status, check.http_status, check.final_url, check.run_id) == (
        LinkStatus.REDIRECTED,
        200,
        server.url_for("/here"),
        run.pk,
    )
    assert check.elapsed_ms == link.elapsed_ms
    assert check.error == f"moved permanently to {server.url_for('/here')}"
    assert (run.status, run.total, run.checked, run.counts, run.lock) == (
        LinkCheckRun.Status.DONE,
        1,
        1,
        {"redirected": 1},
        None,
    )


def test_section_scope_checks_only_that_section(server):
    _, inside = serve(server, "/in")
    handler_out, outside = serve(server, "/out")
    parent = SectionFactory(slug="part")
    child = SectionFactory(slug="topic", parent=parent)
    ResourceFactory(url=inside, section=child)
    ResourceFactory(url=outside)
    run = services.link_check_run(scope="section", section_slug="part")
    assert run.total == 1
    assert link_of(inside).status == LinkStatus.OK
    assert link_of(outside).status == LinkStatus.UNCHECKED
    assert handler_out.hits == 0
    with pytest.raises(services.LinkNotListed):
        services.link_check_run(scope="section", section_slug="no-such-section")


def test_only_failing_rechecks_failing_links(server):
    ok_handler, ok_url = serve(server, "/fine")
    bad_handler, bad_url = serve(server, "/bad", status=404)
    ResourceFactory(url=ok_url)
    ResourceFactory(url=bad_url)
    services.link_check_run()
    assert (ok_handler.hits, bad_handler.hits) == (1, 2)  # HEAD, then GET confirms the 404
    run = services.link_check_run(only_failing=True)
    assert run.total == 1
    assert (ok_handler.hits, bad_handler.hits) == (1, 4)


def test_second_overlapping_full_run_does_nothing(server):
    handler, url = serve(server, "/x")
    ResourceFactory(url=url)
    holder = RunFactory(lock="all", task_id="task-1")
    run = services.link_check_run(task_id="task-2")
    assert run.status == LinkCheckRun.Status.SKIPPED
    assert run.note == f"run #{holder.pk} was still running"
    assert handler.hits == 0
    assert LinkCheck.objects.count() == 0
    holder.refresh_from_db()
    assert (holder.status, holder.lock) == (LinkCheckRun.Status.RUNNING, "all")


def test_stale_run_is_taken_over(server):
    handler, url = serve(server, "/x")
    ResourceFactory(url=url)
    stale = RunFactory(lock="all", heartbeat_at=timezone.now() - timedelta(hours=1))
    run = services.link_check_run()
    stale.refresh_from_db()
    assert (stale.status, stale.lock) == (LinkCheckRun.Status.ABANDONED, None)
    assert (run.status, run.note, run.checked) == (LinkCheckRun.Status.DONE, f"resumed run #{stale.pk}", 1)
    assert handler.hits == 1


def test_redelivered_task_resumes_without_rechecking_done_links(server):
    """acks_late: the worker died mid-run and the broker redelivered the same task."""
    done_handler, done_url = serve(server, "/done")
    todo_handler, todo_url = serve(server, "/todo")
    ResourceFactory(url=done_url)
    ResourceFactory(url=todo_url)
    services.link_targets_sync()
    dead = RunFactory(lock="all", task_id="same-task")
    done_link, todo_link = link_of(done_url), link_of(todo_url)
    LinkCheck.objects.create(link=done_link, run=dead, checked_at=timezone.now(), status=LinkStatus.OK)
    Link.objects.filter(pk=todo_link.pk).update(claimed_by=dead, claimed_at=timezone.now())

    run = services.link_check_run(task_id="same-task")
    assert (run.status, run.total) == (LinkCheckRun.Status.DONE, 1)
    assert (done_handler.hits, todo_handler.hits) == (0, 1)
    assert link_of(todo_url).status == LinkStatus.OK
    assert Link.objects.filter(claimed_by__isnull=False).count() == 0


def test_link_claimed_by_a_live_run_is_not_checked_twice(server):
    handler, url = serve(server, "/busy")
    ResourceFactory(url=url)
    services.link_targets_sync()
    other = RunFactory(scope="links")
    Link.objects.filter(url=url).update(claimed_by=other, claimed_at=timezone.now())
    run = services.link_check_run(scope="links", link_ids=[link_of(url).pk])
    assert (run.status, run.total) == (LinkCheckRun.Status.DONE, 0)
    assert handler.hits == 0
    assert link_of(url).claimed_by_id == other.pk


def test_older_result_does_not_overwrite_a_fresher_one():
    link = LinkFactory(last_checked_at=timezone.now(), status=LinkStatus.OK)
    stale = CheckResult(url=link.url, link_class=LinkClass.BROKEN, started_at=timezone.now() - timedelta(minutes=5))
    assert services.link_check_record(run=None, link_id=link.pk, result=stale) is None
    link.refresh_from_db()
    assert (link.status, link.checks.count()) == (LinkStatus.OK, 0)


def test_failed_run_releases_lock_and_claims(server, monkeypatch):
    _, url = serve(server, "/x")
    ResourceFactory(url=url)

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "iter_check_results", explode)
    with pytest.raises(RuntimeError):
        services.link_check_run()
    run = LinkCheckRun.objects.get()
    assert (run.status, run.lock) == (LinkCheckRun.Status.FAILED, None)
    assert Link.objects.filter(claimed_by__isnull=False).count() == 0


def test_local_references_are_checked_against_uploaded_files():
    missing = LocalReferenceFactory(path="figure/poe1.png")
    provided = LocalReferenceFactory(path="LLM.pdf")
    provided.file.save("LLM.pdf", ContentFile(b"%PDF-1.4"), save=True)
    services.link_targets_prepare()
    broken = link_of("figure/poe1.png")
    assert (broken.kind, broken.status, broken.error) == (Link.Kind.LOCAL, LinkStatus.BROKEN, "file not uploaded")
    assert broken.is_broken  # files cannot flap: broken at once
    assert link_of("LLM.pdf").status == LinkStatus.OK
    missing.file.save("poe1.png", ContentFile(b"png"), save=True)
    services.link_targets_prepare()
    assert link_of("figure/poe1.png").status == LinkStatus.OK


def test_sync_follows_the_curriculum():
    kept = ResourceFactory()
    gone = ResourceFactory()
    summary = services.link_targets_sync()
    assert summary == services.SyncSummary(created=2, activated=0, deactivated=0)
    gone.is_archived = True
    gone.save(update_fields=["is_archived"])
    assert services.link_targets_sync() == services.SyncSummary(created=0, activated=0, deactivated=1)
    assert link_of(kept.url).is_active and not link_of(gone.url).is_active
    assert services.link_targets_sync() == services.SyncSummary(created=0, activated=0, deactivated=0)


def test_digest_is_sent_once_per_run_listing_every_newly_broken_link(server, settings):
    settings.LINKCHECK_FAILURES_BEFORE_BROKEN = 1
    settings.LINKCHECK_DIGEST_RECIPIENTS = ["lab@coin.local"]
    StaffFactory(email="admin@coin.local")
    UserFactory(email="student@coin.local")
    _, a = serve(server, "/a", status=404)
    _, b = serve(server, "/b", status=410)
    _, c = serve(server, "/c")
    ResourceFactory(url=a, title="CNN 原理讲解")
    PaperFactory(url=b, title="Attention Is All You Need")
    ResourceFactory(url=c)
    run = services.link_check_run()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["admin@coin.local", "lab@coin.local"]
    assert a in message.body and b in message.body and c not in message.body
    assert "CNN 原理讲解" in message.body and "Attention Is All You Need" in message.body
    run.refresh_from_db()
    assert run.digest_sent_at is not None
    assert services.link_digest_send(run=run) is False  # never twice for one run
    services.link_check_run()  # still broken: nothing new, no mail
    assert len(mail.outbox) == 1


def test_report_feeds_the_queue_and_rechecks_now(server, django_capture_on_commit_callbacks):
    handler, url = serve(server, "/reported", status=404)
    ResourceFactory(url=url)
    student = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        report, created = services.link_report_submit(user=student, url=url, comment="打不开")
    assert created and report.comment == "打不开" and report.status == LinkReport.Status.OPEN
    link = link_of(url)
    assert (link.status, handler.hits) == (LinkStatus.BROKEN, 2)
    run = LinkCheckRun.objects.get()
    assert (run.scope, run.triggered_by) == (LinkCheckRun.Scope.LINKS, student)

    # A second click: same open report, new comment, and no new check (checked moments ago).
    with django_capture_on_commit_callbacks(execute=True):
        again, created = services.link_report_submit(user=student, url=url, comment="still 404")
    assert (again.pk, created, again.comment) == (report.pk, False, "still 404")
    assert handler.hits == 2
    assert LinkReport.objects.count() == 1


def test_report_of_an_unlisted_url_is_refused():
    with pytest.raises(services.LinkNotListed):
        services.link_report_submit(user=UserFactory(), url="https://evil.example.org/")
    assert Link.objects.count() == 0


def test_accepting_a_redirect_updates_resources_and_papers():
    old, new = "https://github.com/old-org/repo", "https://github.com/new-org/repo"
    resource = ResourceFactory(url=old)
    paper = PaperFactory(url=old)
    admin = StaffFactory()
    link = LinkFactory(url=old, status=LinkStatus.REDIRECTED, new_url=new)
    LinkReport.objects.create(link=link, user=UserFactory(), comment="moved?")
    assert services.link_redirect_accept(link=link, user=admin) == 2
    resource.refresh_from_db()
    paper.refresh_from_db()
    link.refresh_from_db()
    assert (resource.url, paper.url) == (new, new)
    assert (link.url, link.new_url, link.status) == (new, "", LinkStatus.OK)
    assert link.reports.get().status == LinkReport.Status.RESOLVED
    with pytest.raises(ValueError, match="no permanent redirect"):
        services.link_redirect_accept(link=link)


def test_accepting_a_redirect_refuses_a_duplicate_url():
    old, new = "https://a.example.org/1", "https://a.example.org/2"
    ResourceFactory(url=old)
    ResourceFactory(url=new)
    link = LinkFactory(url=old, status=LinkStatus.REDIRECTED, new_url=new)
    with pytest.raises(services.RedirectConflict):
        services.link_redirect_accept(link=link)


def test_history_is_pruned_after_the_configured_days(settings):
    settings.LINKCHECK_HISTORY_DAYS = 30
    link = LinkFactory()
    old = LinkCheck.objects.create(link=link, checked_at=timezone.now() - timedelta(days=31), status=LinkStatus.OK)
    recent = LinkCheck.objects.create(link=link, checked_at=timezone.now() - timedelta(days=29), status=LinkStatus.OK)
    assert services.link_history_prune() == 1
    assert list(LinkCheck.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not LinkCheck.objects.filter(pk=old.pk).exists()


def test_user_agent_setting_and_rules_file(settings, tmp_path):
    settings.LINKCHECK_USER_AGENT = "TestAgent/2"
    rules = tmp_path / "rules.json"
    rules.write_text(
        '[{"name": "csdn-gone", "result": "soft_404", "hosts": ["csdn.net"], "body_contains": ["已删除"]}]'
    )
    settings.LINKCHECK_RULES_FILE = str(rules)
    config = services.checker_config()
    assert config.user_agent == "TestAgent/2"
    assert config.rules[-1].name == "csdn-gone" and config.rules[-1].hosts == ("csdn.net",)
    rules.write_text("{not json")
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="LINKCHECK_RULES_FILE"):
        services.checker_config()


@pytest.mark.django_db(transaction=True)
def test_two_full_runs_started_at_once_check_each_link_once(server):
    """Two workers start the nightly run at the same time: one checks, the other skips."""
    import threading
    import time as _time

    from django.db import connection

    hits = []

    def slow(request):
        hits.append(request.method)
        _time.sleep(0.6)
        return Response("ok")

    server.expect_request("/slow-page").respond_with_handler(slow)
    ResourceFactory(url=server.url_for("/slow-page"))
    runs, errors = [], []

    def start(task_id):
        try:
            runs.append(services.link_check_run(task_id=task_id))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=start, args=("task-a",))
    second = threading.Thread(target=start, args=("task-b",))
    first.start()
    _time.sleep(0.3)
    second.start()
    first.join(20)
    second.join(20)
    assert errors == []
    assert sorted(run.status for run in runs) == [LinkCheckRun.Status.DONE, LinkCheckRun.Status.SKIPPED]
    assert LinkCheck.objects.count() == 1
    assert hits == ["HEAD"]
    assert LinkCheckRun.objects.filter(lock__isnull=False).count() == 0


def test_run_while_the_portal_is_offline_records_nothing():
    """When the most used host names do not resolve at all, the portal's own network is down: no link is
    marked as failing (``.invalid`` names never resolve, RFC 6761)."""
    for host in ("arxiv.invalid", "github.invalid", "zhihu.invalid"):
        ResourceFactory(url=f"https://{host}/page")
    run = services.link_check_run()
    assert run.status == LinkCheckRun.Status.FAILED
    assert run.note == (
        "network unavailable: no address for arxiv.invalid, github.invalid, zhihu.invalid; nothing was recorded"
    )
    assert LinkCheck.objects.count() == 0
    assert set(Link.objects.values_list("status", flat=True)) == {LinkStatus.UNCHECKED}
    assert Link.objects.filter(claimed_by__isnull=False).count() == 0
    assert LinkCheckRun.objects.filter(lock__isnull=False).count() == 0


def test_one_resolvable_host_is_enough_to_run(fake_dns, server):
    fake_dns({"github.invalid": "127.0.0.1"})
    for host in ("arxiv.invalid", "github.invalid", "zhihu.invalid"):
        ResourceFactory(url=f"http://{host}:{server.port}/page")
    server.expect_request("/page").respond_with_data("ok")
    run = services.link_check_run()
    assert (run.status, run.checked) == (LinkCheckRun.Status.DONE, 3)
    assert Link.objects.get(url=f"http://github.invalid:{server.port}/page").status == LinkStatus.OK
    assert Link.objects.get(url=f"http://arxiv.invalid:{server.port}/page").status == LinkStatus.BROKEN
