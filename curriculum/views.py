"""Curriculum pages: thin views over :mod:`curriculum.selectors`."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from curriculum import selectors
from curriculum.models import LocalReference, Resource
from progress.selectors import section_progress
from quizzes.selectors import quiz_cards


def _login_required_for_curriculum(view):
    """Apply ``settings.CURRICULUM_REQUIRE_LOGIN`` (read per request, not at import)."""

    def wrapped(request, *args, **kwargs):
        if settings.CURRICULUM_REQUIRE_LOGIN and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@require_GET
@_login_required_for_curriculum
def overview(request):
    """The roadmap: top-level sections in order with their topics, counts and prerequisite hints."""
    tree = selectors.curriculum_tree(with_counts=True)
    return render(request, "curriculum/overview.html", {"tree": tree, "roots": tree.roots})


@require_GET
@_login_required_for_curriculum
def section_detail(request, slug):
    """One section: body, requirements, prerequisites, sub-sections, resources by kind, papers."""
    section = selectors.section_for_page(slug)
    tree = selectors.curriculum_tree()
    node = tree.by_id.get(section.pk)
    kinds = dict(Resource.Kind.choices)
    groups: dict[str, list] = {}
    for resource in section.resources.all():
        groups.setdefault(resource.kind, []).append(resource)
    resource_groups = [
        (kinds[k], items) for k, items in sorted(groups.items(), key=lambda kv: list(kinds).index(kv[0]))
    ]
    ancestors = []
    parent_id = section.parent_id
    while parent_id is not None and parent_id in tree.by_id:
        ancestors.insert(0, tree.by_id[parent_id])
        parent_id = tree.by_id[parent_id].parent_id
    context = {
        "section": section,
        "node": node,
        "children": node.child_list if node else [],
        "ancestors": ancestors,
        "resource_groups": resource_groups,
        "tree": tree,
        "section_quizzes": quiz_cards(user=request.user, section_ids=[section.pk]),
        "section_progress": section_progress(user=request.user, section=section, tree=tree),
    }
    return render(request, "curriculum/section_detail.html", context)


@require_GET
@_login_required_for_curriculum
def local_file(request, slug, path):
    """Serve a file the guide refers to by relative path: the uploaded file, or a "not provided" notice.

    Images that were not uploaded get a small SVG placeholder (so the page layout stays intact);
    other files get a 404 page saying the file has not been provided yet.
    """
    if "\x00" in path:  # PostgreSQL refuses to compare text containing NUL (a 500 otherwise)
        raise Http404("No file matches the given query.")
    ref = get_object_or_404(LocalReference, path=path, is_archived=False)
    if ref.is_provided:
        return redirect(ref.file.url)
    label = _("File not provided: %(path)s") % {"path": ref.path}
    if ref.kind == LocalReference.Kind.IMAGE:
        from django.template.loader import render_to_string

        svg = render_to_string("curriculum/missing_file.svg", {"label": label})
        return HttpResponse(svg, content_type="image/svg+xml", status=200)
    return render(request, "curriculum/missing_file.html", {"ref": ref, "label": label}, status=404)
