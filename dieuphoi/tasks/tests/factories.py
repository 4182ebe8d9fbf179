import datetime

import factory

from dieuphoi.org.tests.factories import AgencyFactory, BodyFactory
from dieuphoi.tasks.models import ProgressUpdate, Sector, Task, TaskPart


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sector
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"linh-vuc-{n}")
    name = factory.Sequence(lambda n: f"Lĩnh vực {n}")


class TaskFactory(factory.django.DjangoModelFactory):
    """A task row written directly (no service): for selectors and buckets.

    Keeps the invariants the services keep: a completed task has
    ``completed_on``, a cancelled one ``cancelled_on``.
    """

    class Meta:
        model = Task
        skip_postgeneration_save = True

    body = factory.SubFactory(BodyFactory)
    lead_agency = factory.SubFactory(AgencyFactory)
    assigned_on = datetime.date(2025, 3, 3)
    year = factory.LazyAttribute(lambda o: o.assigned_on.year)
    seq = factory.Sequence(lambda n: n + 1)
    code = factory.LazyAttribute(lambda o: f"NV-{o.year}-{o.seq:04d}")
    title = factory.Sequence(lambda n: f"Nhiệm vụ thử nghiệm số {n}")
    deadline = datetime.date(2025, 6, 30)
    original_deadline = factory.LazyAttribute(lambda o: o.deadline)
    state = Task.State.IN_PROGRESS

    @factory.post_generation
    def search(obj, create, extracted, **kwargs):
        text = obj.compute_search_text()
        if obj.search_text != text:
            obj.search_text = text
            if create:
                Task.objects.filter(pk=obj.pk).update(search_text=text)


class TaskPartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskPart

    task = factory.SubFactory(TaskFactory)
    agency = factory.SubFactory(AgencyFactory)


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressUpdate

    task = factory.SubFactory(TaskFactory)
    agency = factory.LazyAttribute(lambda o: o.task.lead_agency)
    reported_on = factory.LazyAttribute(lambda o: o.task.assigned_on)
    percent = 50
    text = "Đang triển khai"
