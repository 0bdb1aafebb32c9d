"""``manage.py import_progress FILE [--dry-run]``: load a file written by ``export_progress``."""

from django.core.management.base import BaseCommand, CommandError

from core.portability import ProgressFileError, progress_file_read, progress_import


class Command(BaseCommand):
    help = (
        "Import users, progress, quiz attempts, cohorts and the reminder log from a file written by "
        "export_progress (format: docs/progress-format.md), in one transaction. Load the same guide "
        "(import_guide) and quiz bank (load_quizzes) first. Rows are matched by natural keys, so importing "
        "the same file again changes nothing. Imported accounts have no password: they reset it."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="FILE", help="the JSON file written by export_progress")
        parser.add_argument("--dry-run", action="store_true", help="print what would change and write nothing")

    def handle(self, *args, path, dry_run, verbosity, **options):
        try:
            report = progress_import(data=progress_file_read(path), dry_run=dry_run)
        except ProgressFileError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        if dry_run:
            self.stdout.write(f"Dry run of {path}: nothing was written.")
        elif verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(f"Imported {path}."))
        if dry_run or verbosity >= 1:
            for line in report.summary_lines():
                self.stdout.write(f"  {line}")
