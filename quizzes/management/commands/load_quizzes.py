"""``manage.py load_quizzes PATH [PATH ...] [--dry-run] [--skip-missing-sections]``: load YAML quiz banks."""

from django.core.management.base import BaseCommand, CommandError, no_translations

from quizzes.bank import BankError
from quizzes.services import quiz_bank_load


class Command(BaseCommand):
    help = (
        "Load quizzes from YAML files (format: quizzes/bank.py). All or nothing: on bad input one line names "
        "the file, quiz and question, the exit status is 1 and nothing is written. Re-loading updates quizzes "
        "and questions in place by their keys; past attempts keep their own copies and never change."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="a .yaml file or a directory of them")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument(
            "--skip-missing-sections",
            action="store_true",
            help="skip (with a warning) quizzes whose section slug does not exist instead of failing",
        )

    @no_translations
    def handle(self, *args, paths, dry_run, skip_missing_sections, **options):
        try:
            report = quiz_bank_load(paths=paths, dry_run=dry_run, skip_missing_sections=skip_missing_sections)
        except BankError as exc:
            raise CommandError(str(exc)) from exc
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(f"Warning: {warning}"))
        if options["verbosity"] >= 1:
            self.stdout.write(report.summary())
