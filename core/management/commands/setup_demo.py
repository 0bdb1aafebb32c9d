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
        from linkcheck.services import link_targets_prepare

        link_targets_prepare()  # link-health rows for the curriculum; uploaded files checked, no network
        self.stdout.write(self.style.SUCCESS("Default curriculum loaded."))
        self.stdout.write("Demo logins (open http://%s/):" % host)
        for account in accounts:
            self.stdout.write(f"  {account.role:<8} {account.email:<22} {account.password}")
