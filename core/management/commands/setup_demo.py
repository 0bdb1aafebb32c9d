"""``manage.py setup_demo``: load the default curriculum and demo data; safe to run again."""

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.services import demo_accounts_ensure
from cohorts.services import cohort_demo_ensure
from linkcheck.services import link_targets_prepare


class Command(BaseCommand):
    help = "Load the default curriculum, quiz bank and demo accounts (idempotent) and print the logins."

    def handle(self, *args, **options):
        from urllib.parse import urlsplit

        host = urlsplit(settings.SITE_URL).netloc or "127.0.0.1:8000"
        with transaction.atomic():
            Site.objects.update_or_create(pk=settings.SITE_ID, defaults={"domain": host, "name": "COIN Portal"})
        from curriculum.importer import DEFAULT_CURRICULUM_PATH
        from curriculum.models import Section

        # Load the default curriculum and quiz bank only into an empty database, so that running
        # `make run` again never overwrites what an admin has edited since (use `import_guide` and
        # `load_quizzes` to update on purpose).
        if Section.objects.exists():
            self.stdout.write("Curriculum already present: left as it is.")
        else:
            call_command("import_guide", str(DEFAULT_CURRICULUM_PATH), verbosity=0)
            self.stdout.write(self.style.SUCCESS("Default curriculum loaded."))
        from quizzes.bank import DEFAULT_QUIZ_BANK_PATH
        from quizzes.models import Quiz

        if Quiz.objects.exists():
            self.stdout.write("Quizzes already present: left as they are.")
        else:
            # Quizzes whose section is missing are skipped with a warning line (stderr).
            call_command("load_quizzes", str(DEFAULT_QUIZ_BANK_PATH), skip_missing_sections=True, verbosity=0)
            self.stdout.write(self.style.SUCCESS("Default quiz bank loaded."))
        accounts = demo_accounts_ensure()
        link_targets_prepare()  # link-health rows for the curriculum; uploaded files checked, no network
        cohort_demo_ensure()  # after the demo accounts: it adds the mentor and enrolls the student
        # Reminders: the every-15-minutes beat schedule, and an idle demo student to nudge.
        call_command("setup_reminders", "--demo", verbosity=0)
        self.stdout.write(f"Demo logins (open http://{host}/; accounts that already existed are left as they are):")
        for account in accounts:
            self.stdout.write(f"  {account.role:<8} {account.email:<22} {account.password}")
