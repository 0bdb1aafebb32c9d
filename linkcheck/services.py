"""Writes of the linkcheck app: runs, results, reports, accepted redirects, digests, pruning.

The one entry point for checking is :func:`link_check_run`; the Celery tasks (:mod:`linkcheck.tasks`)
and the ``check_links`` command call it. Network work happens outside any transaction (in
:func:`linkcheck.checker.iter_check_results`); each result is then written in a short transaction that
re-reads the link row with ``select_for_update`` and drops the result when another run owns the link
or a fresher result is already stored (Zulip's link-preview worker pattern).

Idempotency comes from the database:

* a full run takes the ``lock="all"`` row (unique): a second overlapping full run is recorded as
  ``skipped`` and does nothing; a run whose worker died (no progress for ``LINKCHECK_RUN_STALE_AFTER``
  seconds, or the same Celery task redelivered after ``acks_late``) is taken over and the links it had
  already checked are not checked again;
* every run claims the links it checks (``Link.claimed_by``), so overlapping runs of any scope never
  check one link twice at the same time nor store duplicate results.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from curriculum.models import LocalReference, Paper, Resource
from linkcheck.checker import CheckerConfig, CheckResult, InvalidURL, LinkClass, host_to_ascii, iter_check_results
from linkcheck.models import FAILURE_STATUSES, Link, LinkCheck, LinkCheckRun, LinkReport, LinkStatus
from linkcheck.netguard import is_ip_literal, parse_networks
from linkcheck.rules import rules_load

ProgressCallback = Callable[[int, int, CheckResult], None]


class LinkNotListed(ValueError):
    """The URL is not the URL of an active resource or paper."""


class RedirectConflict(ValueError):
    """Accepting the redirect would give two resources (or two papers) the same URL."""


def checker_config(**overrides) -> CheckerConfig:
    """Build a :class:`CheckerConfig` from the ``LINKCHECK_*`` settings (read now, not at import).

    Keyword arguments override single fields (``check_links`` uses none; tests and tools may).
    Raises ``ImproperlyConfigured`` for an invalid network in ``LINKCHECK_ALLOWED_NETWORKS`` or a bad
    ``LINKCHECK_RULES_FILE``.
    """
    try:
        allowed = parse_networks(settings.LINKCHECK_ALLOWED_NETWORKS)
    except ValueError as exc:
        raise ImproperlyConfigured(f"LINKCHECK_ALLOWED_NETWORKS: {exc}") from exc
    try:
        rules = rules_load(path=settings.LINKCHECK_RULES_FILE or None)
    except ValueError as exc:
        raise ImproperlyConfigured(str(exc)) from exc
    user_agent = settings.LINKCHECK_USER_AGENT or (
        f"Mozilla/5.0 (compatible; COINPortalLinkChecker/1.0; +{settings.SITE_URL})"
    )
    values = {
        "concurrency": settings.LINKCHECK_CONCURRENCY,
        "per_host_concurrency": settings.LINKCHECK_PER_HOST_CONCURRENCY,
        "per_host_delay": settings.LINKCHECK_PER_HOST_DELAY,
        "connect_timeout": settings.LINKCHECK_CONNECT_TIMEOUT,
        "total_timeout": settings.LINKCHECK_TOTAL_TIMEOUT,
        "max_redirects": settings.LINKCHECK_MAX_REDIRECTS,
        "retries": settings.LINKCHECK_RETRIES,
        "backoff": settings.LINKCHECK_BACKOFF,
        "retry_after_max": settings.LINKCHECK_RETRY_AFTER_MAX,
        "max_body_bytes": settings.LINKCHECK_MAX_BODY_BYTES,
        "user_agent": user_agent,
        "accept": settings.LINKCHECK_ACCEPT,
        "accept_language": settings.LINKCHECK_ACCEPT_LANGUAGE,
        "allowed_networks": allowed,
        "rules": rules,
        "verify_tls": settings.LINKCHECK_VERIFY_TLS,
    }
    values.update(overrides)
    if isinstance(values["allowed_networks"], list | tuple) and values["allowed_networks"]:
        values["allowed_networks"] = tuple(
            n if not isinstance(n, str) else ipaddress.ip_network(n, strict=False) for n in values["allowed_networks"]
        )
    return CheckerConfig(**values)


# --- link targets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncSummary:
    """What :func:`link_targets_sync` changed (counts of links)."""

    created: int
    activated: int
    deactivated: int


def _active_web_urls() -> set[str]:
    active = Q(is_archived=False, section__is_archived=False)
    urls = set(Resource.objects.filter(active).values_list("url", flat=True))
    urls.update(Paper.objects.filter(active).values_list("url", flat=True))
    return urls


def _active_local_paths() -> set[str]:
    return set(
        LocalReference.objects.filter(is_archived=False, section__is_archived=False).values_list("path", flat=True)
    )


def link_targets_sync() -> SyncSummary:
    """Make the :class:`Link` rows match the curriculum: one per active resource/paper URL and per local
    reference path. New targets are created unchecked; targets no longer listed are marked not in use
    (kept with their history). Idempotent; 4-6 queries.
    """
    web, local = _active_web_urls(), _active_local_paths()
    wanted = dict.fromkeys(web, Link.Kind.WEB) | dict.fromkeys(local, Link.Kind.LOCAL)
    with transaction.atomic():
        existing = set(Link.objects.filter(url__in=wanted).values_list("url", flat=True))
        missing = [Link(url=url, kind=kind) for url, kind in wanted.items() if url not in existing]
        Link.objects.bulk_create(missing, ignore_conflicts=True)
        activated = Link.objects.filter(url__in=existing, is_active=False).update(
            is_active=True, modified=timezone.now()
        )
        deactivated = (
            Link.objects.filter(is_active=True).exclude(url__in=wanted).update(is_active=False, modified=timezone.now())
        )
    return SyncSummary(created=len(missing), activated=activated, deactivated=deactivated)


def link_targets_prepare() -> SyncSummary:
    """Create the link rows for the curriculum and check its uploaded files, without any network call.

    ``manage.py setup_demo`` calls this, so a fresh portal's health page lists every link (web links
    "not checked yet" until the nightly run or "Check all links now"). Idempotent.
    """
    summary = link_targets_sync()
    local = list(Link.objects.filter(is_active=True, kind=Link.Kind.LOCAL).values_list("pk", flat=True))
    if local:
        link_check_run(scope=LinkCheckRun.Scope.LINKS, link_ids=local, force=True, notify=False)
    return summary


def _local_result(link: Link) -> CheckResult:
    """Check a local reference against the uploaded file instead of the network."""
    result = CheckResult(url=link.url, final_url=link.url, method="FILE")
    ref = LocalReference.objects.filter(path=link.url).first()
    if ref is None or not ref.file:
        result.link_class, result.error = LinkClass.BROKEN, "file not uploaded"
    elif not ref.file.storage.exists(ref.file.name):
        result.link_class, result.error = LinkClass.BROKEN, f"uploaded file {ref.file.name} is missing from storage"
    else:
        result.link_class = LinkClass.OK
    return result


def network_unavailable(urls: list[str], *, sample: int = 3) -> str:
    """Tell whether the portal itself is offline: the host names that most of ``urls`` use (``sample`` of
    them) all fail to resolve. Returns a reason for the run's note, or ``""`` when at least one resolves
    or the URLs use fewer than ``sample`` distinct host names (IP literals need no DNS and are skipped).

    A run made while the portal's own network or DNS is down would otherwise mark every link as failing
    ("crying wolf"); such a run is recorded as failed instead and changes no link.
    """
    counts: dict[str, int] = {}
    for url in urls:
        try:
            host = host_to_ascii(urlsplit(url).hostname or "")
        except (ValueError, InvalidURL):
            continue
        if host and not is_ip_literal(host):
            counts[host] = counts.get(host, 0) + 1
    hosts = sorted(counts, key=lambda h: (-counts[h], h))[:sample]
    if len(hosts) < sample:
        return ""
    for host in hosts:
        try:
            socket.getaddrinfo(host, 443, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            continue
        return ""
    return "network unavailable: no address for " + ", ".join(hosts) + "; nothing was recorded"


# --- runs -----------------------------------------------------------------------------------------


def _stale_cutoff():
    return timezone.now() - timedelta(seconds=settings.LINKCHECK_RUN_STALE_AFTER)


def _skipped_run(*, scope: str, section_slug: str, task_id: str, triggered_by, note: str) -> LinkCheckRun:
    now = timezone.now()
    return LinkCheckRun.objects.create(
        scope=scope, section_slug=section_slug, status=LinkCheckRun.Status.SKIPPED, task_id=task_id,
        started_at=now, heartbeat_at=now, finished_at=now, triggered_by=triggered_by, note=note,
    )  # fmt: skip


def _run_start(*, scope: str, section_slug: str, task_id: str, triggered_by) -> tuple[LinkCheckRun, int | None]:
    """Create the run row; for a full run take the lock. Returns ``(run, abandoned_predecessor_id)``."""
    now = timezone.now()
    fields = {
        "scope": scope, "section_slug": section_slug, "task_id": task_id, "started_at": now,
        "heartbeat_at": now, "triggered_by": triggered_by,
    }  # fmt: skip
    if scope != LinkCheckRun.Scope.ALL:
        return LinkCheckRun.objects.create(**fields), None
    predecessor = None
    with transaction.atomic():
        holder = LinkCheckRun.objects.select_for_update().filter(lock=LinkCheckRun.Scope.ALL).first()
        if holder is not None:
            redelivered = bool(task_id) and holder.task_id == task_id
            if redelivered or holder.heartbeat_at < _stale_cutoff():
                # The worker running it died (acks_late redelivered the same task) or it stopped making
                # progress: close it and resume its work.
                holder.status, holder.lock, holder.finished_at = LinkCheckRun.Status.ABANDONED, None, now
                holder.save(update_fields=["status", "lock", "finished_at"])
                predecessor = holder.pk
            else:
                return _skipped_run(
                    scope=scope, section_slug=section_slug, task_id=task_id, triggered_by=triggered_by,
                    note=f"run #{holder.pk} was still running",
                ), None  # fmt: skip
        try:
            with transaction.atomic():
                run = LinkCheckRun.objects.create(lock=LinkCheckRun.Scope.ALL, **fields)
        except IntegrityError:
            return _skipped_run(
                scope=scope, section_slug=section_slug, task_id=task_id, triggered_by=triggered_by,
                note="another full run took the lock at the same moment",
            ), None  # fmt: skip
    if predecessor is not None:
        run.note = f"resumed run #{predecessor}"
        run.save(update_fields=["note"])
    return run, predecessor


def _claim(run: LinkCheckRun, link_ids: list[int]) -> list[int]:
    """Claim the links no live run is checking; return the ids this run now owns (one UPDATE, one SELECT)."""
    free = (
        Q(claimed_by__isnull=True)
        | Q(claimed_at__lt=_stale_cutoff())
        | ~Q(claimed_by__status=LinkCheckRun.Status.RUNNING)
    )
    claimable = Link.objects.filter(free, pk__in=link_ids).values_list("pk", flat=True)
    Link.objects.filter(pk__in=list(claimable)).update(claimed_by=run, claimed_at=timezone.now())
    return list(Link.objects.filter(pk__in=link_ids, claimed_by=run).values_list("pk", flat=True))


def _release(run: LinkCheckRun) -> None:
    Link.objects.filter(claimed_by=run).update(claimed_by=None, claimed_at=None)


def link_check_record(*, run: LinkCheckRun | None, link_id: int, result: CheckResult) -> LinkCheck | None:
    """Store one result and update the link's health, in one short transaction.

    The result is dropped (``None`` returned) when the link is gone, when ``run`` no longer owns the
    link (another run took it over), or when a result of a check that started later is already stored.

    Flapping rule: a failure (broken, timeout, error, soft-404) increments ``consecutive_failures``; the
    link is shown as broken (``broken_since`` set) once that count reaches
    ``LINKCHECK_FAILURES_BEFORE_BROKEN`` (1 for uploaded files, which cannot flap). Any other result,
    ``blocked`` included, resets the count and clears ``broken_since``.
    """
    checked_at = result.started_at
    status = LinkStatus(str(result.link_class))
    with transaction.atomic():
        link = Link.objects.select_for_update().filter(pk=link_id).first()
        if link is None:
            return None
        if run is not None and link.claimed_by_id != run.pk:
            return None
        if link.last_checked_at is not None and link.last_checked_at > checked_at:
            Link.objects.filter(pk=link.pk, claimed_by=run).update(claimed_by=None, claimed_at=None)
            return None
        failed = status in FAILURE_STATUSES
        threshold = 1 if link.kind == Link.Kind.LOCAL else max(1, settings.LINKCHECK_FAILURES_BEFORE_BROKEN)
        link.consecutive_failures = link.consecutive_failures + 1 if failed else 0
        became_broken = False
        if failed and link.consecutive_failures >= threshold:
            if link.broken_since is None:
                link.broken_since, became_broken = checked_at, True
        elif not failed:
            link.broken_since = None
        if status in (LinkStatus.OK, LinkStatus.REDIRECTED):
            link.last_ok_at = checked_at
        link.status = status
        link.http_status = result.http_status
        link.final_url = result.final_url[:2000]
        link.new_url = result.new_url[:2000]
        link.error = result.error
        link.elapsed_ms = result.elapsed_ms
        link.last_checked_at = checked_at
        link.claimed_by = None
        link.claimed_at = None
        link.save(
            update_fields=[
                "status", "http_status", "final_url", "new_url", "error", "elapsed_ms", "consecutive_failures",
                "broken_since", "last_checked_at", "last_ok_at", "claimed_by", "claimed_at", "modified",
            ]
        )  # fmt: skip
        check = LinkCheck.objects.create(
            link=link, run=run, checked_at=checked_at, status=status, http_status=result.http_status,
            final_url=result.final_url[:2000], new_url=result.new_url[:2000], elapsed_ms=result.elapsed_ms,
            error=result.error, attempts=max(1, result.attempts), became_broken=became_broken,
        )  # fmt: skip
        if run is not None:
            LinkCheckRun.objects.filter(pk=run.pk).update(checked=F("checked") + 1, heartbeat_at=timezone.now())
    return check


def _links_for(*, scope: str, section_slug: str, link_ids: Iterable[int], only_failing: bool):
    links = Link.objects.filter(is_active=True)
    if scope == LinkCheckRun.Scope.SECTION:
        from curriculum.selectors import curriculum_tree

        tree = curriculum_tree()
        section = next((s for s in tree.sections if s.slug == section_slug), None)
        if section is None:
            raise LinkNotListed(f"unknown section {section_slug!r}")
        stack, ids = [section], []
        while stack:
            node = stack.pop()
            ids.append(node.pk)
            stack.extend(node.child_list)
        active = Q(is_archived=False, section_id__in=ids)
        urls = set(Resource.objects.filter(active).values_list("url", flat=True))
        urls.update(Paper.objects.filter(active).values_list("url", flat=True))
        urls.update(LocalReference.objects.filter(active).values_list("path", flat=True))
        links = links.filter(url__in=urls)
    elif scope == LinkCheckRun.Scope.LINKS:
        links = Link.objects.filter(pk__in=list(link_ids))
    if only_failing:
        links = links.filter(Q(status__in=FAILURE_STATUSES) | Q(broken_since__isnull=False))
    return links


def link_check_run(
    *,
    scope: str = LinkCheckRun.Scope.ALL,
    section_slug: str = "",
    link_ids: Iterable[int] = (),
    only_failing: bool = False,
    force: bool = True,
    task_id: str = "",
    triggered_by=None,
    progress: ProgressCallback | None = None,
    config: CheckerConfig | None = None,
    notify: bool = True,
) -> LinkCheckRun:
    """Check links and store the results; the one function behind the tasks and ``check_links``.

    Args:
        scope: ``"all"`` (every active link), ``"section"`` (links of ``section_slug`` and its sub-sections)
            or ``"links"`` (``link_ids``).
        only_failing: only links whose latest check failed or that are shown as broken.
        force: when ``False``, links checked less than ``LINKCHECK_RECHECK_MIN_INTERVAL`` seconds ago are
            left alone (students' reports use this, so repeated clicks cost nothing).
        task_id: the Celery task id (a redelivered task resumes its own abandoned run).
        triggered_by: the user who asked for the run, if any.
        progress: called as ``progress(done, total, result)`` after each stored result.
        config: checker configuration; default :func:`checker_config`.
        notify: email the admins' digest when links became broken (off for the setup step).
    Returns:
        The :class:`LinkCheckRun`: ``done``; ``skipped`` when another full run was active; ``failed`` with a
        note when the portal's own network is down (:func:`network_unavailable`), nothing recorded then.
    Raises:
        LinkNotListed: unknown ``section_slug``. ``ImproperlyConfigured``: invalid settings.
    """
    config = config or checker_config()
    link_targets_sync()
    if scope == LinkCheckRun.Scope.SECTION:
        _links_for(scope=scope, section_slug=section_slug, link_ids=(), only_failing=False)  # validate slug early
    run, predecessor = _run_start(scope=scope, section_slug=section_slug, task_id=task_id, triggered_by=triggered_by)
    if run.status == LinkCheckRun.Status.SKIPPED:
        return run
    try:
        links = _links_for(scope=scope, section_slug=section_slug, link_ids=link_ids, only_failing=only_failing)
        if not force:
            recent = timezone.now() - timedelta(seconds=settings.LINKCHECK_RECHECK_MIN_INTERVAL)
            links = links.exclude(last_checked_at__gte=recent)
        if predecessor is not None:
            links = links.exclude(checks__run_id=predecessor)
        owned = _claim(run, list(links.values_list("pk", flat=True)))
        targets = list(Link.objects.filter(pk__in=owned).order_by("url").values_list("pk", "url", "kind"))
        run.total = len(targets)
        run.save(update_fields=["total"])
        done = 0
        for pk, url, kind in targets:
            if kind == Link.Kind.LOCAL:
                result = _local_result(Link(pk=pk, url=url, kind=kind))
                link_check_record(run=run, link_id=pk, result=result)
                done += 1
                if progress:
                    progress(done, run.total, result)
        by_url = {url: pk for pk, url, kind in targets if kind == Link.Kind.WEB}
        offline = network_unavailable(list(by_url)) if by_url else ""
        if offline:
            # Not the sites' fault: record nothing, so no link counts a failure it did not have.
            _release(run)
            LinkCheckRun.objects.filter(pk=run.pk).update(
                status=LinkCheckRun.Status.FAILED, lock=None, finished_at=timezone.now(), note=offline
            )
            run.refresh_from_db()
            return run
        if by_url:
            for result in iter_check_results(list(by_url), config):
                link_check_record(run=run, link_id=by_url[result.url], result=result)
                done += 1
                if progress:
                    progress(done, run.total, result)
    except BaseException:
        _release(run)
        LinkCheckRun.objects.filter(pk=run.pk).update(
            status=LinkCheckRun.Status.FAILED, lock=None, finished_at=timezone.now()
        )
        raise
    return _run_finish(run, notify=notify)


def _run_finish(run: LinkCheckRun, *, notify: bool = True) -> LinkCheckRun:
    _release(run)
    counts = dict(LinkCheck.objects.filter(run=run).values_list("status").annotate(n=Count("pk")).order_by())
    run.refresh_from_db(fields=["checked"])
    run.counts = counts
    run.newly_broken = LinkCheck.objects.filter(run=run, became_broken=True).count()
    run.status, run.lock, run.finished_at = LinkCheckRun.Status.DONE, None, timezone.now()
    run.save(update_fields=["counts", "newly_broken", "status", "lock", "finished_at"])
    if run.scope == LinkCheckRun.Scope.ALL:
        link_history_prune()
    if run.newly_broken and notify:
        link_digest_send(run=run)
    return run


def link_history_prune(*, days: int | None = None) -> int:
    """Delete checks older than ``days`` (default ``LINKCHECK_HISTORY_DAYS``) and finished runs left without
    checks that old. Returns the number of checks deleted."""
    days = settings.LINKCHECK_HISTORY_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = LinkCheck.objects.filter(checked_at__lt=cutoff).delete()
    LinkCheckRun.objects.filter(started_at__lt=cutoff).exclude(status=LinkCheckRun.Status.RUNNING).filter(
        checks__isnull=True
    ).delete()
    return deleted


# --- digest ---------------------------------------------------------------------------------------


def digest_recipients() -> list[str]:
    """Active staff users' email addresses plus ``LINKCHECK_DIGEST_RECIPIENTS``, without duplicates."""
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")
    emails = list(staff.order_by("email").values_list("email", flat=True))
    emails.extend(settings.LINKCHECK_DIGEST_RECIPIENTS)
    return list(dict.fromkeys(e.strip() for e in emails if e and e.strip()))


def link_digest_send(*, run: LinkCheckRun) -> bool:
    """Email the admins ONE message listing the links that became broken during ``run``.

    Sent at most once per run (``digest_sent_at`` is claimed with a conditional UPDATE first). Returns
    ``True`` when a message was sent; ``False`` when nothing became broken, nobody is to be told, or the
    digest of this run was already sent.
    """
    from linkcheck.selectors import link_items_for_urls

    checks = list(LinkCheck.objects.filter(run=run, became_broken=True).select_related("link").order_by("link__url"))
    recipients = digest_recipients()
    if not checks or not recipients:
        return False
    claimed = LinkCheckRun.objects.filter(pk=run.pk, digest_sent_at__isnull=True).update(digest_sent_at=timezone.now())
    if not claimed:
        return False
    items = link_items_for_urls([c.link.url for c in checks])
    rows = [{"check": c, "items": items.get(c.link.url, [])} for c in checks]
    context = {"run": run, "rows": rows, "site_url": settings.SITE_URL.rstrip("/")}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("linkcheck/email/digest_subject.txt", context).strip()
        body = render_to_string("linkcheck/email/digest.txt", context)
    EmailMessage(subject=subject, body=body, to=recipients).send()
    return True


# --- reports, rechecks, redirects -----------------------------------------------------------------


def link_for_listed_url(url: str) -> Link:
    """The :class:`Link` of an active resource's or paper's URL (created if missing).

    Raises :class:`LinkNotListed` when no active resource or paper has this URL.
    """
    if url not in _active_web_urls():
        raise LinkNotListed(url)
    link, _ = Link.objects.get_or_create(url=url, defaults={"kind": Link.Kind.WEB})
    return link


def link_recheck_enqueue(*, link_ids: Iterable[int], force: bool = True, user=None) -> None:
    """Queue a recheck of the given links after the current transaction commits (``delay_on_commit``)."""
    from linkcheck.tasks import link_check_links

    ids = sorted({int(i) for i in link_ids})
    if ids:
        link_check_links.delay_on_commit(ids, force=force, user_id=getattr(user, "pk", None))


def link_check_all_enqueue(*, user=None) -> None:
    """Queue a full run after the current transaction commits."""
    from linkcheck.tasks import link_check_all

    link_check_all.delay_on_commit(user_id=getattr(user, "pk", None))


def link_report_submit(*, user, url: str, comment: str = "") -> tuple[LinkReport, bool]:
    """Record that ``user`` reports ``url`` as broken and queue an immediate recheck of it.

    One open report per user and link: reporting again updates the comment (when one is given).
    Returns ``(report, created)``. Raises :class:`LinkNotListed` for a URL the curriculum does not list.
    """
    comment = (comment or "").strip()[:1000]
    with transaction.atomic():
        link = link_for_listed_url(url)
        report = LinkReport.objects.filter(link=link, user=user, status=LinkReport.Status.OPEN).first()
        created = False
        if report is None:
            try:
                with transaction.atomic():
                    report = LinkReport.objects.create(link=link, user=user, comment=comment)
                    created = True
            except IntegrityError:  # a double click raced us
                report = LinkReport.objects.get(link=link, user=user, status=LinkReport.Status.OPEN)
        if not created and comment and comment != report.comment:
            report.comment = comment
            report.save(update_fields=["comment", "modified"])
        link_recheck_enqueue(link_ids=[link.pk], force=False, user=user)
    return report, created


def link_report_close(*, report: LinkReport, user, status: str) -> LinkReport:
    """Close an open report as ``resolved`` or ``dismissed``. Raises ``ValueError`` for another status."""
    if status not in (LinkReport.Status.RESOLVED, LinkReport.Status.DISMISSED):
        raise ValueError(f"cannot close a report as {status!r}")
    with transaction.atomic():
        report = LinkReport.objects.select_for_update().get(pk=report.pk)
        if report.status == LinkReport.Status.OPEN:
            report.status, report.resolved_at, report.resolved_by = status, timezone.now(), user
            report.save(update_fields=["status", "resolved_at", "resolved_by", "modified"])
    return report


def link_reports_close_for(*, link: Link, user) -> int:
    """Resolve every open report of ``link`` (after the admins fixed it). Returns how many."""
    return LinkReport.objects.filter(link=link, status=LinkReport.Status.OPEN).update(
        status=LinkReport.Status.RESOLVED, resolved_at=timezone.now(), resolved_by=user, modified=timezone.now()
    )


def link_redirect_accept(*, link: Link, user=None) -> int:
    """Replace the link's URL by the target of its permanent redirect in every resource and paper.

    The link row follows the move (its history stays attached) unless a link for the new URL already
    exists. Open reports of the link are resolved. Returns the number of resources and papers updated.
    Raises ``ValueError`` when the link has no redirect to accept and :class:`RedirectConflict` when a
    resource (or paper) with the new URL already exists.
    """
    with transaction.atomic():
        link = Link.objects.select_for_update().get(pk=link.pk)
        old, new = link.url, link.new_url
        if not new or link.status != LinkStatus.REDIRECTED:
            raise ValueError("this link has no permanent redirect to accept")
        if Resource.objects.filter(url=new).exists() and Resource.objects.filter(url=old).exists():
            raise RedirectConflict(new)
        if Paper.objects.filter(url=new).exists() and Paper.objects.filter(url=old).exists():
            raise RedirectConflict(new)
        now = timezone.now()
        updated = Resource.objects.filter(url=old).update(url=new, modified=now)
        updated += Paper.objects.filter(url=old).update(url=new, modified=now)
        link_reports_close_for(link=link, user=user)
        if Link.objects.filter(url=new).exists():
            link.is_active, link.new_url = False, ""
            link.save(update_fields=["is_active", "new_url", "modified"])
        else:
            link.url, link.new_url, link.status = new, "", LinkStatus.OK
            link.consecutive_failures, link.broken_since = 0, None
            link.save(update_fields=["url", "new_url", "status", "consecutive_failures", "broken_since", "modified"])
    return updated
