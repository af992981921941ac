from django.core.management.base import BaseCommand, CommandError

from cases import history_keys
from cases.history import check_chains, check_digests


class Command(BaseCommand):
    help = (
        "Check every case's history: the key and signature of each event, the chain's sequence and links, the head "
        "recorded on the case, and the sealed daily digests; report exactly which check failed where."
    )

    def add_arguments(self, parser):
        parser.add_argument("--case", help="Only this case number (its chain only; the digests cover whole days).")

    def handle(self, *args, **options):
        number = options.get("case")
        chains = check_chains(number=number)
        digests = None if number else check_digests()
        problems = chains.problems + (digests.problems if digests else [])
        for problem in problems:
            self.stdout.write(self.style.ERROR(problem))
        notes = self._notes(chains, digests)
        if problems:
            for note in notes:
                self.stdout.write(note)
            checked = f"{chains.cases} case(s)" + (f" and {digests.checked} daily digest(s)" if digests else "")
            raise CommandError(f"{len(problems)} problem(s) in the history of {checked}.")
        self.stdout.write(self.style.SUCCESS(f"History intact: {chains.cases} case(s) checked."))
        for note in notes:
            self.stdout.write(note)

    def _notes(self, chains, digests) -> list[str]:
        notes = []
        keyed = {key: n for key, n in sorted(chains.keys.items()) if key != history_keys.LEGACY}
        if keyed:
            notes.append("Events by signing key: " + ", ".join(f"{key} {n}" for key, n in keyed.items()) + ".")
        if legacy := chains.keys.get(history_keys.LEGACY):
            notes.append(
                f"Legacy events: {legacy} written before the history was keyed (plain sha256, unkeyed): checked as"
                " a chain, protected against rewriting only by the daily digests sealed since."
            )
        if history_keys.keyring().derived:
            notes.append("Signing with the development key 'dev' (from SECRET_KEY): set HISTORY_KEYS in production.")
        if digests is not None:
            by_key = ", ".join(f"{key} {n}" for key, n in sorted(digests.keys.items()))
            notes.append(f"Daily digests checked: {digests.checked}" + (f" (by key: {by_key})." if by_key else "."))
            if digests.unsealed:
                days = ", ".join(f"{town} {day:%Y-%m-%d}" for town, day in digests.unsealed[:5])
                more = f" and {len(digests.unsealed) - 5} more" if len(digests.unsealed) > 5 else ""
                notes.append(f"Not sealed yet (run history_digest): {days}{more}.")
        return notes
