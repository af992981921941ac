"""generate_load_data --jobs: processes that each take whole days (PostgreSQL), and the bench's throughput harness."""

import datetime as dt
import io
import re
import zoneinfo
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from cases.management.commands.generate_load_data import _by_day
from cases.models import Case, CaseCounter
from villages.models import Town

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
NUMBER = re.compile(r"^(?P<town>\d+)-(?P<day>\d{8})-(?P<seq>\d{4,})$")


def _moments(days: list[int], per_day: int) -> list[dt.datetime]:
    start = dt.datetime(2026, 3, 1, 9, tzinfo=TZ)
    return sorted(start + dt.timedelta(days=d, minutes=m) for d in days for m in range(per_day))


@pytest.mark.parametrize("jobs", [2, 3, 5])
def test_chunks_are_whole_days_in_order_and_cover_every_case(jobs):
    intake = _moments([0, 1, 1, 2, 5, 6, 9], per_day=7)
    chunks = _by_day(intake, jobs, TZ)

    assert [moment for chunk in chunks for moment in chunk] == intake
    assert 1 < len(chunks) <= jobs
    days = [{moment.astimezone(TZ).date() for moment in chunk} for chunk in chunks]
    for first, second in zip(days, days[1:], strict=False):
        assert not first & second  # a day's numbers come from one process
        assert max(first) < min(second)


def test_one_job_or_too_few_cases_is_one_chunk():
    intake = _moments([0, 1], per_day=2)
    assert _by_day(intake, 1, TZ) == [intake]
    assert _by_day(intake[:3], 2, TZ) == [intake[:3]]
    assert _by_day([], 4, TZ) == [[]]


def test_a_single_day_stays_in_one_chunk():
    intake = _moments([0], per_day=40)
    assert _by_day(intake, 3, TZ) == [intake]


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="--jobs forks processes with their own connections (PostgreSQL)"
)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_jobs_write_unique_daily_numbers_counters_and_chains_that_verify():
    call_command("seed_demo", stdout=io.StringIO())
    town = Town.objects.get(code="451425102")
    out = io.StringIO()
    call_command("generate_load_data", cases=400, years=0.5, seed=5, jobs=2, batch=60, stdout=out)

    assert Case.objects.filter(town=town).count() == 400
    assert out.getvalue().count("[process ") == 2  # each process reports its days and rows
    numbers = list(Case.objects.filter(town=town).values_list("number", flat=True))
    last = defaultdict(int)
    per_day = defaultdict(list)
    for number in numbers:
        match = NUMBER.match(number)
        per_day[match["day"]].append(int(match["seq"]))
        last[match["day"]] = max(last[match["day"]], int(match["seq"]))
    assert len(numbers) == len(set(numbers))
    for day, seqs in per_day.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), day  # no gap and no double from two processes
    assert {f"{c.date:%Y%m%d}": c.last for c in CaseCounter.objects.filter(town=town)} == dict(last)
    verified = io.StringIO()
    call_command("verify_history", stdout=verified)
    assert "History intact" in verified.getvalue()


@pytest.mark.django_db
def test_jobs_must_be_at_least_one():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--jobs"):
        call_command("generate_load_data", cases=10, jobs=0, stdout=io.StringIO())


# --- bench --throughput (loadtest/throughput.py) -------------------------------------------------------------


def test_a_bench_session_cookie_logs_the_user_in(cadre):
    from loadtest.throughput import session_cookie

    client = Client()
    for pair in session_cookie(cadre).split("; "):
        name, value = pair.split("=", 1)
        client.cookies[name] = value
    response = client.get("/desk/", secure=True)
    assert response.status_code == 200
    assert response.wsgi_request.user == cadre
    # With the CSRF cookie of a browser that has logged in: the desk's copy is kept, and answers the next request.
    assert response.context is not None and client.get("/desk/", secure=True).context is None


def test_the_throughput_table_marks_a_page_below_its_floor():
    from loadtest.throughput import Measured, table

    base = Measured("/healthz", rps=1000, median_ms=2.0, errors=0)
    fast = Measured("guide", rps=500, median_ms=4.0, errors=0, share=0.5, floor=0.4)
    slow = Measured("queue", rps=100, median_ms=20.0, errors=0, share=0.1, floor=0.2)
    failing = Measured("desk", rps=900, median_ms=2.0, errors=3, share=0.9, floor=0.2)

    assert fast.ok and not slow.ok and not failing.ok  # errors fail a page whatever its speed
    text = table([base, fast, slow, failing])
    assert "| guide | 500 | 4.0 ms | 50% | 40% | ok |" in text
    assert "| queue | 100 | 20.0 ms | 10% | 20% | BELOW |" in text
    assert "BELOW (3 errors)" in text


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_throughput_runs_gunicorn_and_measures_the_pages_against_healthz(cadre, monkeypatch, settings):
    import os

    from loadtest import throughput

    settings_dict = connection.settings_dict
    url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}"
        f"/{settings_dict['NAME']}"
    )
    monkeypatch.setattr(throughput, "SECONDS", 0.5)
    monkeypatch.setattr(throughput, "WARMUP", 0.2)
    monkeypatch.setitem(os.environ, "SECRET_KEY", settings.SECRET_KEY)
    lines = []
    results = throughput.run(
        url,
        [throughput.Target("guide", "/guide/"), throughput.Target("desk", "/desk/", cadre, throughput.STAFF_SHARE)],
        lines.append,
    )

    assert [r.name for r in results] == ["/healthz", "guide", "desk"]
    assert all(r.rps > 0 and r.errors == 0 for r in results), results
    assert results[2].floor == throughput.STAFF_SHARE and results[1].floor == throughput.PUBLIC_SHARE
    assert "2 sync workers" in lines[0]


# --- bench --county (cases/bench_county.py) --------------------------------------------------------------------


def test_bench_county_spreads_the_size_over_the_towns_and_times_the_county_pages(db, tmp_path):
    import json

    call_command("seed_demo", stdout=io.StringIO())
    report = tmp_path / "bench.json"
    call_command(
        "bench",
        sizes="45",
        requests=2,
        warmup=1,
        allow_sqlite=True,
        years=0.25,
        county=True,
        towns=3,
        json_path=str(report),
        stdout=io.StringIO(),
    )

    towns = list(Town.objects.order_by("code"))
    assert len(towns) == 3  # the sample towns were added, as many as asked for
    assert all(Case.objects.filter(town=town).count() >= 15 for town in towns)
    pages = json.loads(report.read_text())["45"]["pages"]
    assert {"desk", "queue", "hall board", "stats month", "county dashboard"} <= set(pages)
    for name, result in pages.items():
        assert result["error"] == "", name
    assert pages["desk"]["target_ms"] == 30.0 and pages["desk"]["max_ratio"] == 1.2
    assert pages["stats year"]["target_ms"] == 200.0
    assert pages["county dashboard"]["target_ms"] == 1000.0
    assert pages["hall board"]["queries"][0] >= 1  # the page's own cost, not the public cache's copy


# --- references checked once per batch (cases/loadgen/writing.py) ----------------------------------------------


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_batch_pointing_at_a_missing_row_is_refused_and_rolled_back():
    """With the constraints' per-row triggers off for the batch, the batch checks the references itself."""
    from django.db import IntegrityError
    from django.utils import timezone

    from cases.loadgen.writing import Inserter, Table
    from villages.models import Consultation, VillageCadre

    call_command("seed_demo", stdout=io.StringIO())
    town = Town.objects.get(code="451425102")
    table = Table(Consultation, tuple(f.attname for f in Consultation._meta.concrete_fields if not f.primary_key))
    inserter = Inserter([Consultation])
    assert inserter.checks_references  # the test database's user is a superuser, and the table has no own trigger
    cadre = VillageCadre.objects.filter(village__town=town).select_related("village").first()
    village, user_id = cadre.village, cadre.user_id

    def row(village_id):
        return table.row(
            {"town_id": town.pk, "village_id": village_id, "topic": "other", "recorded_at": timezone.now(),
             "recorded_by_id": user_id}
        )  # fmt: skip

    before = Consultation.objects.count()
    with inserter.batch():
        inserter.insert(table, [row(village.pk)])
    assert Consultation.objects.count() == before + 1
    with pytest.raises(IntegrityError, match="villages_village"), inserter.batch():
        inserter.insert(table, [row(village.pk), row(10**9)])
    assert Consultation.objects.count() == before + 1


def test_a_table_must_name_every_column():
    from cases.loadgen.writing import Table
    from villages.models import Consultation

    with pytest.raises(ValueError, match="missing"):
        Table(Consultation, ("town_id", "village_id"))
