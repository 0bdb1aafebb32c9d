"""``manage.py setup_reminders [--demo]``: write the periodic schedule (and the demo data). Idempotent.

This command is the one place where the reminders' Celery beat schedule is created: a
django-celery-beat ``PeriodicTask`` that runs ``reminders.tasks.reminders_send_due`` every 15
minutes, on the quarter hour. ``setup_demo`` calls it with ``--demo``; a production deploy runs it
once after ``migrate`` (running it again changes nothing).
"""

from django.core.management.base import BaseCommand

from reminders.services import reminders_demo_ensure, reminders_schedule_ensure


class Command(BaseCommand):
    help = "Create the reminders' periodic task (every 15 minutes); with --demo also make the demo student idle."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="Also create the demo cohort and enrollment.")

    def handle(self, *args, **options):
        task = reminders_schedule_ensure()
        self.stdout.write(f"Periodic task ready: {task.name}")
        if options["demo"]:
            enrollment = reminders_demo_ensure()
            if enrollment is not None:
                self.stdout.write(f"Demo: {enrollment.user.email} is enrolled in {enrollment.cohort.name} and idle.")
