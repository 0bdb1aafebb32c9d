"""factory_boy factories for the curriculum models."""

import factory

from curriculum.models import KnowledgeRequirement, LocalReference, Paper, Prerequisite, Resource, Section


class SectionFactory(factory.django.DjangoModelFactory):
    """A section; pass ``parent=`` to nest it."""

    class Meta:
        model = Section

    title = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")
    order = factory.Sequence(lambda n: n)
    summary = "A section."
    body = "Some *Markdown*."


class KnowledgeRequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KnowledgeRequirement

    section = factory.SubFactory(SectionFactory)
    text = factory.Sequence(lambda n: f"Requirement {n}")
    order = factory.Sequence(lambda n: n)


class PrerequisiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prerequisite

    section = factory.SubFactory(SectionFactory)
    required_section = factory.SubFactory(SectionFactory)


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    section = factory.SubFactory(SectionFactory)
    title = factory.Sequence(lambda n: f"Resource {n}")
    url = factory.Sequence(lambda n: f"https://example.org/resource/{n}")
    kind = Resource.Kind.ARTICLE
    order = factory.Sequence(lambda n: n)


class PaperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Paper

    section = factory.SubFactory(SectionFactory)
    title = factory.Sequence(lambda n: f"Paper {n}")
    url = factory.Sequence(lambda n: f"https://arxiv.org/abs/2401.{n:05d}")
    arxiv_id = factory.Sequence(lambda n: f"2401.{n:05d}")
    year = 2024
    order = factory.Sequence(lambda n: n)


class LocalReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LocalReference

    section = factory.SubFactory(SectionFactory)
    path = factory.Sequence(lambda n: f"figure/image{n}.png")
    kind = LocalReference.Kind.IMAGE


def curriculum_build(*, parts: int = 5, topics_per_part: int = 3, resources_per_topic: int = 2) -> list[Section]:
    """Create a curriculum of ``parts`` top-level sections with ``topics_per_part`` topics each.

    Each topic gets ``resources_per_topic`` resources and one paper. Returns the top-level sections.
    The lab's guide has 5 parts and about 30 topics; ``parts=15`` gives roughly three times its size.
    """
    roots = []
    for _ in range(parts):
        root = SectionFactory()
        roots.append(root)
        for _ in range(topics_per_part):
            topic = SectionFactory(parent=root)
            ResourceFactory.create_batch(resources_per_topic, section=topic)
            PaperFactory(section=topic)
    return roots
