"""``manage.py import_guide PATH [--dry-run]``: load a guide (Markdown) into the curriculum."""

from django.core.management.base import BaseCommand, CommandError

from curriculum.importer import GuideError, guide_import, guide_read


class Command(BaseCommand):
    help = (
        "Import a guide in the lab's Markdown format (see curriculum/data/FORMAT.md) into the curriculum. "
        "Re-importing updates in place; items missing from the guide are archived, never deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the guide's Markdown file (UTF-8)")
        parser.add_argument("--dry-run", action="store_true", help="print what would change and write nothing")

    def handle(self, *args, path, dry_run, verbosity, **options):
        try:
            report = guide_import(parsed=guide_read(path), dry_run=dry_run)
        except GuideError as exc:
            raise CommandError(str(exc)) from exc
        for warning in report.warnings:
            self.stderr.write(warning)
        if report.progress_warning():
            self.stderr.write(self.style.WARNING(report.progress_warning()))
        if dry_run:
            self.stdout.write(f"Dry run of {report.source}: nothing was written. It would:")
        elif verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(f"Imported {report.source}."))
        if dry_run or verbosity >= 2:
            for change in report.changes:
                self.stdout.write(f"  {change}")
        if dry_run or verbosity >= 1:
            for line in report.summary_lines():
                self.stdout.write(line)
