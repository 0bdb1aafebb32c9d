"""Template tags for link health on curriculum pages.

Usage on a section page (one query for the whole page)::

    {% load linkcheck %}
    {% link_health_for section as link_health %}
    ...
    <li>... {% include "linkcheck/_badge.html" with url=r.url %}</li>

``linkcheck/_badge.html`` reads ``link_health`` from the context, so it works in any template that
set it; without it no badge is shown (and no query is made).
"""

from django import template

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
