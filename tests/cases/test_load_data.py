"""`generate_load_data` makes cases that keep every rule the services keep; `bench` can time the pages (issue 3, 13)."""

import io
import json
import re
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, Q
from stdnum.cn import ric

from cases.models import Case, CaseCounter, CaseEvent, CaseStep, Rating, Rectification
from villages.models import Consultation, Town

pytestmark = pytest.mark.django_db

NUMBER = re.compile(r"^(?P<town>\d+)-(?P<day>\d{8})-(?P<seq>\d{4,})$")


def generate(cases: int) -> None:
    # A short span, so that some of 60 cases are still open today.
    call_command("generate_load_data", cases=cases, years=0.25, seed=3, stdout=io.StringIO())


@pytest.fixture
def town():
    call_command("seed_demo", stdout=io.StringIO())
    return Town.objects.get(code="451425102")


@pytest.fixture
def generated(town):
    before = set(Case.objects.values_list("pk", flat=True))
    generate(60)
    return Case.objects.filter(town=town).exclude(pk__in=before)


def test_tops_the_town_up_to_the_requested_count(town, generated):
    assert Case.objects.filter(town=town).count() == 60
    assert Consultation.objects.filter(town=town).count() >= 60 // 3

    generate(80)
    assert Case.objects.filter(town=town).count() == 80

    generate(80)
    assert Case.objects.filter(town=town).count() == 80


def test_cases_are_open_and_closed(generated):
    states = set(generated.values_list("state", flat=True))

    assert Case.State.COMPLETED in states
    assert states & set(Case.OPEN_STATES)


def test_every_open_case_has_exactly_one_active_step_and_points_to_it(generated):
    open_cases = generated.filter(state__in=Case.OPEN_STATES).annotate(
        active=Count("steps", filter=Q(steps__state=CaseStep.State.ACTIVE))
    )

    assert open_cases.exists()
    for case in open_cases.select_related("current_step"):
        assert case.active == 1, case.number
        assert case.current_step.state == CaseStep.State.ACTIVE
        assert case.current_step.case_id == case.pk
        assert case.closed_at is None


def test_closed_cases_have_no_active_step(generated):
    closed = generated.filter(state__in=Case.CLOSED_STATES)

    assert not CaseStep.objects.filter(case__in=closed, state=CaseStep.State.ACTIVE).exists()
    assert not closed.filter(current_step__isnull=False).exists()
    assert not closed.filter(closed_at__isnull=True).exists()


def test_numbers_are_unique_daily_sequences_matching_the_counters(town, generated):
    numbers = list(Case.objects.filter(town=town).values_list("number", flat=True))
    last = defaultdict(int)
    for number in numbers:
        match = NUMBER.match(number)
        assert match and match["town"] == town.code, number
        last[match["day"]] = max(last[match["day"]], int(match["seq"]))

    assert len(numbers) == len(set(numbers))
    counters = {f"{c.date:%Y%m%d}": c.last for c in CaseCounter.objects.filter(town=town)}
    assert counters == dict(last)


def test_history_chains_verify(generated):
    out = io.StringIO()
    call_command("verify_history", stdout=out)

    assert "History intact" in out.getvalue()


def test_ratings_and_rectifications_are_in_the_history(generated):
    ratings = Rating.objects.filter(case__in=generated)
    events = CaseEvent.objects.filter(case__in=generated)

    assert ratings.exists()
    assert events.filter(action=CaseEvent.Action.RATED).count() == ratings.count()
    assert not ratings.exclude(case__state__in=[Case.State.COMPLETED, Case.State.REJECTED]).exists()
    done = Rectification.objects.filter(rating__case__in=generated, done_at__isnull=False)
    assert events.filter(action=CaseEvent.Action.RECTIFIED).count() == done.count()


def test_applicants_have_valid_id_numbers_and_mobile_phones(generated):
    for id_number, phone in generated.values_list("applicant_id_number", "applicant_phone"):
        assert ric.is_valid(id_number), id_number
        assert re.fullmatch(r"1[3-9]\d{9}", phone), phone


def test_steps_follow_the_route_and_the_timeline(generated):
    for case in generated.prefetch_related("steps"):
        steps = sorted(case.steps.all(), key=lambda s: s.order)
        assert [s.order for s in steps] == list(range(1, len(steps) + 1))
        for step in steps:
            if step.state in (CaseStep.State.DONE, CaseStep.State.SKIPPED):
                assert step.started_at and step.finished_at and step.due_at, (case.number, step.order)
                assert case.received_at <= step.started_at <= step.finished_at
            if step.state == CaseStep.State.PENDING:
                assert step.started_at is None


def test_bench_refuses_sqlite_unless_allowed():
    if connection.vendor == "postgresql":
        pytest.skip("the refusal is for other databases")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("bench", sizes="10", stdout=io.StringIO())


def test_bench_times_every_page_without_errors(town, tmp_path):
    report = tmp_path / "bench.json"

    call_command(
        "bench",
        sizes="30",
        requests=2,
        warmup=1,
        allow_sqlite=True,
        years=0.25,
        json_path=str(report),
        stdout=io.StringIO(),
    )

    pages = json.loads(report.read_text())["30"]["pages"]
    assert {"desk", "queue", "case detail", "public /t/", "track POST", "api case", "stats month"} <= set(pages)
    for name, result in pages.items():
        assert result["error"] == "", name
        assert result["queries"][0] >= 1


def test_generated_due_dates_follow_the_workflows_deadline_rule(generated):
    """The generator counts through cases.workflow with the holiday calendar: every started step's due date is the
    workflow's deadline from its start (moved later only by a stopped clock), and it becomes overdue at the start of
    the next working day after it."""
    from cases import workflow
    from cases.models import CaseEvent as E

    waited = set(E.objects.filter(case__in=generated, action=E.Action.MATERIALS_BROUGHT).values_list("case", flat=True))
    checked = 0
    for step in CaseStep.objects.filter(case__in=generated, started_at__isnull=False).select_related("case"):
        rule = workflow.deadline(step.started_at, step.time_limit_days)
        assert step.due_at == workflow.extended(step.due_on, 0).overdue_at, (step.case.number, step.order)
        if step.case_id in waited:
            assert step.due_on >= rule.due_on, (step.case.number, step.order)
        else:
            assert step.due_on == rule.due_on, (step.case.number, step.order)
        checked += 1
    assert checked > 60


def test_every_generated_event_is_a_move_of_the_workflows_table(generated):
    """The generator plays its cases through cases.workflow's moves: every history event is one the table allows
    (its action from its state to the state it records), each case's events follow one another state to state, and
    every case ends in the state its last event left it in."""
    from cases import workflow

    problems = []
    chains = defaultdict(list)
    for event in CaseEvent.objects.filter(case__in=generated).order_by("case", "seq"):
        chains[event.case_id].append(event)
        if not workflow.history_allows(event.action, event.from_state, event.to_state):
            problems.append(f"{event.case_id}#{event.seq} {event.action}: {event.from_state} → {event.to_state}")
    states = dict(generated.values_list("pk", "state"))
    for case_id, events in chains.items():
        assert events[0].action == CaseEvent.Action.RECEIVED
        for before, after in zip(events, events[1:], strict=False):
            if before.to_state != after.from_state:
                problems.append(f"{case_id}#{after.seq}: from {after.from_state}, but was {before.to_state}")
        if events[-1].to_state != states[case_id]:
            problems.append(f"{case_id}: is {states[case_id]}, history says {events[-1].to_state}")

    assert problems == []
    assert len(chains) == generated.count()


def test_generated_bad_ratings_say_why_and_answered_ones_record_the_callback(generated):
    """As services.ratings requires (国办发〔2019〕51号): every 差评 has a reason from the list; a rectification done
    has the villager's answer to the follow-up call."""
    ratings = Rating.objects.filter(case__in=generated)
    bad = ratings.filter(level__lte=Rating.Level.DISSATISFIED)
    assert bad.exists()
    for rating in bad:
        assert rating.reasons and set(rating.reasons) <= set(Rating.Reason.values), rating.reasons
    assert not ratings.filter(level__gt=Rating.Level.DISSATISFIED).exclude(reasons=[]).exists()
    done = Rectification.objects.filter(rating__in=bad, done_at__isnull=False)
    assert done.exists()
    assert not done.exclude(callback_result="satisfied").exists()
