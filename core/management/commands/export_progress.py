"""``manage.py export_progress [-o FILE]``: write every user's progress, attempts and cohorts as JSON."""

from django.core.management.base import BaseCommand, CommandError

from core.portability import ENTITIES, json_dumps, progress_export, progress_file_write


class Command(BaseCommand):
    help = (
        "Export users, progress, quiz attempts, cohorts and the reminder log in the portable, versioned "
        "JSON format of core/portability.py (docs/progress-format.md), to move them to another "
        "installation with import_progress. Passwords are not exported. Standard output unless -o is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", help="file to write (UTF-8 JSON); default: standard output")

    def handle(self, *args, output, verbosity, **options):
        doc = progress_export()
        if not output:
            self.stdout.write(json_dumps(doc), ending="")
            return
        try:
            size = progress_file_write(doc=doc, path=output)
        except OSError as exc:
            raise CommandError(f"{output}: cannot write the file ({exc.strerror or exc})") from exc
        if verbosity >= 1:
            counts = ", ".join(f"{len(doc[entity])} {entity}" for entity in ENTITIES)
            self.stderr.write(f"Wrote {output} ({size} bytes): {counts}.")
