"""The link checker's periodic schedule, as django-celery-beat rows admins can see and edit.

THE ONE PLACE where the link-check schedule is created. It runs every night at 03:00 in the portal's
time zone (settings.TIME_ZONE, Asia/Shanghai by default) and checks every active link
(task ``linkcheck.tasks.link_check_all``). Idempotent: existing rows (maybe edited by an admin) are kept.
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

TASK_NAME = "linkcheck: check all links nightly"
TASK = "linkcheck.tasks.link_check_all"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if PeriodicTask.objects.filter(name=TASK_NAME).exists():
        return
    # Every night at 03:00, portal time zone.
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
    )
    PeriodicTask.objects.create(
        name=TASK_NAME,
        task=TASK,
        crontab=crontab,
        enabled=True,
        description="Re-verify every resource, paper and file link (linkcheck app). Runs at 03:00 every night.",
    )
    # Tell a running beat (DatabaseScheduler) that the schedule changed.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("linkcheck", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
