"""`manage.py stats_store [--town CODE] [--rebuild] [--verify]`: keep each finished month's figures (stats.tally).

Run it nightly (cron) or after loading history in bulk; a report never depends on it (a month not stored is counted
from its rows), it only gets faster. --verify recounts every stored month from its rows and fails on a difference.
"""

from django.core.management.base import BaseCommand, CommandError

from stats import tally
from villages.models import Town


class Command(BaseCommand):
    help = "Store the finished months' figures of every town (or one), and optionally prove them by a recount."

    def add_arguments(self, parser):
        parser.add_argument("--town", help="Town code (default: every town).")
        parser.add_argument("--rebuild", action="store_true", help="Drop the stored months first and store all.")
        parser.add_argument("--verify", action="store_true", help="Recount the stored months and compare.")

    def handle(self, *args, town=None, rebuild=False, verify=False, **options):
        towns = Town.objects.order_by("code")
        if town:
            towns = towns.filter(code=town)
            if not towns.exists():
                raise CommandError(f"No town {town}.")
        problems = []
        for each in towns:
            if rebuild:
                tally.forget(each)
            months = tally.store(each)
            self.stdout.write(f"{each.code} {each.name}: stored {len(months)} month(s)")
            if verify:
                found = tally.verify(each)
                problems += [f"{each.code} {problem}" for problem in found]
                self.stdout.write(f"{each.code}: verified, {len(found)} difference(s)")
        if problems:
            raise CommandError("Stored figures differ from a recount:\n" + "\n".join(problems))
