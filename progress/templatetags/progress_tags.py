"""Template helpers for progress controls: status choices and the tone of each status pill."""

from django import template

from progress.models import PaperProgress, TopicProgress

register = template.Library()

_TONES = {
    TopicProgress.Status.NOT_STARTED: "muted",
    TopicProgress.Status.IN_PROGRESS: "info",
    TopicProgress.Status.DONE: "ok",
    TopicProgress.Status.SKIPPED: "muted",
    PaperProgress.Status.TO_READ: "muted",
    PaperProgress.Status.READING: "info",
    PaperProgress.Status.READ: "ok",
}


@register.simple_tag
def topic_status_choices():
    """``[(value, label), ...]`` of :class:`TopicProgress.Status`, in workflow order."""
    return TopicProgress.Status.choices


@register.simple_tag
def paper_status_choices():
    """``[(value, label), ...]`` of :class:`PaperProgress.Status`."""
    return PaperProgress.Status.choices


@register.filter
def status_tone(status: str) -> str:
    """The pill tone (``ok``, ``info``, ``muted``) for a topic or paper status value."""
    return _TONES.get(status, "muted")


@register.filter
def topic_status_label(status: str) -> str:
    """The label of a topic status value in the active language (``""`` for an unknown one)."""
    return TopicProgress.Status(status).label if status in TopicProgress.Status.values else ""


@register.filter
def paper_status_label(status: str) -> str:
    """The label of a paper status value in the active language (``""`` for an unknown one)."""
    return PaperProgress.Status(status).label if status in PaperProgress.Status.values else ""
