"""`manage.py history_digest [--date YYYY-MM-DD] [--town CODE]`: seal finished days of the case history.

Run it every night after midnight (README: cron at 00:30). Without --date it seals yesterday and any earlier day
that has events but no digest yet; a day already sealed is never rewritten, so running it twice changes nothing.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from cases.history import history_seal
from villages.models import Town


class Command(BaseCommand):
    help = "Seal each finished day's chain heads into a signed daily digest (yesterday and any day missed)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Only this day (YYYY-MM-DD); it must have ended.")
        parser.add_argument("--town", help="Only this town (its code, e.g. 451425102).")

    def handle(self, *args, **options):
        day = None
        if options.get("date"):
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"--date {options['date']!r} is not YYYY-MM-DD.") from None
        towns = Town.objects.order_by("code")
        if options.get("town"):
            towns = towns.filter(code=options["town"])
            if not towns.exists():
                raise CommandError(f"No town with code {options['town']!r}.")
        try:
            results = history_seal(towns=towns, day=day)
        except ValueError as error:
            raise CommandError(str(error)) from None
        created = 0
        for digest, new in results:
            line = (
                f"{digest.town.name} {digest.date:%Y-%m-%d}: {digest.cases} case(s), {digest.events} event(s),"
                f" digest {digest.value} (key {digest.key_id})"
            )
            if new:
                created += 1
                self.stdout.write(self.style.SUCCESS(f"Sealed {line}"))
            else:
                self.stdout.write(f"Already sealed, kept as it is: {line}")
        if not results:
            self.stdout.write("Nothing to seal: no finished day with events lacks a digest.")
        elif created:
            self.stdout.write(f"{created} day(s) sealed.")
