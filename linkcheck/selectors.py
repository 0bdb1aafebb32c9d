"""Read queries of the linkcheck app: health by URL for pages, the admins' queue, run history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q

from curriculum.models import Paper, Resource
from linkcheck.models import FAILURE_STATUSES, Link, LinkCheck, LinkCheckRun, LinkReport, LinkStatus


def link_health_for_urls(urls: Iterable[str]) -> dict[str, Link]:
    """The :class:`Link` rows of ``urls`` keyed by URL, in ONE query (URLs never checked are absent).

    Only the fields a badge needs are loaded.
    """
    wanted = {u for u in urls if u}
    if not wanted:
        return {}
    rows = Link.objects.filter(url__in=wanted).only(
        "url", "kind", "status", "broken_since", "last_checked_at", "http_status", "new_url"
    )
    return {link.url: link for link in rows}


@dataclass(frozen=True)
class HealthSummary:
    """Counts for the link-health page.

    Attributes:
        by_status: ``[(status value, label, count)]`` for every status, in :class:`LinkStatus` order.
        total: active links.
        broken: active links shown to students as broken.
        open_reports: open student reports.
    """

    by_status: list[tuple[str, str, int]]
    total: int
    broken: int
    open_reports: int


def link_health_summary() -> HealthSummary:
    """Counts of active links per status, shown-as-broken links and open reports (two queries)."""
    counts = Link.objects.filter(is_active=True).aggregate(
        total=Count("pk"),
        broken=Count("pk", filter=Q(broken_since__isnull=False)),
        **{f"s_{value}": Count("pk", filter=Q(status=value)) for value in LinkStatus.values},
    )
    open_reports = LinkReport.objects.filter(status=LinkReport.Status.OPEN, link__is_active=True).count()
    by_status = [(value, label, counts[f"s_{value}"]) for value, label in LinkStatus.choices]
    return HealthSummary(by_status=by_status, total=counts["total"], broken=counts["broken"], open_reports=open_reports)


@dataclass(frozen=True)
class LinkedItem:
    """A resource or paper that lists a URL (for the admin pages and the digest)."""

    kind: str  # "resource" or "paper"
    pk: int
    title: str
    section_title: str
    section_url: str
    admin_url: str


def link_items_for_urls(urls: Iterable[str], *, active_only: bool = False) -> dict[str, list[LinkedItem]]:
    """Resources and papers listing each URL, keyed by URL; two queries.

    With ``active_only`` archived items and items of archived sections are left out.
    """
    from django.urls import reverse

    wanted = list({u for u in urls if u})
    out: dict[str, list[LinkedItem]] = {}
    for kind, model in (("resource", Resource), ("paper", Paper)):
        rows = model.objects.filter(url__in=wanted)
        if active_only:
            rows = rows.filter(is_archived=False, section__is_archived=False)
        for item in rows.select_related("section").order_by("pk"):
            out.setdefault(item.url, []).append(
                LinkedItem(
                    kind=kind,
                    pk=item.pk,
                    title=item.title,
                    section_title=item.section.title,
                    section_url=item.section.get_absolute_url(),
                    admin_url=reverse(f"admin:curriculum_{kind}_change", args=[item.pk]),
                )
            )
    return out


def links_needing_attention(*, history: int = 8, limit: int = 300) -> list[Link]:
    """Active links that need an admin: failing, shown as broken, moved, or reported by students.

    Ordered: shown-as-broken first, then failing, moved and reported; each link carries ``recent_checks``
    (its latest ``history`` checks, newest first), ``open_reports`` and ``items`` (resources and papers
    listing it). A fixed number of queries whatever the number of links.
    """
    attention = (
        Q(broken_since__isnull=False)
        | Q(status__in=FAILURE_STATUSES)
        | Q(status=LinkStatus.REDIRECTED)
        | Q(reports__status=LinkReport.Status.OPEN)
    )
    ids = Link.objects.filter(attention, is_active=True).values_list("pk", flat=True).distinct()
    links = list(
        Link.objects.filter(pk__in=list(ids))
        .prefetch_related(
            Prefetch(
                "checks", queryset=LinkCheck.objects.order_by("-checked_at", "-pk")[:history], to_attr="recent_checks"
            ),
            Prefetch(
                "reports",
                queryset=LinkReport.objects.filter(status=LinkReport.Status.OPEN).select_related("user"),
                to_attr="open_reports",
            ),
        )
        .order_by("url")[:limit]
    )

    def rank(link: Link) -> tuple:
        if link.broken_since is not None:
            return (0, link.broken_since)
        if link.status in FAILURE_STATUSES:
            return (1, link.last_checked_at)
        if link.open_reports:
            return (2, link.last_checked_at)
        return (3, link.last_checked_at)

    links.sort(key=lambda link: (rank(link)[0], link.url))
    items = link_items_for_urls(link.url for link in links)
    for link in links:
        link.items = items.get(link.url, [])
    return links


def link_runs_recent(*, limit: int = 10) -> list[LinkCheckRun]:
    """The latest runs, newest first."""
    return list(LinkCheckRun.objects.select_related("triggered_by").order_by("-started_at", "-pk")[:limit])
