"""``manage.py send_reminders [--dry-run] [--now ISO8601]``: list or send the reminders due now."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reminders.services import reminders_send_due
from reminders.timing import Schedule


def parse_now(value: str) -> dt.datetime:
    """Parse ``--now``: ISO 8601; without an offset it is read in ``settings.TIME_ZONE``.

    Raises ``CommandError`` with one readable line for anything else.
    """
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--now: not an ISO 8601 date-time: {value!r} (e.g. 2026-03-09T09:00+08:00)") from None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    return moment


class Command(BaseCommand):
    help = "Send the inactivity nudges, behind-schedule notices and mentor digests due now (or list them)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List who would get what; send and record nothing.")
        parser.add_argument(
            "--now", help="Act as if it were this moment (ISO 8601; no offset means the portal's time zone)."
        )

    def handle(self, *args, **options):
        now = parse_now(options["now"]) if options["now"] else timezone.now()
        result = reminders_send_due(now=now, dry_run=options["dry_run"])
        for item in result.planned:
            schedule = Schedule.for_user(item.user)
            local = now.astimezone(schedule.tz)
            self.stdout.write(
                f"{item.kind:<10} {item.period_key:<10} {item.email} "
                f"({schedule.tz.key}, local {local:%H:%M}, preferred {schedule.hour:02d}:00)"
            )
        if options["dry_run"]:
            self.stdout.write(f"Dry run at {now.isoformat()}: {len(result.planned)} message(s) would be sent.")
            return
        summary = result.as_dict()
        self.stdout.write(
            "Sent {sent}, failed {failed}, skipped {skipped}, handled elsewhere {busy}, left for later {deferred}.".format(
                **summary
            )
        )
