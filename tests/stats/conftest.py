"""Builders for the town office's month (issue 5): cases, steps, ratings and shifts made directly as rows, with
the times chosen by the test, so every statistic can be worked out by hand.

The shared role fixtures (town, village, department, cadre, clerk, town_office, ...) come from tests/conftest.py.
"""

import datetime as dt
import itertools
import secrets
from dataclasses import dataclass

import pytest
from django.utils import timezone

from cases import workflow
from cases.models import Case, CaseEvent, CaseStep, Rating, Rectification
from tests.factories import UserFactory, id_number

_numbers = itertools.count(1)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    """A moment of the hall's local time (Asia/Shanghai), timezone-aware."""
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute, second))


def mar(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    """A moment in March 2026, the month most tests here report on (1 March 2026 is a Sunday)."""
    return local(2026, 3, day, hour, minute, second)


@dataclass(frozen=True)
class Step:
    """One row of a case's pipeline as the test wants it: who, state, started, due, finished."""

    kind: str
    department: object = None
    state: str = CaseStep.State.DONE
    started: dt.datetime | None = None
    due: dt.datetime | None = None
    finished: dt.datetime | None = None
    desk_department: object = None
    time_limit_days: int = 1
    return_count: int = 0


def village_step(**kwargs) -> Step:
    return Step(kind=CaseStep.Kind.VILLAGE, **kwargs)


def desk_step(department, **kwargs) -> Step:
    return Step(kind=CaseStep.Kind.DEPARTMENT, department=department, **kwargs)


def county_step(department, desk_department=None, **kwargs) -> Step:
    return Step(kind=CaseStep.Kind.COUNTY, department=department, desk_department=desk_department, **kwargs)


def make_case(
    *,
    matter,
    village,
    received_at: dt.datetime,
    state: str,
    steps: list[Step],
    closed_at: dt.datetime | None = None,
    mediation_outcome: str = "",
    received_by=None,
    paused_at: dt.datetime | None = None,
    is_joint: bool | None = None,
    accepted_at: dt.datetime | None | str = "at intake",
    county_mode: str = "",
    proxy: str = "",
) -> Case:
    """A case row with its steps as given. is_joint follows the intake rule (a village step and a town desk step)
    unless the test says otherwise."""
    number = f"{village.town.code}-{timezone.localdate(received_at):%Y%m%d}-{next(_numbers):04d}"
    kinds = {step.kind for step in steps}
    if accepted_at == "at intake":  # 受理 with the materials complete, as intake does; 不予受理 never accepted
        accepted_at = None if state == Case.State.REFUSED else received_at
    case = Case.objects.create(
        number=number,
        token=secrets.token_urlsafe(24),
        town=village.town,
        matter=matter,
        village=village,
        applicant_name="黄必刘",
        applicant_id_number=id_number(),
        applicant_phone="13907715678",
        parties="黄某、农某" if mediation_outcome else "",
        mediation_outcome=mediation_outcome,
        state=state,
        paused_from=Case.State.IN_PROGRESS if state == Case.State.AWAITING else "",
        paused_at=paused_at,
        received_at=received_at,
        accepted_at=accepted_at,
        received_by=received_by or UserFactory(),
        closed_at=closed_at,
        closing_reason="材料不符合条件" if state in (Case.State.REJECTED, Case.State.WITHDRAWN) else "",
        is_joint={CaseStep.Kind.VILLAGE, CaseStep.Kind.DEPARTMENT} <= kinds if is_joint is None else is_joint,
        county_mode=county_mode,
        result_delivery=matter.result_delivery,  # copied at intake (cases.services.intake)
        proxy=proxy,
        proxy_name="黄志远" if proxy else "",
    )
    rows = CaseStep.objects.bulk_create(
        [
            CaseStep(
                case=case,
                town_id=case.town_id,
                village_id=case.village_id,
                order=order,
                kind=step.kind,
                department=step.department,
                desk_department=step.desk_department,
                county_mode="referral" if step.kind == CaseStep.Kind.COUNTY else "",
                action="审核" if step.kind != CaseStep.Kind.VILLAGE else "核实盖章",
                time_limit_days=step.time_limit_days,
                state=step.state,
                started_at=step.started,
                due_on=_due(step.due).due_on if step.due else None,
                due_at=_due(step.due).overdue_at if step.due else None,
                accepted_at=step.started,
                finished_at=step.finished,
                outcome="同意" if step.finished else "",
                return_count=step.return_count,
            )
            for order, step in enumerate(steps, start=1)
        ]
    )
    active = next((row for row in rows if row.state == CaseStep.State.ACTIVE), None)
    if active is not None:
        case.current_step = active
        case.save(update_fields=["current_step"])
    return case


def _due(end_of_due_day: dt.datetime) -> workflow.Deadline:
    """The tests write a due time as the end of the due day (its next midnight); the workflow stores the due date
    and the moment it becomes overdue (the start of the next working day)."""
    return workflow.extended(timezone.localdate(end_of_due_day - dt.timedelta(microseconds=1)), 0)


def rate(case: Case, level: int, at: dt.datetime, *, channel: str = Rating.Channel.QR) -> Rating:
    return Rating.objects.create(case=case, town_id=case.town_id, level=level, channel=channel, rated_at=at)


def rectify(
    rating: Rating, *, department, opened: dt.datetime, due: dt.datetime, done: dt.datetime | None = None
) -> Rectification:
    return Rectification.objects.create(
        rating=rating,
        town_id=rating.town_id,
        department=department,
        village=rating.case.village,
        opened_at=opened,
        due_on=_due(due).due_on,
        due_at=_due(due).overdue_at,
        action_taken="已重新办理并致歉" if done else "",
        callback_note="群众表示满意" if done else "",
        callback_at=done,
        done_at=done,
    )


def add_event(case: Case, *, action: str, at: dt.datetime, actor, step: CaseStep | None = None) -> CaseEvent:
    """Append to a case's hash chain by hand (the services do the same under the case lock)."""
    last = CaseEvent.objects.filter(case=case).order_by("-seq").first()
    event = CaseEvent(
        case=case,
        seq=last.seq + 1 if last else 1,
        at=at,
        actor=actor,
        actor_name=actor.get_full_name() if actor else "",
        action=action,
        step=step,
        from_state=case.state,
        to_state=case.state,
        prev_hash=last.hash if last else "",
    )
    event.hash = event.compute_hash()
    event.save()
    if action == CaseEvent.Action.MATERIALS_REQUESTED:  # as cases.services._core.transition does
        Case.objects.filter(pk=case.pk).update(had_materials_round=True)
    Case.objects.filter(pk=case.pk).update(history_length=event.seq, history_head=event.hash)
    return event


@pytest.fixture
def freeze(time_machine):
    """freeze(moment): every clock in the system (services, selectors, statistics, pages) reads `moment`."""

    def set_now(moment: dt.datetime) -> dt.datetime:
        time_machine.move_to(moment, tick=False)
        return moment

    return set_now
