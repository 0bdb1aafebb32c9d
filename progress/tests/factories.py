"""factory_boy factories for progress rows (tests only: real writes go through progress.services)."""

import factory

from accounts.tests.factories import StudentFactory
from curriculum.tests.factories import PaperFactory, SectionFactory
from progress.models import PaperProgress, ProgressEvent, TopicProgress


class TopicProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TopicProgress

    user = factory.SubFactory(StudentFactory)
    section = factory.SubFactory(SectionFactory)
    status = TopicProgress.Status.IN_PROGRESS


class PaperProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaperProgress

    user = factory.SubFactory(StudentFactory)
    paper = factory.SubFactory(PaperFactory)
    status = PaperProgress.Status.TO_READ


class ProgressEventFactory(factory.django.DjangoModelFactory):
    """A topic status event; ``created`` is set by the database (freeze time to choose it)."""

    class Meta:
        model = ProgressEvent

    user = factory.SubFactory(StudentFactory)
    section = factory.SubFactory(SectionFactory)
    from_status = TopicProgress.Status.NOT_STARTED
    to_status = TopicProgress.Status.IN_PROGRESS
