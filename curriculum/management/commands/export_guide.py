"""``manage.py export_guide [-o FILE]``: write the curriculum out as a guide (Markdown)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from curriculum.exporter import DEFAULT_GUIDE_TITLE, ExportError, guide_export


class Command(BaseCommand):
    help = "Write the active curriculum as a guide in the importer's format (stdout unless -o is given)."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", help="file to write (UTF-8); default: standard output")
        parser.add_argument("--title", default=DEFAULT_GUIDE_TITLE, help="the guide's '#' title")

    def handle(self, *args, output, title, **options):
        try:
            text = guide_export(title=title)
        except ExportError as exc:
            raise CommandError(str(exc)) from exc
        if not output:
            self.stdout.write(text, ending="")
            return
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{output}: cannot write the file ({exc.strerror})") from exc
        self.stderr.write(f"Wrote {output}.")
