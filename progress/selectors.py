"""Read queries and pure computations over student progress.

Completion rule (issue "Accounts, roles and progress tracking"): the completion of a section is
done ÷ (all − skipped) over the topics in its subtree, as a percentage; the overall completion is
the same over all topics. :func:`completion_percent` is the one implementation every page,
dashboard and export uses.

Public reads, each in a fixed number of queries whatever the curriculum's or history's size:

* :func:`completion_for_statuses`, :func:`completion_for_users`, :func:`topic_statuses`,
  :func:`last_activity_for_users`: completion and activity of many students (cohorts, reminders);
* :func:`section_progress`: everything a section page shows for the signed-in student;
* :func:`dashboard_for`: the student dashboard; :func:`recent_activity`, :func:`reading_list`;
* :func:`activity_heatmap` (+ template ``progress/_activity_heatmap.html``): active days;
* :func:`progress_export`: one's own progress for the CSV/JSON exports.

Prerequisites are advisory: a topic's pending prerequisites are those of the topic and of every
part containing it whose completion is below 100 %.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import Count, Max
from django.db.models.functions import TruncDate
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from curriculum.models import Paper, Section
from curriculum.selectors import CurriculumTree, curriculum_tree, prerequisite_edges
from progress.models import PaperProgress, ProgressEvent, TopicProgress

DONE = TopicProgress.Status.DONE
SKIPPED = TopicProgress.Status.SKIPPED


def completion_percent(statuses: Iterable[str]) -> float:
    """Completion of a set of topics, in percent (0.0–100.0).

    Args:
        statuses: one :class:`TopicProgress.Status` value per topic in the set (topics without a
            row count as ``"not_started"``).
    Returns:
        ``100 * done / (all - skipped)``; when every topic is skipped (or the set is empty) there is
        nothing left to do and the result is ``100.0`` if at least one topic was skipped, else ``0.0``.
    """
    total = done = skipped = 0
    for status in statuses:
        total += 1
        if status == DONE:
            done += 1
        elif status == SKIPPED:
            skipped += 1
    counted = total - skipped
    if counted == 0:
        return 100.0 if skipped else 0.0
    return 100.0 * done / counted


@dataclass(frozen=True)
class Completion:
    """One student's completion over a tree.

    Attributes:
        overall: percent over all topics.
        by_section: percent for every active section id (parts and topics).
    """

    overall: float
    by_section: dict[int, float]


def completion_for_statuses(tree: CurriculumTree, statuses: Mapping[int, str]) -> Completion:
    """Compute :class:`Completion` from ``{topic_id: status}`` (missing topics are not started).

    Pure: no queries. Cost is linear in the tree's size.
    """
    by_section: dict[int, float] = {}
    topic_status: dict[int, list[str]] = {}

    def subtree(node) -> list[str]:
        if node.is_topic:
            values = [statuses.get(node.pk, TopicProgress.Status.NOT_STARTED)]
        else:
            values = []
            for child in node.child_list:
                values.extend(subtree(child))
        topic_status[node.pk] = values
        by_section[node.pk] = completion_percent(values)
        return values

    every: list[str] = []
    for root in tree.roots:
        every.extend(subtree(root))
    return Completion(overall=completion_percent(every), by_section=by_section)


def topic_statuses(user_ids: Iterable[int]) -> dict[int, dict[int, str]]:
    """Every topic status of the given users in one query: ``{user_id: {section_id: status}}``."""
    out: dict[int, dict[int, str]] = {uid: {} for uid in user_ids}
    rows = TopicProgress.objects.filter(user_id__in=list(out)).values_list("user_id", "section_id", "status")
    for user_id, section_id, status in rows:
        out[user_id][section_id] = status
    return out


def completion_for_users(tree: CurriculumTree, user_ids: Iterable[int]) -> dict[int, Completion]:
    """:class:`Completion` for many users with one query (plus none per user)."""
    statuses = topic_statuses(user_ids)
    return {uid: completion_for_statuses(tree, s) for uid, s in statuses.items()}


def last_activity_for_users(user_ids: Iterable[int]) -> dict[int, object]:
    """The time of each user's latest progress event (aware datetime), one query; absent users map to ``None``."""
    ids = list(user_ids)
    out = dict.fromkeys(ids)
    rows = ProgressEvent.objects.filter(user_id__in=ids).values("user_id").annotate(last=Max("created"))
    for row in rows:
        out[row["user_id"]] = row["last"]
    return out


# --- Per-student views of the tree: prerequisites, what to study next, section and dashboard pages ---

NOT_STARTED = TopicProgress.Status.NOT_STARTED
IN_PROGRESS = TopicProgress.Status.IN_PROGRESS

#: How many topics "what to study next" lists.
STUDY_NEXT_LIMIT = 5
#: How many events "recent activity" lists.
RECENT_ACTIVITY_LIMIT = 10


@dataclass(frozen=True)
class SectionState:
    """One section as one student sees it.

    Attributes:
        section: the tree node (a :class:`curriculum.models.Section` with ``depth``,
            ``child_list`` and ``is_topic``).
        status: the student's :class:`TopicProgress.Status` for a topic; ``""`` for a part.
        percent: completion of the section's subtree, 0.0–100.0 (:func:`completion_percent`).
        pending_prerequisites: prerequisite sections (of the section or of a part containing it)
            that the student has not completed yet, in curriculum order. Advisory only.
        children: the states of the section's child sections, in order.
    """

    section: Section
    status: str
    percent: float
    pending_prerequisites: tuple[Section, ...] = ()
    children: tuple[SectionState, ...] = ()

    @property
    def is_topic(self) -> bool:
        return self.section.is_topic

    @property
    def status_label(self) -> str:
        """The status in the active language (``""`` for a part)."""
        return TopicProgress.Status(self.status).label if self.status else ""

    @property
    def done_count(self) -> int:
        """How many topics of the subtree are done."""
        return sum(1 for t in self.topics() if t.status == DONE)

    @property
    def checklist_nodes(self) -> tuple[SectionState, ...]:
        """What a checklist of this section lists: its children, or itself for a topic."""
        return self.children if not self.is_topic else (self,)

    def parts(self) -> list[SectionState]:
        """This state (when a part) and every part below it, depth first."""
        if self.is_topic:
            return []
        out = [self]
        for child in self.children:
            out.extend(child.parts())
        return out

    def topics(self) -> list[SectionState]:
        """Every topic state in the subtree, in curriculum order."""
        if self.is_topic:
            return [self]
        out: list[SectionState] = []
        for child in self.children:
            out.extend(child.topics())
        return out


class _StudentTree:
    """A student's statuses laid over the tree, with completion and prerequisites resolved in memory."""

    def __init__(self, tree: CurriculumTree, statuses: Mapping[int, str], edges: Mapping[int, set[int]]):
        self.tree = tree
        self.statuses = statuses
        self.edges = edges
        self.completion = completion_for_statuses(tree, statuses)
        self.position = {s.pk: i for i, s in enumerate(tree.sections)}

    def ancestors(self, section_id: int) -> list[Section]:
        """The ancestors of a section in the tree, top-level first."""
        out: list[Section] = []
        node = self.tree.by_id.get(section_id)
        while node is not None and node.parent_id is not None and node.parent_id in self.tree.by_id:
            node = self.tree.by_id[node.parent_id]
            out.insert(0, node)
        return out

    def prerequisites(self, section_id: int) -> list[Section]:
        """Active prerequisites of the section and of every part containing it, in curriculum order.

        A prerequisite that is the section itself or contains it is left out (it cannot come first).
        """
        lineage = [*self.ancestors(section_id), self.tree.by_id[section_id]]
        excluded = {s.pk for s in lineage}
        ids: set[int] = set()
        for node in lineage:
            ids.update(rid for rid in self.edges.get(node.pk, ()) if rid in self.tree.by_id and rid not in excluded)
        return sorted((self.tree.by_id[i] for i in ids), key=lambda s: self.position[s.pk])

    def pending_prerequisites(self, section_id: int) -> tuple[Section, ...]:
        """The prerequisites (see :meth:`prerequisites`) whose completion is below 100 %."""
        by_section = self.completion.by_section
        return tuple(p for p in self.prerequisites(section_id) if by_section.get(p.pk, 0.0) < 100.0)

    def state(self, node: Section, *, deep: bool = True) -> SectionState:
        """:class:`SectionState` of ``node``; ``deep`` also builds its children's states (recursively)."""
        status = self.statuses.get(node.pk, NOT_STARTED) if node.is_topic else ""
        children = tuple(self.state(c, deep=True) for c in node.child_list) if deep else ()
        return SectionState(
            section=node,
            status=status,
            percent=self.completion.by_section.get(node.pk, 0.0),
            pending_prerequisites=self.pending_prerequisites(node.pk),
            children=children,
        )

    def study_next(self, limit: int = STUDY_NEXT_LIMIT) -> list[SectionState]:
        """The first ``limit`` topics, in curriculum order, that are neither done nor skipped and whose
        prerequisites are complete. Topics in progress count as not done, so they come up in order too."""
        out: list[SectionState] = []
        for node in self.tree.topics:
            if self.statuses.get(node.pk, NOT_STARTED) in (DONE, SKIPPED):
                continue
            if self.pending_prerequisites(node.pk):
                continue
            out.append(self.state(node, deep=False))
            if len(out) == limit:
                break
        return out


def _statuses_of(user) -> dict[int, str]:
    return dict(TopicProgress.objects.filter(user=user).values_list("section_id", "status"))


@dataclass(frozen=True)
class SectionBar:
    """A labelled completion bar: a section (or ``None`` for the whole curriculum) and its percent."""

    section: Section | None
    percent: float


@dataclass(frozen=True)
class PaperState:
    """A paper of a section and the student's reading-list row for it (``None`` when not on the list)."""

    paper: Paper
    row: PaperProgress | None

    @property
    def status(self) -> str:
        return self.row.status if self.row else ""


@dataclass(frozen=True)
class SectionProgress:
    """Everything a section page shows about the signed-in student's progress.

    Attributes:
        authenticated: ``False`` for anonymous visitors (then only ``state`` is filled, without
            statuses, so the page can still list sub-sections).
        state: the section's :class:`SectionState`, with its children.
        row: the student's :class:`TopicProgress` of this topic (dates, note), or ``None``.
        bars: completion bars to show: the section's ancestors, the section itself when it is a
            part, then the whole curriculum (``section=None``).
        papers: the section's papers with the student's reading-list rows.
    """

    authenticated: bool
    state: SectionState | None
    row: TopicProgress | None = None
    bars: tuple[SectionBar, ...] = ()
    papers: tuple[PaperState, ...] = ()

    @property
    def origin(self) -> str:
        """What the page's controls post as ``origin`` (``"section:<id>"``), so the answer updates this page."""
        return f"section:{self.state.section.pk}" if self.state else ""

    @property
    def on_reading_list(self) -> int:
        """How many of the section's papers are on the student's reading list."""
        return sum(1 for p in self.papers if p.row is not None)


def section_progress(*, user, section: Section, tree: CurriculumTree) -> SectionProgress:
    """The signed-in student's progress on one section page, in a constant number of queries.

    Args:
        user: ``request.user`` (anonymous users get ``authenticated=False`` and no queries).
        section: the page's section as loaded by :func:`curriculum.selectors.section_for_page`
            (its ``papers`` are prefetched).
        tree: the active tree (:func:`curriculum.selectors.curriculum_tree`).
    Returns:
        :class:`SectionProgress`. Queries: topic statuses (1), prerequisite edges (1), this topic's
        row (1, topics only) and the reading-list rows of this section's papers (1, when it has papers),
        whatever the size of the curriculum or of the student's history.
    """
    node = tree.by_id.get(section.pk)
    if node is None:
        return SectionProgress(authenticated=bool(user.is_authenticated), state=None)
    if not user.is_authenticated:
        anonymous = _StudentTree(tree, {}, {})
        return SectionProgress(authenticated=False, state=anonymous.state(node))
    student = _StudentTree(tree, _statuses_of(user), prerequisite_edges())
    row = TopicProgress.objects.filter(user=user, section=section).first() if node.is_topic else None
    lineage = [*student.ancestors(node.pk), *([] if node.is_topic else [node])]
    bars = tuple(SectionBar(s, student.completion.by_section[s.pk]) for s in lineage)
    bars += (SectionBar(None, student.completion.overall),)
    papers = [p for p in section.papers.all() if not p.is_archived]
    rows = {}
    if papers:
        rows = {r.paper_id: r for r in PaperProgress.objects.filter(user=user, paper__in=[p.pk for p in papers])}
    return SectionProgress(
        authenticated=True,
        state=student.state(node),
        row=row,
        bars=bars,
        papers=tuple(PaperState(p, rows.get(p.pk)) for p in papers),
    )


@dataclass(frozen=True)
class Activity:
    """One progress event with its human-readable description (in the active language)."""

    event: ProgressEvent
    text: str
    url: str


def event_description(event: ProgressEvent) -> str:
    """Describe a :class:`ProgressEvent` in one sentence, e.g. "Marked “CNN” as done".

    ``event.section`` / ``event.paper`` should be loaded (``select_related``). Returns a str in
    the active language.
    """
    if event.section_id is not None:
        title = event.section.title
        if event.kind == ProgressEvent.Kind.NOTE:
            return _("Edited the note on “%(title)s”") % {"title": title}
        to, previous = event.to_status, event.from_status
        if to == DONE:
            return _("Marked “%(title)s” as done") % {"title": title}
        if to == SKIPPED:
            return _("Skipped “%(title)s”") % {"title": title}
        if to == IN_PROGRESS and previous == DONE:
            return _("Reopened “%(title)s”") % {"title": title}
        if to == IN_PROGRESS:
            return _("Started studying “%(title)s”") % {"title": title}
        return _("Reset “%(title)s” to not started") % {"title": title}
    title = event.paper.title
    to = event.to_status
    if not to:
        return _("Removed “%(title)s” from the reading list") % {"title": title}
    if not event.from_status:
        return _("Added “%(title)s” to the reading list") % {"title": title}
    if to == PaperProgress.Status.READING:
        return _("Started reading “%(title)s”") % {"title": title}
    if to == PaperProgress.Status.READ:
        return _("Finished reading “%(title)s”") % {"title": title}
    return _("Moved “%(title)s” back to “to read”") % {"title": title}


def _activity(event: ProgressEvent) -> Activity:
    subject = event.section if event.section_id is not None else event.paper.section
    return Activity(event=event, text=event_description(event), url=subject.get_absolute_url())


def recent_activity(*, user_id: int, limit: int = RECENT_ACTIVITY_LIMIT) -> list[Activity]:
    """The user's latest ``limit`` progress events, newest first, described (one query)."""
    events = (
        ProgressEvent.objects.filter(user_id=user_id)
        .select_related("section", "paper", "paper__section")
        .order_by("-created", "-pk")[:limit]
    )
    return [_activity(e) for e in events]


# --- Activity heatmap (reused by the cohorts app on a mentor's student page) ---

#: Events per day at which heatmap levels 1, 2, 3 and 4 begin (0 events is level 0).
HEATMAP_THRESHOLDS = (1, 3, 6, 10)


def heatmap_level(count: int) -> int:
    """The colour bucket, 0–4, of a day with ``count`` events (see :data:`HEATMAP_THRESHOLDS`)."""
    return sum(1 for threshold in HEATMAP_THRESHOLDS if count >= threshold)


@dataclass(frozen=True)
class HeatmapDay:
    """One cell: a local date, its number of events and its level (0–4).

    ``in_range`` is ``False`` for the days after ``today`` in the last week (drawn empty).
    ``label`` is the cell's accessible name in the active language, e.g. "March 2, 2026 (Mon): 3 updates".
    """

    date: dt.date
    count: int
    level: int
    in_range: bool = True
    label: str = ""


@dataclass(frozen=True)
class HeatmapWeek:
    """One column, Monday to Sunday; ``month_label`` (e.g. "3月", "Mar") on the first week of a month."""

    days: tuple[HeatmapDay, ...]
    month_label: str = ""


@dataclass(frozen=True)
class Heatmap:
    """A calendar heatmap of a user's active days.

    Attributes:
        weeks: the columns, oldest first; the last one contains ``today``.
        start: the first day drawn (a Monday); ``today``: the last day counted.
        total: events from ``start`` to ``today`` inclusive; ``active_days``: days with at least one.
        legend: ``(level, label)`` for each colour bucket, e.g. ``(2, "3–5")``.
    """

    weeks: tuple[HeatmapWeek, ...]
    start: dt.date
    today: dt.date
    total: int
    active_days: int
    legend: tuple[tuple[int, str], ...] = field(default=())

    def count_on(self, day: dt.date) -> int:
        """Events on a local date inside the heatmap (0 outside it)."""
        for week in self.weeks:
            for cell in week.days:
                if cell.date == day:
                    return cell.count
        return 0


def _heatmap_legend() -> tuple[tuple[int, str], ...]:
    bounds = [*HEATMAP_THRESHOLDS]
    legend = [(0, "0")]
    for level, low in enumerate(bounds, start=1):
        high = bounds[level] - 1 if level < len(bounds) else None
        if high is None:
            legend.append((level, f"{low}+"))
        elif high == low:
            legend.append((level, str(low)))
        else:
            legend.append((level, f"{low}–{high}"))
    return tuple(legend)


def activity_heatmap(*, user_id: int, today: dt.date, weeks: int = 26, tz: dt.tzinfo | None = None) -> Heatmap:
    """Count a user's progress events per local day over the last ``weeks`` weeks (one query).

    Args:
        user_id: whose events.
        today: the last day to count, a date in ``tz`` (usually ``timezone.localdate()``).
        weeks: number of columns (Monday-to-Sunday weeks); the last one is the week of ``today``.
        tz: the time zone that decides which day an event falls on; default: the active time zone
            (the viewer's, set by ``accounts.middleware``). An event at 2026-03-01 16:30 UTC falls on
            2026-03-02 in Asia/Shanghai (UTC+8).
    Returns:
        :class:`Heatmap`, levels from :func:`heatmap_level`.
    """
    tz = tz or timezone.get_current_timezone()
    start = today - dt.timedelta(days=today.weekday() + 7 * (weeks - 1))
    begin = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    rows = (
        ProgressEvent.objects.filter(user_id=user_id, created__gte=begin, created__lt=end)
        .annotate(day=TruncDate("created", tzinfo=tz))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {row["day"]: row["n"] for row in rows}
    month_format = pgettext("heatmap month label, a Django date format", "M")
    date_format = get_format("DATE_FORMAT")
    columns = []
    for w in range(weeks):
        monday = start + dt.timedelta(days=7 * w)
        days = []
        for d in range(7):
            day = monday + dt.timedelta(days=d)
            n = counts.get(day, 0)
            label = ngettext(
                "%(date)s (%(weekday)s): %(counter)s update", "%(date)s (%(weekday)s): %(counter)s updates", n
            ) % {"date": dateformat.format(day, date_format), "weekday": dateformat.format(day, "D"), "counter": n}
            days.append(HeatmapDay(date=day, count=n, level=heatmap_level(n), in_range=day <= today, label=label))
        label = dateformat.format(monday, month_format) if monday.day <= 7 else ""
        columns.append(HeatmapWeek(days=tuple(days), month_label=label))
    return Heatmap(
        weeks=tuple(columns),
        start=start,
        today=today,
        total=sum(counts.values()),
        active_days=len(counts),
        legend=_heatmap_legend(),
    )


# --- The student dashboard ---


@dataclass(frozen=True)
class Dashboard:
    """Everything the student dashboard shows.

    Attributes:
        overall: completion over all topics, percent.
        counts: number of topics per :class:`TopicProgress.Status` value (every status present).
        parts: the top-level sections' states, each with its subtree.
        study_next: up to :data:`STUDY_NEXT_LIMIT` topics to study next.
        reading_list: the student's :class:`PaperProgress` rows (``paper`` and ``paper.section``
            loaded): reading first, then to read, then read; newest change first within each.
        recent: the latest :data:`RECENT_ACTIVITY_LIMIT` events, described.
        last_activity: time of the latest event (aware) or ``None``.
        days_since_activity: whole local days from the latest event to ``today``, or ``None``.
        heatmap: :func:`activity_heatmap` for the last 26 weeks.
    """

    overall: float
    counts: dict[str, int]
    parts: tuple[SectionState, ...]
    study_next: tuple[SectionState, ...]
    reading_list: tuple[PaperProgress, ...]
    recent: tuple[Activity, ...]
    last_activity: dt.datetime | None
    days_since_activity: int | None
    heatmap: Heatmap

    @property
    def total_topics(self) -> int:
        return sum(self.counts.values())

    def all_parts(self) -> list[SectionState]:
        """Every part (top-level or nested), depth first: the bars the dashboard shows."""
        out: list[SectionState] = []
        for part in self.parts:
            out.extend(part.parts())
        return out

    def nested_parts(self) -> list[SectionState]:
        """The parts below the top level (their bars sit in the topic checklist)."""
        return [p for p in self.all_parts() if p.section.parent_id is not None]

    def topic_status(self, section_id: int) -> str:
        """The student's status of a topic in the tree (``"not_started"`` when absent)."""
        for part in self.parts:
            for topic in part.topics():
                if topic.section.pk == section_id:
                    return topic.status
        return NOT_STARTED

    def reading_row(self, paper_id: int) -> PaperProgress | None:
        """The reading-list row of a paper, or ``None`` when it is not on the list."""
        return next((row for row in self.reading_list if row.paper_id == paper_id), None)


_READING_ORDER = {PaperProgress.Status.READING: 0, PaperProgress.Status.TO_READ: 1, PaperProgress.Status.READ: 2}


def reading_list(*, user_id: int) -> list[PaperProgress]:
    """The user's reading list (one query), ordered as :attr:`Dashboard.reading_list` says."""
    rows = list(
        PaperProgress.objects.filter(user_id=user_id).select_related("paper", "paper__section").order_by("-modified")
    )
    rows.sort(key=lambda r: _READING_ORDER.get(r.status, 3))
    return rows


def dashboard_for(*, user, today: dt.date) -> Dashboard:
    """Build the :class:`Dashboard` of ``user`` in a constant number of queries (six).

    Args:
        user: the signed-in student.
        today: the local date (``timezone.localdate()``) for the heatmap and "days since".
    Queries: tree, topic statuses, prerequisite edges, reading list, recent events, heatmap counts.
    """
    tree = curriculum_tree()
    student = _StudentTree(tree, _statuses_of(user), prerequisite_edges())
    parts = tuple(student.state(root) for root in tree.roots)
    counts = dict.fromkeys(TopicProgress.Status.values, 0)
    for node in tree.topics:
        counts[student.statuses.get(node.pk, NOT_STARTED)] += 1
    recent = recent_activity(user_id=user.pk)
    last = recent[0].event.created if recent else None
    days_since = (today - timezone.localtime(last).date()).days if last else None
    return Dashboard(
        overall=student.completion.overall,
        counts=counts,
        parts=parts,
        study_next=tuple(student.study_next()),
        reading_list=tuple(reading_list(user_id=user.pk)),
        recent=tuple(recent),
        last_activity=last,
        days_since_activity=days_since,
        heatmap=activity_heatmap(user_id=user.pk, today=today),
    )


# --- Export of one's own progress ---


@dataclass(frozen=True)
class ExportTopic:
    """One topic row of the export."""

    section: Section
    path: str
    status: str
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    note: str


@dataclass(frozen=True)
class ProgressExport:
    """A student's own progress, ready to write as CSV or JSON (:mod:`progress.exports`).

    Attributes:
        generated_at: when the export was made (aware, in the active time zone).
        overall: completion over all topics, percent.
        parts: ``(section, percent)`` for each top-level section.
        topics: every active topic in curriculum order (not-started ones included).
        papers: the reading list, as in :func:`reading_list`.
    """

    user: object
    generated_at: dt.datetime
    overall: float
    parts: tuple[tuple[Section, float], ...]
    topics: tuple[ExportTopic, ...]
    papers: tuple[PaperProgress, ...]


#: Separator between titles in a section path ("提示工程 › 可视化实验平台"); titles may contain "/".
PATH_SEPARATOR = " › "


def progress_export(*, user) -> ProgressExport:
    """Collect ``user``'s own progress for export (three queries: tree, topic rows, reading list)."""
    tree = curriculum_tree()
    rows = {r.section_id: r for r in TopicProgress.objects.filter(user=user)}
    student = _StudentTree(tree, {sid: r.status for sid, r in rows.items()}, {})
    topics = []
    for node in tree.topics:
        row = rows.get(node.pk)
        path = PATH_SEPARATOR.join(s.title for s in [*student.ancestors(node.pk), node])
        topics.append(
            ExportTopic(
                section=node,
                path=path,
                status=row.status if row else NOT_STARTED,
                started_at=row.started_at if row else None,
                completed_at=row.completed_at if row else None,
                note=row.note if row else "",
            )
        )
    return ProgressExport(
        user=user,
        generated_at=timezone.localtime(),
        overall=student.completion.overall,
        parts=tuple((root, student.completion.by_section[root.pk]) for root in tree.roots),
        topics=tuple(topics),
        papers=tuple(reading_list(user_id=user.pk)),
    )
