"""``manage.py setup_demo``: load the default curriculum and demo data; safe to run again."""

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.services import demo_accounts_ensure


class Command(BaseCommand):
    help = "Load the default curriculum, quiz bank and demo accounts (idempotent) and print the logins."

    def handle(self, *args, **options):
        from urllib.parse import urlsplit

        host = urlsplit(settings.SITE_URL).netloc or "127.0.0.1:8000"
        with transaction.atomic():
            Site.objects.update_or_create(pk=settings.SITE_ID, defaults={"domain": host, "name": "COIN Portal"})
        from curriculum.importer import DEFAULT_CURRICULUM_PATH

        call_command("import_guide", str(DEFAULT_CURRICULUM_PATH), verbosity=0)
        accounts = demo_accounts_ensure()
        # Reminders: the every-15-minutes beat schedule, and an idle demo student to nudge.
        call_command("setup_reminders", "--demo", verbosity=0)
        self.stdout.write(self.style.SUCCESS("Default curriculum loaded."))
        self.stdout.write(f"Demo logins (open http://{host}/):")
        for account in accounts:
            self.stdout.write(f"  {account.role:<8} {account.email:<22} {account.password}")
