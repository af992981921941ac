import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db.models.functions import TruncDate
from django.utils import timezone

from cases.models import Case
from villages.models import Town
from villages.services import VillageError, market_days_generate


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value}") from None


class Command(BaseCommand):
    help = "Create a town's market days from its schedule up to a date. Idempotent; never removes a day in use."

    def add_arguments(self, parser):
        parser.add_argument("--town", required=True, help="Town code, e.g. 451425102.")
        parser.add_argument("--until", required=True, help="Last date, YYYY-MM-DD.")
        parser.add_argument("--from", dest="start", help="First date, YYYY-MM-DD (default: today).")

    def handle(self, *args, **options):
        town = Town.objects.filter(code=options["town"]).first()
        if town is None:
            raise CommandError(f"No town with code {options['town']}.")
        start = _date(options["start"]) if options["start"] else timezone.localdate()
        until = _date(options["until"])
        # Days on which cases were received are in use even without shifts: keep them.
        case_days = set(
            Case.objects.filter(town=town)
            .annotate(day=TruncDate("received_at", tzinfo=timezone.get_current_timezone()))
            .filter(day__gte=start, day__lte=until)
            .values_list("day", flat=True)
            .distinct()
        )
        try:
            result = market_days_generate(town=town, start=start, until=until, protected_dates=case_days)
        except VillageError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{town.name} {start}…{until}: {result.created} created, {result.removed} removed, {result.kept} kept."
        )
