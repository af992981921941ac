from django.core.management.base import BaseCommand, CommandError

from cases.history import verify_chains


class Command(BaseCommand):
    help = "Check every case's history hash chain; report broken or missing links."

    def add_arguments(self, parser):
        parser.add_argument("--case", help="Only this case number.")

    def handle(self, *args, **options):
        problems, checked = verify_chains(number=options.get("case"))
        for problem in problems:
            self.stdout.write(self.style.ERROR(problem))
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in the history of {checked} case(s).")
        self.stdout.write(self.style.SUCCESS(f"History intact: {checked} case(s) checked."))
