"""factory_boy factories for the linkcheck tests (curriculum items, users, links)."""

import factory
from django.utils import timezone

from accounts.models import User
from curriculum.tests import factories as curriculum_factories
from curriculum.tests.factories import PaperFactory, SectionFactory  # noqa: F401 - re-exported for the tests
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


class ResourceFactory(curriculum_factories.ResourceFactory):
    """A resource on a blog host (the curriculum factory's, with URLs the checker tests expect)."""

    url = factory.Sequence(lambda n: f"https://blog.example.org/post/{n}")


class LocalReferenceFactory(curriculum_factories.LocalReferenceFactory):
    path = factory.Sequence(lambda n: f"figure/fig{n}.png")


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
