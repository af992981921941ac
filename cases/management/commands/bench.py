"""`manage.py bench [--sizes 10000,200000]` (`make bench`): page timings as the case load grows, on PostgreSQL.

For each size the database is topped up with `generate_load_data`, analysed, and then every page in `page_specs()`
is requested in-process through Django's test client (logged in as the role that uses it): the number of queries,
then the median and 95th percentile of the server time over `--requests` requests after `--warmup` warm-ups.

Target (issue 3, point 13): at the largest size every page's median is under its target (50 ms) and no more than
1.5 times its median at the smallest size. `--strict` makes a miss exit non-zero.

Each page has its own target: the monthly statistics of issue 5 must answer within a second (run with
`--sizes 10000,1000000` for that figure) and are not compared across sizes. To measure another page, add a `Page`
to `page_specs()`.
"""

import datetime as dt
import json
import math
import os
import random
import statistics
import time
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import bench_county
from cases.loadgen.shape import DEMO_TOWN_CODE
from cases.models import Case, CaseEvent, CaseStep, GuessCounter, Matter
from departments.models import Department, DepartmentMember
from villages.models import Town, TownStaff, Village, VillageCadre

TARGET_MS = 50.0
MAX_RATIO = 1.5
SAMPLE_CASES = 20


@dataclass(frozen=True)
class Request:
    path: str
    method: str = "get"
    data: dict | None = None
    expect: int = 200


@dataclass(frozen=True)
class Page:
    """One page to time: who asks (None: the public), the requests to cycle through, and its target."""

    name: str
    user: object | None
    requests: list[Request]
    target_ms: float = TARGET_MS
    max_ratio: float | None = MAX_RATIO  # None: no comparison with the smallest size
    fresh: bool = False  # the page's own cost: no kept copy (jinjie/public_cache.py, jinjie/kept_pages.py)


@dataclass
class Context:
    """What the page specs need, found once per size: the town, a user of each role, sample cases."""

    town: Town
    cadre: object
    village: Village
    clerk: object
    department: Department
    office: object
    cases: list[Case] = field(default_factory=list)


def page_specs(ctx: Context) -> list[Page]:
    """The pages measured; add a `Page` here to measure another one."""
    last_month = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    quarter_end = dt.date(last_month.year, (last_month.month - 1) // 3 * 3 + 1, 1) - dt.timedelta(days=1)
    last_quarter = f"{quarter_end.year}-Q{(quarter_end.month - 1) // 3 + 1}"
    return [
        # The pages' own cost: each request renders afresh, not from the copy kept while nothing changed
        # (jinjie/kept_pages.py; what that copy is worth shows in --throughput).
        Page("desk", ctx.cadre, [Request(reverse("cases:desk"))], fresh=True),
        Page("queue", ctx.clerk, [Request(reverse("cases:queue"))], fresh=True),
        Page(
            "case detail",
            ctx.office,
            [Request(reverse("cases:detail", kwargs={"number": c.number})) for c in ctx.cases],
            fresh=True,
        ),
        Page(
            "public /t/",
            None,
            [Request(reverse("cases:public_token", kwargs={"token": c.token})) for c in ctx.cases],
            fresh=True,
        ),
        Page(
            "track POST",
            None,
            [
                Request(
                    reverse("cases:track"),
                    method="post",
                    data={"number": c.number, "phone4": c.applicant_phone[-4:]},
                    expect=302,
                )
                for c in ctx.cases
            ],
        ),
        Page(
            "api case",
            None,
            [
                Request(reverse("cases:api_case", kwargs={"number": c.number}) + f"?phone4={c.applicant_phone[-4:]}")
                for c in ctx.cases
            ],
        ),
        # Issue 11: the month's, the quarter's and the year's report each under a second at 1,000,000 cases (the
        # year under two at 2,000,000), each with its 环比 and 同比; a drill-down list within the page target.
        Page(
            "stats month",
            ctx.office,
            [Request(reverse("admin:stats") + f"?town={ctx.town.code}&period={last_month:%Y-%m}")],
            target_ms=1000,
            max_ratio=None,
        ),
        Page(
            "stats quarter",
            ctx.office,
            [Request(reverse("admin:stats") + f"?town={ctx.town.code}&period={last_quarter}")],
            target_ms=1000,
            max_ratio=None,
        ),
        Page(
            "stats year",
            ctx.office,
            [Request(reverse("admin:stats") + f"?town={ctx.town.code}&period={last_month.year}")],
            target_ms=1000,
            max_ratio=None,
        ),
        Page(
            "stats drill-down",
            ctx.office,
            [
                Request(reverse("admin:stats_list") + f"?town={ctx.town.code}&period={last_month:%Y-%m}&figure={key}")
                for key in ("received", "completed", "overdue_steps", "ratings", "consultations")
            ],
        ),
    ]


@dataclass
class Result:
    page: str
    queries: tuple[int, int]
    median_ms: float
    p95_ms: float
    error: str = ""
    cpu_ms: float = math.nan  # this process's CPU per request: what the page costs when the machine is busy
    target_ms: float = TARGET_MS
    max_ratio: float | None = MAX_RATIO

    @property
    def queries_label(self) -> str:
        low, high = self.queries
        return str(low) if low == high else f"{low}–{high}"


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


class Command(BaseCommand):
    help = "Time the desk, queue, one-stop and tracking pages at growing case counts (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="10000,200000", help="Case counts to measure at, e.g. 10000,200000.")
        parser.add_argument("--requests", type=int, default=30, help="Timed requests per page.")
        parser.add_argument("--warmup", type=int, default=3, help="Untimed requests per page first.")
        parser.add_argument("--years", type=float, default=4, help="Passed to generate_load_data.")
        parser.add_argument("--seed", type=int, default=1, help="Passed to generate_load_data and the case sample.")
        parser.add_argument("--pages", default="", help="Only these pages (comma-separated names).")
        parser.add_argument("--no-generate", action="store_true", help="Measure the database as it is.")
        parser.add_argument("--json", dest="json_path", help="Also write the figures to this file.")
        parser.add_argument("--strict", action="store_true", help="Exit non-zero if a page misses its target.")
        parser.add_argument("--allow-sqlite", action="store_true", help="Run on a database other than PostgreSQL.")
        parser.add_argument(
            "--tickets",
            default="",
            help="Also time the queue tickets (hall board, its JSON, the calling panel, 叫下一位) with this many "
            "tickets on one market day, e.g. 200,2000; with --no-generate, on the database as it is.",
        )
        parser.add_argument(
            "--county",
            action="store_true",
            help="Spread each size over every town of the county (seed_demo --county adds sample towns) and time "
            "with the flat-cost targets, the hall board and the county dashboard (cases/bench_county.py).",
        )
        parser.add_argument(
            "--towns",
            type=int,
            default=bench_county.TOWNS,
            help="With --county: the county's towns (seed_demo --county --towns), Tiandeng's 13 by default.",
        )
        parser.add_argument("--jobs", type=int, default=1, help="Passed to generate_load_data.")
        parser.add_argument(
            "--throughput",
            action="store_true",
            help="Also measure requests per second under gunicorn (2 workers) as a share of /healthz, at the "
            "largest size (loadtest/throughput.py).",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql" and not options["allow_sqlite"]:
            raise CommandError(
                "bench is meant for PostgreSQL (set DATABASE_URL=postgres://…); pass --allow-sqlite to run anyway."
            )
        try:
            sizes = sorted({int(s) for s in options["sizes"].split(",") if s.strip()})
        except ValueError:
            raise CommandError("--sizes takes comma-separated case counts, e.g. 10000,200000.") from None
        if not sizes or options["requests"] < 1:
            raise CommandError("Give at least one size and one request.")
        measured: dict[int, dict[str, Result]] = {}
        meta: dict[int, dict] = {}
        for size in sizes:
            meta_row = {}
            if not options["no_generate"] and options["county"]:
                meta_row["generate_s"] = round(bench_county.generate(size, options, self.stdout), 1)
            elif not options["no_generate"]:
                started = time.monotonic()
                call_command(
                    "generate_load_data", cases=size, years=options["years"], seed=options["seed"], jobs=options["jobs"]
                )
                meta_row["generate_s"] = round(time.monotonic() - started, 1)
            if connection.vendor == "postgresql":
                started = time.monotonic()
                with connection.cursor() as cursor:
                    # VACUUM as autovacuum leaves a settled database (index-only scans need the visibility map); it
                    # cannot run inside a transaction, as in the tests, where ANALYZE is enough.
                    cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
                meta_row["analyze_s"] = round(time.monotonic() - started, 1)
            ctx = self.context(options["seed"])
            count = Case.objects.filter(town=ctx.town).count()
            if count > size:
                self.stdout.write(self.style.WARNING(f"The town already has {count} cases, more than {size}."))
            meta_row.update(
                cases=count,
                steps=CaseStep.objects.filter(case__town=ctx.town).count(),
                events=CaseEvent.objects.count(),
                open_cases=Case.objects.filter(town=ctx.town, state__in=Case.OPEN_STATES).count(),
            )
            meta[size] = meta_row
            measured[size] = self.measure(ctx, options)
            self.print_table(size, ctx, meta_row, measured[size])
        failed = self.print_verdict(sizes, measured)
        if options["tickets"]:
            failed += self.bench_tickets(self.context(options["seed"]), options)
        if options["throughput"]:
            failed += self.bench_throughput(self.context(options["seed"]))
        if options["json_path"]:
            with open(options["json_path"], "w", encoding="utf-8") as out:
                json.dump(
                    {
                        str(size): {"meta": meta[size], "pages": {n: r.__dict__ for n, r in measured[size].items()}}
                        for size in sizes
                    },
                    out,
                    ensure_ascii=False,
                    indent=2,
                )
        if failed and options["strict"]:
            raise CommandError(f"{len(failed)} page(s) missed the target: {', '.join(failed)}.")

    def bench_throughput(self, ctx: Context) -> list[str]:
        """Issue 13 point 6: public pages at least 40 % of /healthz, staff pages at least 20 %."""
        from loadtest import throughput

        if "DATABASE_URL" not in os.environ:
            raise CommandError("--throughput starts gunicorn on DATABASE_URL: set it.")
        matter = Matter.objects.filter(town=ctx.town, is_active=True).order_by("pk").first()
        case = ctx.cases[0]
        staff = throughput.STAFF_SHARE
        targets = [
            # The town's own addresses: in a county, /hall/ and /guide/ are where the towns are chosen.
            throughput.Target("hall board", reverse("town:hall", kwargs={"town_code": ctx.town.code})),
            throughput.Target("hall board JSON", reverse("town:board_calls", kwargs={"town_code": ctx.town.code})),
            throughput.Target("guide", reverse("town:guide", kwargs={"town_code": ctx.town.code})),
            throughput.Target("guide matter", matter.get_absolute_url()),
            throughput.Target("tracking /t/", reverse("cases:public_token", kwargs={"token": case.token})),
            throughput.Target("desk", reverse("cases:desk"), ctx.cadre, staff),
            throughput.Target("queue", reverse("cases:queue"), ctx.clerk, staff),
            throughput.Target(
                "one-stop view", reverse("cases:detail", kwargs={"number": case.number}), ctx.office, staff
            ),
        ]
        results = throughput.run(os.environ["DATABASE_URL"], targets, self.stdout.write)
        self.stdout.write("\nThroughput (requests per second; share of /healthz in the same run)\n")
        self.stdout.write(throughput.table(results))
        return [f"throughput {r.name}" for r in results if not r.ok]

    # --- who and what ---------------------------------------------------------------------------------------------

    def context(self, seed: int) -> Context:
        town = Town.objects.filter(code=DEMO_TOWN_CODE).first() or Town.objects.order_by("code").first()
        if town is None:
            raise CommandError("No town: run seed_demo or generate_load_data first.")
        # Busiest over all time, so the same village and desk are measured at every size.
        village = (
            Village.objects.filter(town=town, cadres__is_active=True)
            .annotate(n=Count("cases", distinct=True))
            .order_by("-n", "desk_order")
            .first()
        )
        department = (
            Department.objects.filter(town=town, members__role=DepartmentMember.Role.CLERK, members__is_active=True)
            .annotate(n=Count("case_steps", distinct=True))
            .order_by("-n", "desk_order")
            .first()
        )
        office = TownStaff.objects.filter(town=town, role=TownStaff.Role.OFFICE, is_active=True).first()
        if village is None or department is None or office is None:
            raise CommandError("The town needs a village cadre, a department clerk and a town office user.")
        cadre = VillageCadre.objects.filter(village=village, is_active=True).select_related("user").first().user
        clerk = (
            DepartmentMember.objects.filter(department=department, role=DepartmentMember.Role.CLERK, is_active=True)
            .select_related("user")
            .first()
            .user
        )
        # The same share of open and closed cases at every size; a fixed seed so runs compare.
        rng = random.Random(seed)
        cases = []
        for states in (Case.OPEN_STATES, Case.CLOSED_STATES):
            ids = list(Case.objects.filter(town=town, state__in=states).order_by("pk").values_list("pk", flat=True))
            cases += rng.sample(ids, min(len(ids), SAMPLE_CASES // 2))
        return Context(
            town=town,
            cadre=cadre,
            village=village,
            clerk=clerk,
            department=department,
            office=office.user,
            cases=list(Case.objects.filter(pk__in=cases).order_by("pk")),
        )

    # --- measuring --------------------------------------------------------------------------------------------

    def measure(self, ctx: Context, options) -> dict[str, Result]:
        wanted = {name.strip() for name in options["pages"].split(",") if name.strip()}
        results = {}
        # Plain static files (no collectstatic manifest needed), and the test client's host allowed.
        with override_settings(
            ALLOWED_HOSTS=["testserver"],
            DEBUG=False,
            STATIC_ROOT=None,
            STORAGES={
                "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
        ):
            pages = page_specs(ctx)
            if options["county"]:
                last_month = dt.date.today().replace(day=1) - dt.timedelta(days=1)
                county_url = reverse("admin:stats_county") + f"?county={ctx.town.county}&period={last_month:%Y-%m}"
                pages = bench_county.retarget(
                    pages, Page, Request, county_url, bench_county.county_officer(), town_code=ctx.town.code
                )
            for page in pages:
                if wanted and page.name not in wanted:
                    continue
                if not page.requests:
                    results[page.name] = Result(page.name, (0, 0), math.nan, math.nan, "no requests (no cases?)")
                    results[page.name].target_ms, results[page.name].max_ratio = page.target_ms, page.max_ratio
                    continue
                results[page.name] = self.measure_page(page, options["warmup"], options["requests"])
                self.stdout.write(f"  measured {page.name}")
        return results

    def measure_page(self, page: Page, warmup: int, count: int) -> Result:
        client = Client()
        if page.user is not None:
            client.force_login(page.user)

        def send(request: Request):
            # Correct answers only, and a clean throttle: the bench must never trip the guess limit.
            call = client.post if request.method == "post" else client.get
            return call(request.path, data=request.data, secure=True)

        GuessCounter.objects.all().delete()
        if page.fresh:
            plain = send

            def send(request: Request):
                cache.clear()
                return plain(request)

        for i in range(warmup):
            send(page.requests[i % len(page.requests)])
        queries = []
        for request in page.requests:
            with CaptureQueriesContext(connection) as captured:
                response = send(request)
            if response.status_code != request.expect:
                error = f"{request.method.upper()} {request.path} → {response.status_code}, expected {request.expect}"
                return Result(
                    page.name, (len(captured), len(captured)), math.nan, math.nan, error, page.target_ms, page.max_ratio
                )
            queries.append(len(captured))
        timings, cpu = [], []
        for i in range(count):
            request = page.requests[i % len(page.requests)]
            started, started_cpu = time.perf_counter(), time.process_time()
            send(request)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        return Result(
            page.name,
            (min(queries), max(queries)),
            statistics.median(timings),
            percentile(timings, 0.95),
            cpu_ms=statistics.median(cpu),
            target_ms=page.target_ms,
            max_ratio=page.max_ratio,
        )

    # --- reporting ----------------------------------------------------------------------------------------------

    def print_table(self, size: int, ctx: Context, meta: dict, results: dict[str, Result]) -> None:
        self.stdout.write("")
        self.stdout.write(
            self.style.MIGRATE_HEADING(
                f"{size:,} cases — {meta['cases']:,} in {ctx.town.name}, {meta['open_cases']:,} open, "
                f"{meta['steps']:,} steps, {meta['events']:,} events"
                + (f"; generated in {meta['generate_s']} s" if "generate_s" in meta else "")
            )
        )
        self.stdout.write(
            f"  desk: {ctx.cadre.get_full_name()} ({ctx.village.name}) · queue: {ctx.clerk.get_full_name()} "
            f"({ctx.department.name}) · case detail: {ctx.office.get_full_name()} over {len(ctx.cases)} cases"
        )
        self.stdout.write(f"  {'page':<14} {'queries':>8} {'median ms':>10} {'p95 ms':>8} {'cpu ms':>7}")
        for result in results.values():
            line = (
                f"  {result.page:<14} {result.queries_label:>8} {result.median_ms:>10.1f} {result.p95_ms:>8.1f}"
                f" {result.cpu_ms:>7.1f}"
            )
            self.stdout.write(line + (f"  ERROR {result.error}" if result.error else ""))

    def bench_tickets(self, ctx: Context, options) -> list[str]:
        return TicketBench(self).run(ctx, options)

    def print_verdict(self, sizes: list[int], measured: dict[int, dict[str, Result]]) -> list[str]:
        """Largest size against its target and against the smallest size. Returns the pages that missed."""
        small, large = sizes[0], sizes[-1]
        self.stdout.write("")
        self.stdout.write(
            self.style.MIGRATE_HEADING(
                f"Verdict: median at {large:,} cases under the target (default {TARGET_MS:.0f} ms) "
                f"and at most {MAX_RATIO}× the median at {small:,}"
            )
        )
        a, b = _short(small), _short(large)
        self.stdout.write(f"  {'page':<14} {'q ' + a:>8} {'q ' + b:>8} {'med ' + a:>10} {'med ' + b:>10} {'ratio':>6}")
        failed = []
        for name, result in measured[large].items():
            before = measured[small].get(name)
            ratio = result.median_ms / before.median_ms if before and before.median_ms else math.nan
            reasons = []
            if result.error or (before and before.error):
                reasons.append("error")
            else:
                if not result.median_ms <= result.target_ms:
                    reasons.append(f"median > {result.target_ms:.0f} ms")
                if large != small and result.max_ratio is not None and not ratio <= result.max_ratio:
                    reasons.append(f"ratio > {result.max_ratio}")
            self.stdout.write(
                f"  {name:<14} {before.queries_label if before else '-':>8} {result.queries_label:>8} "
                f"{before.median_ms if before else math.nan:>10.1f} {result.median_ms:>10.1f} {ratio:>6.2f}  "
                + (self.style.ERROR("FAIL (" + "; ".join(reasons) + ")") if reasons else self.style.SUCCESS("PASS"))
            )
            if reasons:
                failed.append(name)
        return failed


# --- queue tickets (issue 12, point 7) ------------------------------------------------------------------------------


class TicketBench:
    """The ticket scenario: the board's update path and the call action must cost the same at any day's count."""

    def __init__(self, command: "Command"):
        self.command = command

    def run(self, ctx: Context, options) -> list[str]:
        # Imported here: cases never depends on tickets; only this bench scenario looks at them.
        from tickets import bench as ticket_bench

        counts = sorted({int(n) for n in options["tickets"].split(",") if n.strip()})
        out = self.command.stdout
        measured: dict[int, dict[str, Result]] = {}
        for count in counts:
            started = time.monotonic()
            day = ticket_bench.build_day(town=ctx.town, count=count, seed=options["seed"])
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            desk = day["desk"]
            pages = [
                Page("board json", None, [Request(reverse("tickets:board_calls"))]),
                Page("hall board", None, [Request(reverse("hall"))]),
                Page("call panel", day["clerk"], [Request(reverse("tickets:panel", args=[desk.kind, desk.pk]))]),
                Page(
                    "ticket page",
                    None,
                    [Request(reverse("tickets:public", kwargs={"token": t})) for t in day["tokens"]],
                ),
            ]
            with override_settings(
                ALLOWED_HOSTS=["testserver"],
                DEBUG=False,
                STATIC_ROOT=None,
                STORAGES={
                    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
                },
            ):
                results = {p.name: self.command.measure_page(p, options["warmup"], options["requests"]) for p in pages}
                results["call next POST"] = self.measure_call(day, options["requests"], ticket_bench)
            measured[count] = results
            out.write("")
            out.write(
                self.command.style.MIGRATE_HEADING(
                    f"{day['tickets']:,} tickets on {day['day']} ({day['calls']:,} calls) in {ctx.town.name}; "
                    f"built in {time.monotonic() - started:.1f} s; window measured: {desk.window} {desk.name}"
                )
            )
            out.write(f"  {'page':<16} {'queries':>8} {'median ms':>10} {'p95 ms':>8} {'cpu ms':>7}")
            for r in results.values():
                out.write(
                    f"  {r.page:<16} {r.queries_label:>8} {r.median_ms:>10.1f} {r.p95_ms:>8.1f} {r.cpu_ms:>7.1f}"
                    + (f"  ERROR {r.error}" if r.error else "")
                )
        failed = []
        small, large = counts[0], counts[-1]
        for name, result in measured[large].items():
            before = measured[small][name]
            if result.error or not result.median_ms <= TARGET_MS or result.queries != before.queries:
                failed.append(f"tickets {name}")
        out.write(
            self.command.style.ERROR("Tickets: FAIL " + ", ".join(failed))
            if failed
            else self.command.style.SUCCESS(
                f"Tickets: PASS (median under {TARGET_MS:.0f} ms, same queries at each count)"
            )
        )
        return failed

    def measure_call(self, day: dict, count: int, ticket_bench) -> Result:
        """叫下一位 at the busiest window, each timed request calling a ticket (before it, untimed, one more villager
        is sent to the window from the guide desk; after it the villager is served)."""
        desk, clerk = day["desk"], day["clerk"]
        client = Client()
        client.force_login(clerk)
        call_url = reverse("tickets:desk_action", args=[desk.kind, desk.pk, "call"])
        serve_url = reverse("tickets:desk_action", args=[desk.kind, desk.pk, "serve"])
        client.get(reverse("tickets:panel", args=[desk.kind, desk.pk]), secure=True)
        timings, cpu, queries = [], [], []
        for _ in range(count):
            version = ticket_bench.desk_version(desk, day["day"])
            if day["office"] is not None:
                ticket_bench.top_up(desk=desk, town=day["town"], office=day["office"])
            before = ticket_bench.TicketCall.objects.count()
            with CaptureQueriesContext(connection) as captured:
                started, started_cpu = time.perf_counter(), time.process_time()
                client.post(call_url, {"version": version}, secure=True)
                timings.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            if ticket_bench.TicketCall.objects.count() != before + 1:
                return Result("call next POST", (0, 0), math.nan, math.nan, "the call did not call (line empty?)")
            queries.append(len(captured))
            client.post(serve_url, {"version": version + 1}, secure=True)
        return Result(
            "call next POST",
            (min(queries), max(queries)),
            statistics.median(timings),
            percentile(timings, 0.95),
            cpu_ms=statistics.median(cpu),
        )


def _short(size: int) -> str:
    return f"{size // 1000}k" if size >= 1000 and size % 1000 == 0 else str(size)
