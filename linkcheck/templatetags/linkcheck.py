"""Template tags for link health on curriculum pages.

Usage on a section page (one query for the whole page)::

    {% load linkcheck %}
    {% link_health_for section as link_health %}
    ...
    <li>... {% include "linkcheck/_badge.html" with url=r.url %}</li>

``linkcheck/_badge.html`` reads ``link_health`` from the context, so it works in any template that
set it; without it no badge is shown (and no query is made).
"""

import re

from django import template
from django.utils.translation import gettext_lazy as _

from linkcheck.selectors import link_health_for_urls

register = template.Library()


@register.simple_tag
def link_health_for(*sources):
    """Health of every resource and paper URL of the given sections or item lists: ``{url: Link}``.

    Each source is a section (its prefetched ``resources`` and ``papers`` are used, so no extra query),
    an iterable of items with a ``url`` attribute, or a URL string. Costs ONE query in total.
    """
    urls: set[str] = set()
    for source in sources:
        if source is None:
            continue
        if isinstance(source, str):
            urls.add(source)
        elif hasattr(source, "resources") and hasattr(source, "papers"):
            urls.update(item.url for item in source.resources.all())
            urls.update(item.url for item in source.papers.all())
        else:
            urls.update(getattr(item, "url", item) for item in source)
    return link_health_for_urls(urls)


@register.filter
def health_for(health_map, url):
    """``{{ link_health|health_for:url }}``: the :class:`~linkcheck.models.Link` of ``url``, or ``None``."""
    if not health_map or not url:
        return None
    return health_map.get(url)


#: Known checker error texts (English, stored in ``Link.error``, ``LinkCheck.error`` and
#: ``LinkCheckRun.note``) and their translatable display. Each pattern's named groups fill the
#: message's placeholders. Sources: ``linkcheck.services._local_result`` and
#: ``network_unavailable``, ``linkcheck.netguard`` (guard errors) and ``linkcheck.checker``.
ERROR_DISPLAYS: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"^file not uploaded$"), _("File not uploaded")),
    (re.compile(r"^uploaded file (?P<name>.+) is missing from storage$"), _("Uploaded file %(name)s is missing")),
    (re.compile(r"^unknown host (?P<host>\S+)"), _("Unknown host %(host)s (the name does not resolve)")),
    (
        re.compile(r"^network unavailable: no address for (?P<hosts>.+?); nothing was recorded$"),
        _("Network unavailable: no address for %(hosts)s; nothing was recorded"),
    ),
    (re.compile(r"^connection refused by (?P<host>\S+?)(:\d+)?$"), _("Connection refused by %(host)s")),
    (re.compile(r"^cannot connect to (?P<host>[^\s:]+)"), _("Cannot connect to %(host)s")),
    (re.compile(r"^refused by the SSRF guard: "), _("Not checked: the address is private or reserved")),
    (re.compile(r"timed out$"), _("Timed out")),
    (re.compile(r"^too many redirects \(more than (?P<count>\d+)\)$"), _("Too many redirects (more than %(count)s)")),
    (re.compile(r"^redirect loop: "), _("Redirect loop")),
    (re.compile(r"^moved permanently to (?P<url>\S+)$"), _("Moved permanently to %(url)s")),
    (re.compile(r"^internal error: "), _("Internal error of the link checker")),
)


@register.filter
def error_display(error: str) -> str:
    """``{{ link.error|error_display }}``: a known checker error in the active language, else ``error`` as is.

    Keep the raw text available next to it (e.g. in a ``title`` attribute): the display drops
    details such as the resolver's message.
    """
    if not error:
        return ""
    for pattern, message in ERROR_DISPLAYS:
        match = pattern.search(error)
        if match:
            return str(message) % match.groupdict() if match.groupdict() else str(message)
    return error
