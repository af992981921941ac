"""`manage.py import_holidays [--year YYYY ...]`: the national holidays and 调休 days from chinesecalendar.

Without --year it imports this year and next year; next year is only reported when the library does not know it yet
(the State Council publishes it in autumn). A year named with --year that the library does not know is an error.
Regional and hand-entered days are never changed; running it twice changes nothing.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cases.holidays import CalendarUnknown, import_national_year


class Command(BaseCommand):
    help = "Import a year's national holidays and make-up working days (调休) from chinesecalendar."

    def add_arguments(self, parser):
        parser.add_argument(
            "--year", type=int, action="append", help="The year to import (may repeat); default this year and next."
        )

    def handle(self, *args, **options):
        years = options.get("year")
        this_year = timezone.localdate().year
        for year in years or (this_year, this_year + 1):
            try:
                result = import_national_year(year)
            except CalendarUnknown as error:
                if years or year == this_year:
                    raise CommandError(str(error)) from None
                self.stderr.write(self.style.WARNING(str(error)))
                continue
            self.stdout.write(self.style.SUCCESS(str(result)))
