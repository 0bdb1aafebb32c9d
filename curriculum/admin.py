"""Admin for the curriculum: search, filters, inline resources/papers, easy ordering."""

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from curriculum.models import KnowledgeRequirement, LocalReference, Paper, Prerequisite, Resource, Section
from linkcheck.admin import LinkHealthAdminMixin  # link-health column, filter and "check now" action

#: Links typed without a scheme get https (Django 6 default, opted into now); notes get small boxes.
URL_FORMFIELD = {
    models.URLField: {"assume_scheme": "https"},
    models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})},
}


class KnowledgeRequirementInline(admin.TabularInline):
    model = KnowledgeRequirement
    extra = 0
    fields = ["text", "order"]


class PrerequisiteInline(admin.TabularInline):
    model = Prerequisite
    fk_name = "section"
    extra = 0
    autocomplete_fields = ["required_section"]
    verbose_name = _("prerequisite (study first)")
    verbose_name_plural = _("prerequisites (study first)")


class ResourceInline(admin.TabularInline):
    model = Resource
    formfield_overrides = URL_FORMFIELD
    extra = 0
    fields = ["order", "title", "url", "kind", "note", "is_archived"]


class PaperInline(admin.TabularInline):
    model = Paper
    formfield_overrides = URL_FORMFIELD
    extra = 0
    fields = ["order", "title", "url", "arxiv_id", "authors", "year", "venue", "is_archived"]


class LocalReferenceInline(admin.TabularInline):
    model = LocalReference
    extra = 0
    fields = ["path", "title", "kind", "file", "is_archived"]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["title", "parent", "order", "slug", "is_archived", "modified"]
    list_editable = ["order"]
    list_filter = ["is_archived", ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "slug", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["parent"]
    inlines = [KnowledgeRequirementInline, PrerequisiteInline, ResourceInline, PaperInline, LocalReferenceInline]
    list_select_related = ["parent"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "parent", "order", "is_archived"]}),
        (_("Content"), {"fields": ["summary", "body"]}),
    ]


@admin.register(Resource)
class ResourceAdmin(LinkHealthAdminMixin, admin.ModelAdmin):
    formfield_overrides = URL_FORMFIELD
    list_display = ["title", "kind", "section", "url", "order", "is_archived"]
    list_editable = ["order", "kind"]
    list_filter = ["kind", "is_archived", ("section", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "url", "note"]
    autocomplete_fields = ["section"]
    list_select_related = ["section"]


@admin.register(Paper)
class PaperAdmin(LinkHealthAdminMixin, admin.ModelAdmin):
    formfield_overrides = URL_FORMFIELD
    list_display = ["title", "arxiv_id", "year", "section", "order", "is_archived"]
    list_editable = ["order"]
    list_filter = ["is_archived", "year", ("section", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "url", "arxiv_id", "authors", "venue"]
    autocomplete_fields = ["section"]
    list_select_related = ["section"]


@admin.register(LocalReference)
class LocalReferenceAdmin(admin.ModelAdmin):
    list_display = ["path", "title", "kind", "section", "is_provided"]
    list_filter = ["kind", "is_archived"]
    search_fields = ["path", "title"]
    autocomplete_fields = ["section"]

    @admin.display(boolean=True, description=_("file provided"))
    def is_provided(self, obj):
        return obj.is_provided


@admin.register(Prerequisite)
class PrerequisiteAdmin(admin.ModelAdmin):
    list_display = ["section", "required_section"]
    search_fields = ["section__title", "required_section__title"]
    autocomplete_fields = ["section", "required_section"]


@admin.register(KnowledgeRequirement)
class KnowledgeRequirementAdmin(admin.ModelAdmin):
    list_display = ["text", "section", "order"]
    list_filter = [("section", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["text", "section__title"]
    autocomplete_fields = ["section"]
    list_select_related = ["section"]
