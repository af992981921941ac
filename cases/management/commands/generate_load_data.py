"""`manage.py generate_load_data`: see cases.loadgen."""

import datetime as dt
import multiprocessing
import random
import time
from collections import Counter

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.utils import translation

from cases.loadgen.generator import Generator, duration
from cases.loadgen.shape import DEMO_TOWN_CODE
from cases.models import (
    Case,
    CaseCounter,
)
from villages.models import Consultation, Town


class Command(BaseCommand):
    help = "Top a town up to N realistic synthetic cases (steps, history, appointments, seals) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, required=True, help="Total number of cases the town should have.")
        parser.add_argument("--years", type=float, default=4, help="Spread intake over this many past years.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (the data's shape, not its tokens).")
        parser.add_argument("--town", default=None, help=f"Town code (default: {DEMO_TOWN_CODE} or the first town).")
        parser.add_argument("--batch", type=int, default=5000, help="Cases per transaction.")
        parser.add_argument(
            "--jobs", type=int, default=1, help="Processes writing at once (PostgreSQL; each takes whole days)."
        )
        parser.add_argument("--no-consultations", action="store_true", help="Do not add consultations.")

    def handle(self, *args, **options):
        if options["cases"] < 0 or options["years"] <= 0 or options["batch"] < 1 or options["jobs"] < 1:
            raise CommandError("--cases must be ≥ 0, --years > 0 and --batch and --jobs ≥ 1.")
        if not Town.objects.exists():
            call_command("seed_demo", if_empty=True, stdout=self.stdout)
        code = options["town"]
        town = Town.objects.filter(code=code or DEMO_TOWN_CODE).first() or (
            None if code else Town.objects.order_by("code").first()
        )
        if town is None:
            raise CommandError(f"No town with code {code}.")
        with translation.override(settings.LANGUAGE_CODE):
            self.generate(town, options)

    def generate(self, town: Town, options) -> None:
        target, batch = options["cases"], options["batch"]
        existing = Case.objects.filter(town=town).count()
        missing = max(target - existing, 0)
        consultations_missing = 0
        if not options["no_consultations"]:
            consultations_missing = max(target // 3 - Consultation.objects.filter(town=town).count(), 0)
        if not missing and not consultations_missing:
            self.stdout.write(f"generate_load_data: {town.name} already has {existing} cases; nothing to add.")
            return
        rng = random.Random(f"{options['seed']}:{town.code}:{existing}")
        generator = Generator(town=town, years=options["years"], rng=rng)
        self.stdout.write(
            f"generate_load_data: {town.name} has {existing} cases; adding {missing} over {options['years']} years"
            f" and {consultations_missing} consultations."
        )
        counters = dict(CaseCounter.objects.filter(town=town).values_list("date", "last"))
        started = time.monotonic()
        intake = generator.intake_times(missing)
        jobs = options["jobs"] if connection.vendor == "postgresql" else 1
        chunks = _by_day(intake, jobs, generator.tz)
        progress = Progress(self.stdout, existing=existing, missing=missing, started=started)
        if len(chunks) <= 1:
            states, totals = _play(generator, intake, counters, batch, progress)
        else:
            # One process per chunk of days (each day's case numbers come from one process only); each opens its
            # own connection, so the parent's is closed before the fork.
            connections.close_all()
            seeds = [f"{options['seed']}:{town.code}:{existing}:{i}" for i in range(len(chunks))]
            global _FORKED
            _FORKED = (generator, chunks, counters, batch, progress, seeds)
            try:
                with multiprocessing.get_context("fork").Pool(len(chunks)) as pool:
                    results = pool.map(_play_chunk, range(len(chunks)))
            finally:
                _FORKED = None
            states, totals = Counter(), Counter()
            for number, (chunk, (chunk_states, chunk_totals)) in enumerate(zip(chunks, results, strict=True), 1):
                first, last = (moment.astimezone(generator.tz).date() for moment in (chunk[0], chunk[-1]))
                self.stdout.write(
                    f"  [process {number}: {first:%Y-%m-%d} … {last:%Y-%m-%d}] {chunk_totals['cases']} cases, "
                    f"{chunk_totals['steps']} steps, {chunk_totals['events']} events"
                )
                states.update(chunk_states)
                totals.update(chunk_totals)
        if consultations_missing:
            generator.consultations(consultations_missing, batch * 4)
        elapsed = time.monotonic() - started
        summary = ", ".join(f"{state} {n}" for state, n in states.most_common())
        self.stdout.write(
            self.style.SUCCESS(
                f"generate_load_data: added {totals['cases']} cases ({summary}), {totals['steps']} steps, "
                f"{totals['events']} events, {consultations_missing} consultations in {duration(elapsed)}; "
                f"{town.name} now has {existing + totals['cases']} cases."
            )
        )
        # History was written into past months: their stored figures (stats.tally) are counted again. By name, as
        # the statistics app sits above this one.
        call_command("stats_store", town=town.code, rebuild=True, stdout=self.stdout)


class Progress:
    """A line per batch: how far this run is, its rate and what is left (per process when there are several)."""

    def __init__(self, stdout, *, existing: int, missing: int, started: float):
        self.stdout, self.existing, self.missing, self.started = stdout, existing, missing, started

    def report(self, done: int, of: int, totals: Counter, label: str = "") -> None:
        elapsed = time.monotonic() - self.started
        rate = done / elapsed if elapsed else 0
        eta = (of - done) / rate if rate else 0
        self.stdout.write(
            f"  {label}{done:>8}/{of} cases ({done / of:6.1%}) · {totals['steps']} steps · "
            f"{totals['events']} events · {rate:,.0f} cases/s · ETA {duration(eta)}"
        )
        self.stdout.flush()


def _by_day(intake: list[dt.datetime], jobs: int, tz) -> list[list[dt.datetime]]:
    """`intake` (sorted) cut into at most `jobs` runs of whole days: a day's cases are numbered by one process."""
    if jobs <= 1 or len(intake) < 2 * jobs:
        return [intake]
    chunks, start = [], 0
    for i in range(1, jobs):
        cut = max(round(len(intake) * i / jobs), start)
        day = intake[cut].astimezone(tz).date() if cut < len(intake) else None
        while cut < len(intake) and intake[cut].astimezone(tz).date() == day:
            cut += 1
        chunks.append(intake[start:cut])
        start = cut
    chunks.append(intake[start:])
    return [chunk for chunk in chunks if chunk]


def _play(generator: Generator, intake, counters, batch: int, progress: Progress, label: str = ""):
    states: Counter = Counter()
    totals: Counter = Counter()
    for start in range(0, len(intake), batch):
        plans = [generator.plan(moment) for moment in intake[start : start + batch]]
        steps, events = generator.write(plans, counters)
        states.update(plan.case["state"] for plan in plans)
        totals.update(cases=len(plans), steps=steps, events=events)
        progress.report(start + len(plans), len(intake), totals, label)
    return states, totals


_FORKED = None  # what the forked processes inherit: the generator and the chunks (nothing is pickled but an index)


def _play_chunk(index: int):
    """In a forked process: its chunk of days, its own random stream and its own connection."""
    generator, chunks, counters, batch, progress, seeds = _FORKED
    intake = chunks[index]
    generator.rng = random.Random(seeds[index])
    try:
        with translation.override(settings.LANGUAGE_CODE):
            return _play(generator, intake, counters, batch, progress, label=f"[{intake[0]:%Y-%m-%d}…] ")
    finally:
        connections.close_all()
