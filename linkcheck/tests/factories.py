"""factory_boy factories for the linkcheck tests (curriculum items, users, links)."""

import factory
from django.utils import timezone

from accounts.models import User
from curriculum.models import LocalReference, Paper, Resource, Section
from linkcheck.models import Link, LinkCheckRun


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"student{n}@coin.local")
    display_name = factory.Sequence(lambda n: f"学生{n}")
    password = factory.django.Password("pw-123456")


class StaffFactory(UserFactory):
    email = factory.Sequence(lambda n: f"admin{n}@coin.local")
    is_staff = True
    is_superuser = True


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    title = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    section = factory.SubFactory(SectionFactory)
    title = factory.Sequence(lambda n: f"Resource {n}")
    url = factory.Sequence(lambda n: f"https://blog.example.org/post/{n}")


class PaperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Paper

    section = factory.SubFactory(SectionFactory)
    title = factory.Sequence(lambda n: f"Paper {n}")
    url = factory.Sequence(lambda n: f"https://arxiv.org/abs/2401.{n:05d}")


class LocalReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LocalReference

    section = factory.SubFactory(SectionFactory)
    path = factory.Sequence(lambda n: f"figure/fig{n}.png")
    kind = LocalReference.Kind.IMAGE


class LinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Link
        django_get_or_create = ("url",)

    url = factory.Sequence(lambda n: f"https://site.example.org/{n}")


class RunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LinkCheckRun

    started_at = factory.LazyFunction(timezone.now)
    heartbeat_at = factory.LazyFunction(timezone.now)
