"""Read queries and pure computations over student progress.

Completion rule (issue "Accounts, roles and progress tracking"): the completion of a section is
done ÷ (all − skipped) over the topics in its subtree, as a percentage; the overall completion is
the same over all topics. :func:`completion_percent` is the one implementation every page,
dashboard and export uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from curriculum.selectors import CurriculumTree
from progress.models import ProgressEvent, TopicProgress

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
    from django.db.models import Max

    ids = list(user_ids)
    out = dict.fromkeys(ids)
    rows = ProgressEvent.objects.filter(user_id__in=ids).values("user_id").annotate(last=Max("created"))
    for row in rows:
        out[row["user_id"]] = row["last"]
    return out
