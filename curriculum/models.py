"""The curriculum: a tree of sections with knowledge requirements, prerequisites, resources, papers
and local file references, as written in the lab's guide (``shared/seeds/coin-guide.md``).

A section without active child sections is a *topic*: the unit a student checks off. Items removed
from the guide on re-import are archived (``is_archived``), never deleted, so no student record is lost.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.markdown import render_markdown
from core.models import TimeStampedModel


class Section(TimeStampedModel):
    """A heading of the guide: a part (with child sections) or a topic (without)."""

    parent = models.ForeignKey(
        "self", verbose_name=_("parent section"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="children",
    )  # fmt: skip
    order = models.PositiveIntegerField(_("order"), default=0, db_index=True)
    slug = models.SlugField(_("slug"), max_length=200, unique=True, allow_unicode=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True, help_text=_("One or two sentences, plain text."))
    body = models.TextField(_("body"), blank=True, help_text=_("Markdown."))
    body_html = models.TextField(_("body (HTML)"), blank=True, editable=False)
    prerequisites = models.ManyToManyField(
        "self", verbose_name=_("prerequisites"), through="Prerequisite", symmetrical=False,
        through_fields=("section", "required_section"), related_name="dependents", blank=True,
    )  # fmt: skip
    is_archived = models.BooleanField(_("archived"), default=False, help_text=_("Hidden; kept for history."))

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        """Normalise line endings (browsers submit textareas with CRLF, HTML spec "form submission"),
        render ``body`` to ``body_html`` through the one sanitizing function, then save."""
        self.body = self.body.replace("\r\n", "\n").replace("\r", "\n")
        self.summary = self.summary.replace("\r\n", "\n").replace("\r", "\n")
        self.body_html = render_markdown(self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = set(update_fields) | {"body_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("curriculum:section_detail", kwargs={"slug": self.slug})

    def clean(self):
        """Refuse a parent that is the section itself or one of its descendants."""
        ancestor, seen = self.parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": _("A section cannot be inside itself.")})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


class KnowledgeRequirement(models.Model):
    """One line of a section's "知识储备要求" (knowledge requirements) list."""

    section = models.ForeignKey(
        Section, verbose_name=_("section"), on_delete=models.CASCADE, related_name="requirements"
    )
    text = models.CharField(_("requirement"), max_length=500)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("knowledge requirement")
        verbose_name_plural = _("knowledge requirements")
        ordering = ["section", "order", "pk"]

    def __str__(self):
        return self.text


def prerequisite_cycle(section_id: int, required_id: int, edges: dict[int, set[int]]) -> bool:
    """Tell whether adding the edge ``section_id -> required_id`` would close a cycle.

    Args:
        section_id: the section that would get a prerequisite.
        required_id: the section it would require.
        edges: existing edges, ``{section_id: {required_section_id, ...}}``.
    Returns:
        ``True`` when ``required_id`` already (transitively) requires ``section_id``, or the two are equal.
    """
    if section_id == required_id:
        return True
    stack, seen = [required_id], set()
    while stack:
        node = stack.pop()
        if node == section_id:
            return True
        if node in seen:
            continue
        seen.add(node)
        stack.extend(edges.get(node, ()))
    return False


class Prerequisite(models.Model):
    """Study ``required_section`` before ``section``. The graph of these edges stays acyclic."""

    section = models.ForeignKey(
        Section, verbose_name=_("section"), on_delete=models.CASCADE, related_name="prerequisite_links"
    )
    required_section = models.ForeignKey(
        Section, verbose_name=_("required section"), on_delete=models.CASCADE, related_name="dependent_links"
    )

    class Meta:
        verbose_name = _("prerequisite")
        verbose_name_plural = _("prerequisites")
        constraints = [
            models.UniqueConstraint(fields=["section", "required_section"], name="unique_prerequisite"),
            models.CheckConstraint(
                condition=~models.Q(section=models.F("required_section")), name="prerequisite_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.required_section} → {self.section}"

    def save(self, *args, **kwargs):
        """Validate acyclicity (``ValidationError``) and save."""
        self.clean()
        super().save(*args, **kwargs)

    def clean(self):
        """Raise ``ValidationError`` when this edge would make the prerequisite graph cyclic."""
        if self.section_id is None or self.required_section_id is None:
            return
        edges: dict[int, set[int]] = {}
        others = Prerequisite.objects.exclude(pk=self.pk).values_list("section_id", "required_section_id")
        for sid, rid in others:
            edges.setdefault(sid, set()).add(rid)
        if prerequisite_cycle(self.section_id, self.required_section_id, edges):
            message = _("“%(required)s” cannot be a prerequisite of “%(section)s”: that would make a cycle.")
            params = {"required": self.required_section, "section": self.section}
            raise ValidationError(
                {"required_section": ValidationError(message, code="prerequisite_cycle", params=params)}
            )


class LinkedItem(TimeStampedModel):
    """Common fields of a web link listed in a section (resources and papers)."""

    title = models.CharField(_("title"), max_length=300)
    url = models.URLField(_("URL"), max_length=2000, unique=True)
    note = models.TextField(_("note"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        abstract = True
        ordering = ["order", "pk"]

    def __str__(self):
        return self.title

    @property
    def host(self) -> str:
        """The URL's host name without a leading ``www.``."""
        host = urlsplit(self.url).hostname or ""
        return host.removeprefix("www.")


class Resource(LinkedItem):
    """A tutorial, blog post, video, documentation page, course, book, repository or tool."""

    class Kind(models.TextChoices):
        ARTICLE = "article", _("Article")
        DOCUMENTATION = "documentation", _("Documentation")
        VIDEO = "video", _("Video")
        COURSE = "course", _("Course")
        BOOK = "book", _("Book")
        REPOSITORY = "repository", _("Repository")
        TOOL = "tool", _("Tool")
        PLATFORM = "platform", _("Platform")

    section = models.ForeignKey(Section, verbose_name=_("section"), on_delete=models.CASCADE, related_name="resources")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.ARTICLE)

    class Meta(LinkedItem.Meta):
        verbose_name = _("resource")
        verbose_name_plural = _("resources")


class Paper(LinkedItem):
    """A paper cited by a section; students keep these on their reading list."""

    section = models.ForeignKey(Section, verbose_name=_("section"), on_delete=models.CASCADE, related_name="papers")
    arxiv_id = models.CharField(_("arXiv id"), max_length=32, blank=True, db_index=True)
    authors = models.CharField(_("authors"), max_length=500, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    venue = models.CharField(_("venue"), max_length=200, blank=True)

    class Meta(LinkedItem.Meta):
        verbose_name = _("paper")
        verbose_name_plural = _("papers")

    @property
    def arxiv_url(self) -> str:
        """The arXiv abstract page for :attr:`arxiv_id`, or ``""``."""
        return f"https://arxiv.org/abs/{self.arxiv_id}" if self.arxiv_id else ""

    @property
    def year_label(self) -> str:
        """The year to show after the venue: ``""`` when there is no year or the venue already
        names it (``NeurIPS 2020`` with year 2020 shows just ``NeurIPS 2020``)."""
        if self.year is None or str(self.year) in self.venue:
            return ""
        return str(self.year)


class LocalReference(TimeStampedModel):
    """A file the guide refers to by relative path (``figure/poe1.png``, ``LLM.pdf``).

    Recorded even when no file has been uploaded; pages then show "file not provided".
    """

    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        DOCUMENT = "document", _("Document")

    section = models.ForeignKey(
        Section, verbose_name=_("section"), on_delete=models.CASCADE, related_name="local_references"
    )
    path = models.CharField(_("path in the guide"), max_length=500, unique=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.DOCUMENT)
    # Only raster images and PDF: an uploaded SVG or HTML file would be served from our own origin.
    file = models.FileField(
        _("file"),
        upload_to="guide/",
        blank=True,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg", "gif", "webp", "pdf"])],
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    is_archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        verbose_name = _("local reference")
        verbose_name_plural = _("local references")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.title or self.path

    @property
    def is_provided(self) -> bool:
        """True when an admin has uploaded the file."""
        return bool(self.file)
