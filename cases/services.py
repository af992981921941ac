"""Every change to a case happens here.

Each transition: one transaction, the case row locked (select_for_update), the actor's right and the expected
current state checked (a stale page or a double click is refused, never applied twice), the history event
appended in the same transaction, side effects only on commit.
"""

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from departments.models import Department, DepartmentMember

from . import access, history_keys, workflow
from .calendar import working_days_between
from .models import (
    Appointment,
    Case,
    CaseCounter,
    CaseEvent,
    CaseStep,
    Material,
    Matter,
    MediationOutcome,
    Rating,
    Rectification,
    SealUse,
)


class CaseError(Exception):
    """A refused action, with a message for the user (in Chinese through the catalogue). Its `code` says what kind
    of refusal it is, so views can answer it the right way and tests can tell a refusal for the wrong reason."""

    code = "refused"


class NotAllowed(CaseError):
    """Not this user's desk, village, department or role."""

    code = "not_allowed"


class WrongState(CaseError):
    """The case or step is not in a state where this can be done."""

    code = "wrong_state"


class InvalidInput(CaseError):
    """Something the user must write or choose is missing or does not fit."""

    code = "invalid_input"


class StaleError(WrongState):
    """The page was opened on an earlier version of the case (a double click, another user)."""

    code = "stale"


class DuplicateIntake(WrongState):
    """The same intake form was submitted twice; the first submission opened `case`."""

    def __init__(self, case: Case):
        super().__init__(
            _("This case was already opened (%(number)s); it was not opened twice.") % {"number": case.number}
        )
        self.case = case


@dataclass(frozen=True)
class Applicant:
    name: str
    id_number: str
    phone: str


STALE_MESSAGE = gettext_lazy(
    "This case has changed since the page was opened (perhaps a double click or another user). "
    "Nothing was done; check the case and try again."
)


def _now() -> dt.datetime:
    return timezone.now()


def _lock(case_id: int) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("matter", "village", "town").get(pk=case_id)


def _check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and case.version != expected_version:
        raise StaleError(str(STALE_MESSAGE))


def _actor_name(actor) -> str:
    return actor.get_full_name() if actor is not None else ""


def _append_event(
    case: Case,
    *,
    actor,
    action: str,
    at: dt.datetime,
    step: CaseStep | None = None,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
) -> CaseEvent:
    """Append to the hash chain, signed with the current history key. The caller holds the case row lock, so seq
    cannot race."""
    last = CaseEvent.objects.filter(case=case).order_by("-seq").values("seq", "hash").first()
    event = CaseEvent(
        case=case,
        seq=(last["seq"] + 1) if last else 1,
        at=at,
        actor=actor,
        actor_name=_actor_name(actor),
        action=action,
        step=step,
        from_state=from_state,
        to_state=to_state,
        note=note,
        prev_hash=last["hash"] if last else "",
        key_id=history_keys.current_key_id(),
    )
    event.hash = event.compute_hash()
    event.save()
    # The case keeps the chain's head, so deleting the newest event is as visible as changing an old one.
    Case.objects.filter(pk=case.pk).update(history_length=event.seq, history_head=event.hash)
    case.history_length, case.history_head = event.seq, event.hash
    return event


def _record(case: Case, **event) -> CaseEvent:
    """An event that leaves the case's state as it is (a step done, a booking, a rating…)."""
    return _append_event(case, from_state=case.state, to_state=case.state, **event)


def _save_case(case: Case, *fields: str) -> None:
    case.version += 1
    case.save(update_fields=[*fields, "version"])


def _active_step(case: Case) -> CaseStep:
    step = (
        CaseStep.objects.select_for_update(of=("self",))
        .select_related("department")
        .filter(case=case, state="active")
        .first()
    )
    if step is None:
        raise WrongState(_("This case has no step being handled."))
    return step


def _expect_step(case: Case, step_id: int | None) -> CaseStep:
    step = _active_step(case)
    if step_id is not None and step.pk != step_id:
        raise StaleError(str(STALE_MESSAGE))
    return step


def _require_open(case: Case, *, allow_awaiting: bool = False) -> None:
    if case.state in Case.CLOSED_STATES:
        raise WrongState(_("This case is already closed (%(state)s).") % {"state": case.get_state_display()})
    if case.state == Case.State.AWAITING and not allow_awaiting:
        raise WrongState(_("This case is awaiting materials; record that they were brought first."))


def _activate(case: Case, step: CaseStep, now: dt.datetime, actor) -> None:
    step.state = CaseStep.State.ACTIVE
    step.started_at = now
    due = workflow.deadline(now, step.time_limit_days)
    step.due_on, step.due_at = due.due_on, due.overdue_at
    step.accepted_at = None
    step.accepted_by = None
    step.finished_at = None
    step.finished_by = None
    step.save(
        update_fields=[
            "state",
            "started_at",
            "due_on",
            "due_at",
            "accepted_at",
            "accepted_by",
            "finished_at",
            "finished_by",
        ]
    )
    case.current_step = step
    if step.kind == CaseStep.Kind.COUNTY and step.county_mode == Matter.CountyMode.REFERRAL:
        _record(
            case,
            actor=actor,
            action=CaseEvent.Action.REFERRED,
            at=now,
            step=step,
            note=_("Approved form to be taken to %(department)s.") % {"department": step.department.name},  # type: ignore[union-attr]
        )


def _advance(case: Case, done_step: CaseStep, now: dt.datetime, actor) -> None:
    """Hand the case to the next waiting step, or complete it when none is left."""
    nxt = (
        CaseStep.objects.select_for_update(of=("self",))
        .select_related("department")
        .filter(case=case, order__gt=done_step.order, state__in=[CaseStep.State.PENDING, CaseStep.State.RETURNED])
        .order_by("order")
        .first()
    )
    before = case.state
    if nxt is None:
        case.state = Case.State.COMPLETED
        case.closed_at = now
        case.current_step = None
        _save_case(case, "state", "closed_at", "current_step")
        _append_event(
            case, actor=actor, action=CaseEvent.Action.COMPLETED, at=now, from_state=before, to_state=case.state
        )
        return
    if case.state == Case.State.RECEIVED:
        case.state = Case.State.IN_PROGRESS
    _activate(case, nxt, now, actor)
    _save_case(case, "state", "current_step")
    _append_event(
        case,
        actor=actor,
        action=CaseEvent.Action.STEP_STARTED,
        at=now,
        step=nxt,
        from_state=before,
        to_state=case.state,
        note=nxt.label,
    )


def _next_case_number(town, now: dt.datetime) -> str:
    """<town code>-<YYYYMMDD>-<NNNN>: the counter row is locked, so parallel intakes queue here."""
    today = timezone.localdate(now)
    CaseCounter.objects.bulk_create([CaseCounter(town=town, date=today, last=0)], ignore_conflicts=True)
    counter = CaseCounter.objects.select_for_update().get(town=town, date=today)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{town.code}-{today:%Y%m%d}-{counter.last:04d}"


def _copy_route(case: Case, matter: Matter) -> list[CaseStep]:
    """Copy the matter's route into the case: later catalogue edits never change a case in flight."""
    steps: list[CaseStep] = []
    order = 1
    if matter.needs_village_certificate:
        steps.append(
            CaseStep(
                case=case,
                order=order,
                kind=CaseStep.Kind.VILLAGE,
                action=_("Verify the facts and stamp the village certificate"),
                time_limit_days=matter.village_time_limit_days,
            )
        )
        order += 1
    last_town_department = None
    for route_step in matter.route.select_related("department").order_by("order"):
        steps.append(
            CaseStep(
                case=case,
                order=order,
                kind=CaseStep.Kind.DEPARTMENT,
                department=route_step.department,
                action=route_step.action,
                time_limit_days=route_step.time_limit_days,
            )
        )
        last_town_department = route_step.department
        order += 1
    if matter.county_mode:
        steps.append(
            CaseStep(
                case=case,
                order=order,
                kind=CaseStep.Kind.COUNTY,
                department=matter.county_department,
                desk_department=last_town_department,
                county_mode=matter.county_mode,
                action=matter.county_action or matter.get_county_mode_display(),
                time_limit_days=matter.county_time_limit_days,
            )
        )
    return CaseStep.objects.bulk_create(steps)


def case_intake(
    *,
    actor,
    matter: Matter,
    village,
    hamlet=None,
    applicant: Applicant,
    notes: str = "",
    received_material_ids: list[int] | tuple[int, ...] = (),
    open_awaiting: bool = False,
    intake_department: Department | None = None,
    intake_key: uuid.UUID | None = None,
    parties: str = "",
) -> Case:
    """Open a case. A cadre takes in for their own village; a clerk, at their desk, only a matter that needs no
    village certificate. A required material missing means: open it as awaiting materials, or don't open it."""
    if intake_department is None:
        if not access.is_cadre_of(actor, village.pk):
            raise NotAllowed(_("You can only take in cases for your own village."))
    else:
        if not access.is_clerk_of(actor, intake_department.pk):
            raise NotAllowed(_("You are not a clerk of this department."))
        if matter.needs_village_certificate:
            raise WrongState(
                _("This matter needs the village certificate first: send the villager to the village desk.")
            )
        if intake_department.town_id != matter.town_id:
            raise NotAllowed(_("This matter belongs to another town."))
    if not matter.is_active:
        raise NotAllowed(_("This matter is not in the published catalogue."))
    if matter.town_id != village.town_id:
        raise NotAllowed(_("This matter belongs to another town."))
    if hamlet is not None and hamlet.village_id != village.pk:
        raise InvalidInput(_("The hamlet does not belong to this village."))

    materials = list(Material.objects.filter(matter=matter).order_by("order", "id"))
    received = set(received_material_ids)
    unknown = received - {m.pk for m in materials}
    if unknown:
        raise InvalidInput(_("The materials checklist does not match this matter; reload the page."))
    snapshot: list[dict] = [
        {
            "id": m.pk,
            "name": m.name,
            "form": m.get_form_display(),
            "copies": m.copies,
            "required": m.is_required,
            "received": m.pk in received,
        }
        for m in materials
    ]
    missing = [m["name"] for m in snapshot if m["required"] and not m["received"]]
    if missing and not open_awaiting:
        raise WrongState(
            _("Required materials are missing: %(missing)s. Record a consultation or open it as awaiting materials.")
            % {"missing": "、".join(missing)}
        )
    if not missing and open_awaiting:
        open_awaiting = False
    parties = parties.strip()
    if matter.category == Matter.Category.DISPUTE and not parties:
        raise InvalidInput(_("Name the parties to the dispute."))

    if intake_key is not None:
        existing = Case.objects.filter(intake_key=intake_key).first()
        if existing is not None:
            raise DuplicateIntake(existing)
    try:
        with transaction.atomic():
            case = _open_case(
                actor=actor,
                matter=matter,
                village=village,
                hamlet=hamlet,
                applicant=applicant,
                notes=notes,
                snapshot=snapshot,
                missing=missing,
                open_awaiting=open_awaiting,
                intake_department=intake_department,
                intake_key=intake_key,
                parties=parties,
            )
    except IntegrityError:
        # Two submissions of one form raced past the check above: the unique key let exactly one through.
        existing = Case.objects.filter(intake_key=intake_key).first() if intake_key else None
        if existing is None:
            raise
        raise DuplicateIntake(existing) from None
    return case


def _open_case(
    *,
    actor,
    matter,
    village,
    hamlet,
    applicant,
    notes,
    snapshot,
    missing,
    open_awaiting,
    intake_department,
    intake_key,
    parties,
) -> Case:
    now = _now()
    promised = workflow.deadline(now, matter.promised_days)
    case = Case(
        number=_next_case_number(village.town, now),
        token=secrets.token_urlsafe(24),
        town=village.town,
        matter=matter,
        village=village,
        hamlet=hamlet,
        applicant_name=applicant.name.strip(),
        applicant_id_number=applicant.id_number.strip().upper(),
        applicant_phone=applicant.phone.strip(),
        notes=notes.strip(),
        parties=parties,
        materials=snapshot,
        state=Case.State.RECEIVED,
        received_at=now,
        received_by=actor,
        intake_department=intake_department,
        intake_key=intake_key,
        expected_on=promised.due_on,
        expected_at=promised.overdue_at,
    )
    case.save()
    steps = _copy_route(case, matter)
    # 村镇联办: a village certificate and a town desk in one case; fixed here because the steps are.
    case.is_joint = {CaseStep.Kind.VILLAGE, CaseStep.Kind.DEPARTMENT} <= {step.kind for step in steps}
    _append_event(
        case,
        actor=actor,
        action=CaseEvent.Action.RECEIVED,
        at=now,
        to_state=Case.State.RECEIVED,
        note=matter.name,
    )
    if not steps:
        raise WrongState(_("This matter has no route; the town office must complete the catalogue."))
    first = steps[0]
    _activate(case, first, now, actor)
    fields = ["current_step", "is_joint"]
    if open_awaiting:
        case.state = Case.State.AWAITING
        case.paused_from = Case.State.RECEIVED
        case.paused_at = now
        fields += ["state", "paused_from", "paused_at"]
    _save_case(case, *fields)
    _append_event(
        case,
        actor=actor,
        action=CaseEvent.Action.STEP_STARTED,
        at=now,
        step=first,
        from_state=Case.State.RECEIVED,
        to_state=Case.State.RECEIVED,
        note=first.label,
    )
    if open_awaiting:
        _append_event(
            case,
            actor=actor,
            action=CaseEvent.Action.MATERIALS_REQUESTED,
            at=now,
            step=first,
            from_state=Case.State.RECEIVED,
            to_state=Case.State.AWAITING,
            note="、".join(missing),
        )
    return case


def case_stamp(
    *,
    actor,
    case_id: int,
    step_id: int | None = None,
    expected_version: int | None = None,
    seal_confirmed: bool,
    note: str = "",
) -> Case:
    """Only a cadre of the case's village verifies and stamps the village certificate; each seal use is logged."""
    if not seal_confirmed:
        raise InvalidInput(_("Confirm that the village seal was used."))
    with transaction.atomic():
        case = _lock(case_id)
        _check_version(case, expected_version)
        if not access.is_cadre_of(actor, case.village_id):
            raise NotAllowed(
                _("Only a cadre of %(village)s may stamp its certificate.") % {"village": case.village.name}
            )
        _require_open(case)
        step = _expect_step(case, step_id)
        if step.kind != CaseStep.Kind.VILLAGE:
            raise StaleError(str(STALE_MESSAGE))
        now = _now()
        step.state = CaseStep.State.DONE
        step.accepted_at = step.accepted_at or now
        step.accepted_by = step.accepted_by or actor
        step.finished_at = now
        step.finished_by = actor
        step.outcome = note.strip() or _("Facts verified; village certificate stamped.")
        step.save(update_fields=["state", "accepted_at", "accepted_by", "finished_at", "finished_by", "outcome"])
        SealUse.objects.create(
            village=case.village,
            seal=_("%(village)s villagers' committee seal") % {"village": case.village.name},
            case=case,
            step=step,
            used_by=actor,
            used_at=now,
            purpose=_("Village certificate for %(matter)s, case %(number)s")
            % {"matter": case.matter.name, "number": case.number},
        )
        before = case.state
        _append_event(
            case,
            actor=actor,
            action=CaseEvent.Action.STAMPED,
            at=now,
            step=step,
            from_state=before,
            to_state=before,
            note=step.outcome,
        )
        _advance(case, step, now, actor)
    return case


def _require_clerk_of_step(actor, step: CaseStep) -> None:
    if step.kind == CaseStep.Kind.DEPARTMENT:
        if not access.is_clerk_of(actor, step.department_id):
            raise NotAllowed(_("This case is not at your department."))
    elif step.kind == CaseStep.Kind.COUNTY:
        raise WrongState(_("This case is at the county step."))
    else:
        raise WrongState(_("This case is still at the village desk."))


def step_accept(*, actor, case_id: int, step_id: int | None = None, expected_version: int | None = None) -> Case:
    """接件: the clerk confirms the paper file arrived at the desk."""
    with transaction.atomic():
        case = _lock(case_id)
        _check_version(case, expected_version)
        step = _expect_step(case, step_id)
        _require_clerk_of_step(actor, step)
        _require_open(case)
        if step.accepted_at is not None:
            raise StaleError(_("The file was already received at this desk."))
        now = _now()
        step.accepted_at = now
        step.accepted_by = actor
        step.save(update_fields=["accepted_at", "accepted_by"])
        before = case.state
        if case.state == Case.State.RECEIVED:
            case.state = Case.State.IN_PROGRESS
        _save_case(case, "state")
        _append_event(
            case,
            actor=actor,
            action=CaseEvent.Action.ACCEPTED,
            at=now,
            step=step,
            from_state=before,
            to_state=case.state,
        )
    return case


def step_complete(
    *,
    actor,
    case_id: int,
    step_id: int | None = None,
    expected_version: int | None = None,
    outcome: str,
    mediation_outcome: str = "",
) -> Case:
    """The clerk finishes the department's step; the next desk's step becomes active (or the case completes).

    For a dispute, the last town desk records how the mediation ended (调解成功 / 未成功 / 转交).
    """
    outcome = outcome.strip()
    if not outcome:
        raise InvalidInput(_("Write what the department did (the result)."))
    if mediation_outcome and mediation_outcome not in MediationOutcome.values:
        raise InvalidInput(_("Choose how the mediation ended."))
    with transaction.atomic():
        case = _lock(case_id)
        _check_version(case, expected_version)
        step = _expect_step(case, step_id)
        _require_clerk_of_step(actor, step)
        _require_open(case)
        now = _now()
        if step.accepted_at is None:
            step.accepted_at = now
            step.accepted_by = actor
        step.state = CaseStep.State.DONE
        step.finished_at = now
        step.finished_by = actor
        step.outcome = outcome
        if case.matter.category == Matter.Category.DISPUTE:
            is_last_desk = not CaseStep.objects.filter(
                case=case, order__gt=step.order, kind=CaseStep.Kind.DEPARTMENT
            ).exists()
            if is_last_desk and not mediation_outcome:
                raise InvalidInput(_("Choose how the mediation ended."))
            if mediation_outcome:
                case.mediation_outcome = mediation_outcome
                _save_case(case, "mediation_outcome")
                outcome = f"{MediationOutcome(mediation_outcome).label}：{outcome}"
                step.outcome = outcome
        step.save(update_fields=["state", "accepted_at", "accepted_by", "finished_at", "finished_by", "outcome"])
        _record(case, actor=actor, action=CaseEvent.Action.STEP_DONE, at=now, step=step, note=outcome)
        _advance(case, step, now, actor)
    return case


def _may_handle_materials(actor, case: Case, step: CaseStep) -> bool:
    if step.kind == CaseStep.Kind.VILLAGE:
        return access.is_cadre_of(actor, case.village_id)
    if step.kind == CaseStep.Kind.COUNTY:
        return access.is_clerk_of(actor, step.desk_department_id) or (
            step.desk_department_id is None and access.is_cadre_of(actor, case.village_id)
        )
    return access.is_clerk_of(actor, step.department_id)


def case_request_materials(
    *, actor, case_id: int, step_id: int | None = None, expected_version: int | None = None, missing: str
) -> Case:
    """Ask for missing materials: the case waits and its clock stops until they are brought."""
    missing = missing.strip()
    if not missing:
        raise InvalidInput(_("List the missing materials for the one-time notice."))
    with transaction.atomic():
        case = _lock(case_id)
        _check_version(case, expected_version)
        step = _expect_step(case, step_id)
        if not _may_handle_materials(actor, case, step):
            raise NotAllowed(_("This case is not at your desk."))
        _require_open(case)
        now = _now()
        before = case.state
        case.paused_from = case.state
        case.state = Case.State.AWAITING
        case.paused_at = now
        _save_case(case, "state", "paused_from", "paused_at")
        _append_event(
            case,
            actor=actor,
            action=CaseEvent.Action.MATERIALS_REQUESTED,
            at=now,
            step=step,
            from_state=before,
            to_state=case.state,
            note=missing,
        )
    return case


def case_materials_brought(*, actor, case_id: int, expected_version: int | None = None, note: str = "") -> Case:
    """The villager brought what was missing: the clock restarts, the due time moves by the days waited."""
    with transaction.atomic():
        case = _lock(case_id)
        _check_version(case, expected_version)
        if case.state != Case.State.AWAITING:
            raise StaleError(_("This case is not awaiting materials."))
        step = _active_step(case)
        if not (_may_handle_materials(actor, case, step) or access.is_cadre_of(actor, case.village_id)):
            raise NotAllowed(_("This case is not at your desk."))
        now = _now()
        waited = working_days_between(case.paused_at, now)  # type: ignore[arg-type]  # set while AWAITING
        if step.due_on is not None and waited:
            due = workflow.extended(step.due_on, waited)
            step.due_on, step.due_at = due.due_on, due.overdue_at
            step.save(update_fields=["due_on", "due_at"])
        if case.expected_on is not None and waited:
            promised = workflow.extended(case.expected_on, waited)
            case.expected_on, case.expected_at = promised.due_on, promised.overdue_at
        if case.materials:
            case.materials = [{**m, "received": True} for m in case.materials]
        case.state = case.paused_from or Case.State.IN_PROGRESS
        case.paused_from = ""
        case.paused_at = None
        _save_case(case, "state", "paused_from", "paused_at", "expected_on", "expected_at", "materials")
        _append_event(
            case,
            actor=actor,
            action=CaseEvent.Action.MATERIALS_BROUGHT,
            at=now,
            step=step,
            from_state=Case.State.AWAITING,
            to_state=case.state,
            note=note.strip() or _("Clock stopped for %(days)s working day(s).") % {"days": waited},
        )
    return case


def step_return(
    *, actor, case_id: int, step_id: int | None = None, expected_version: int | None = None, reason: str
) -> Case:
    """Send the case back one step (e.g. the village certificate is incomplete)."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("A reason is required to return a case."))
    with transaction.atomic():
        case = _lock(case_id)
        _check_version(case, expected_version)
        step = _expect_step(case, step_id)
        _require_clerk_of_step(actor, step)
        _require_open(case)
        previous = (
            CaseStep.objects.select_for_update(of=("self",))
            .filter(case=case, order__lt=step.order, state=CaseStep.State.DONE)
            .order_by("-order")
            .first()
        )
        if previous is None:
            raise WrongState(_("There is no previous step to return to."))
        now = _now()
        step.state = CaseStep.State.RETURNED
        step.return_count += 1
        step.save(update_fields=["state", "return_count"])
        _activate(case, previous, now, actor)
        _save_case(case, "current_step")
        _record(case, actor=actor, action=CaseEvent.Action.RETURNED, at=now, step=previous, note=reason)
    return case


def _cancel_open_appointments(step: CaseStep, now: dt.datetime, reason: str) -> None:
    """A step that ends other than by its appointment takes its open appointment with it."""
    Appointment.objects.filter(step=step, state__in=[Appointment.State.BOOKED, Appointment.State.CONFIRMED]).update(
        state=Appointment.State.CANCELLED, finished_at=now, note=reason
    )


def _close(case: Case, *, actor, now, state: str, reason: str, action: str, step: CaseStep | None) -> None:
    before = case.state
    if step is not None:
        _cancel_open_appointments(step, now, reason)
        step.state = CaseStep.State.DONE if state == Case.State.REJECTED else CaseStep.State.SKIPPED
        step.finished_at = now
        step.finished_by = actor
        step.outcome = reason
        step.save(update_fields=["state", "finished_at", "finished_by", "outcome"])
    case.state = state
    case.closed_at = now
    case.closing_reason = reason
    case.current_step = None
    case.paused_at = None
    case.paused_from = ""
    _save_case(case, "state", "closed_at", "closing_reason", "current_step", "paused_at", "paused_from")
    _append_event(case, actor=actor, action=action, at=now, step=step, from_state=before, to_state=state, note=reason)


def case_reject(
    *, actor, case_id: int, step_id: int | None = None, expected_version: int | None = None, reason: str
) -> Case:
    """不予受理/不予办理: the desk handling the case refuses it, with a reason printed on the notice."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("A reason is required to reject a case."))
    with transaction.atomic():
        case = _lock(case_id)
        _check_version(case, expected_version)
        _require_open(case, allow_awaiting=True)
        step = _expect_step(case, step_id)
        if step.kind == CaseStep.Kind.VILLAGE:
            if not access.is_cadre_of(actor, case.village_id):
                raise NotAllowed(_("This case is not at your desk."))
        else:
            _require_clerk_of_step(actor, step)
        _close(
            case,
            actor=actor,
            now=_now(),
            state=Case.State.REJECTED,
            reason=reason,
            action=CaseEvent.Action.REJECTED,
            step=step,
        )
    return case


def case_withdraw(*, actor, case_id: int, expected_version: int | None = None, reason: str) -> Case:
    """Withdrawal at the villager's request, by a cadre of the village or the clerk now handling it."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("A reason is required to withdraw a case."))
    with transaction.atomic():
        case = _lock(case_id)
        _check_version(case, expected_version)
        _require_open(case, allow_awaiting=True)
        step = _active_step(case)
        allowed = (
            access.is_cadre_of(actor, case.village_id)
            or (step.department_id is not None and access.is_clerk_of(actor, step.department_id))
            or (step.kind == CaseStep.Kind.COUNTY and access.is_clerk_of(actor, step.desk_department_id))
        )
        if not allowed:
            raise NotAllowed(_("Only a cadre of the village or the clerk now handling the case may withdraw it."))
        _close(
            case,
            actor=actor,
            now=_now(),
            state=Case.State.WITHDRAWN,
            reason=reason,
            action=CaseEvent.Action.WITHDRAWN,
            step=step,
        )
    return case


def step_skip(
    *, actor, case_id: int, step_id: int | None = None, expected_version: int | None = None, reason: str
) -> Case:
    """Only the town office skips a step, with a reason (e.g. the department's part was done elsewhere)."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("A reason is required to skip a step."))
    with transaction.atomic():
        case = _lock(case_id)
        _check_version(case, expected_version)
        if not access.is_office_of(actor, case.town_id):
            raise NotAllowed(_("Only the town office may skip a step."))
        _require_open(case)
        step = _expect_step(case, step_id)
        now = _now()
        _cancel_open_appointments(step, now, reason)
        step.state = CaseStep.State.SKIPPED
        step.finished_at = now
        step.finished_by = actor
        step.outcome = reason
        step.save(update_fields=["state", "finished_at", "finished_by", "outcome"])
        _record(case, actor=actor, action=CaseEvent.Action.SKIPPED, at=now, step=step, note=reason)
        _advance(case, step, now, actor)
    return case


# --- the county step -------------------------------------------------------------------------------------------


def _require_county_desk(actor, case: Case, step: CaseStep) -> None:
    if step.kind != CaseStep.Kind.COUNTY:
        raise StaleError(_("This case is not at the county step."))
    if step.desk_department_id is not None:
        if not access.is_clerk_of(actor, step.desk_department_id):
            raise NotAllowed(_("Only the desk that handed the case to the county may do this."))
    elif not access.is_cadre_of(actor, case.village_id):
        raise NotAllowed(_("Only a cadre of the village may do this."))


def _finish_county_step(case: Case, step: CaseStep, *, actor, now: dt.datetime, outcome: str) -> None:
    """The county's result is in (at the hall or from the county office): the step is done, the case moves on."""
    step.state = CaseStep.State.DONE
    step.accepted_at = step.accepted_at or now
    step.finished_at = now
    step.finished_by = actor
    step.outcome = outcome
    step.save(update_fields=["state", "accepted_at", "finished_at", "finished_by", "outcome"])
    _record(case, actor=actor, action=CaseEvent.Action.COUNTY_DONE, at=now, step=step, note=outcome)
    _advance(case, step, now, actor)


def appointment_book(
    *,
    actor,
    case_id: int,
    step_id: int | None = None,
    expected_version: int | None = None,
    date: dt.date,
    time: dt.time,
    place: str,
    note: str = "",
) -> Appointment:
    """Book the county department to come to the hall (县级约办). One open appointment per step."""
    with transaction.atomic():
        case = _lock(case_id)
        _check_version(case, expected_version)
        _require_open(case)
        step = _expect_step(case, step_id)
        _require_county_desk(actor, case, step)
        if step.county_mode != Matter.CountyMode.APPOINTMENT:
            raise WrongState(_("This county step is a referral, not an appointment."))
        now = _now()
        if date < timezone.localdate(now):
            raise WrongState(_("The appointment date has passed."))
        if Appointment.objects.filter(
            step=step, state__in=[Appointment.State.BOOKED, Appointment.State.CONFIRMED]
        ).exists():
            raise StaleError(_("An appointment is already booked for this case."))
        appointment = Appointment.objects.create(
            case=case,
            step=step,
            department=step.department,  # type: ignore[misc]  # a county step has its department
            date=date,
            time=time,
            place=place.strip() or _("Town service hall"),
            booked_by=actor,
            booked_at=now,
            note=note.strip(),
        )
        if case.state == Case.State.RECEIVED:
            case.state = Case.State.IN_PROGRESS
        _save_case(case, "state")
        _record(
            case,
            actor=actor,
            action=CaseEvent.Action.BOOKED,
            at=now,
            step=step,
            note=f"{step.department.name} {date:%Y-%m-%d} {time:%H:%M} {appointment.place}",  # type: ignore[union-attr]
        )
    return appointment


def _lock_appointment(appointment_id: int) -> tuple[Case, Appointment]:
    case_id = Appointment.objects.values_list("case_id", flat=True).get(pk=appointment_id)
    case = _lock(case_id)
    appointment = (
        Appointment.objects.select_for_update(of=("self",)).select_related("step", "department").get(pk=appointment_id)
    )
    return case, appointment


def appointment_confirm(*, actor, appointment_id: int) -> Appointment:
    with transaction.atomic():
        case, appointment = _lock_appointment(appointment_id)
        if not access.is_county_officer_of(actor, appointment.department_id):
            raise NotAllowed(_("This appointment is for another department."))
        if appointment.state != Appointment.State.BOOKED:
            raise StaleError(_("This appointment is no longer waiting for confirmation."))
        _require_open(case, allow_awaiting=True)
        now = _now()
        appointment.state = Appointment.State.CONFIRMED
        appointment.confirmed_by = actor
        appointment.confirmed_at = now
        appointment.save(update_fields=["state", "confirmed_by", "confirmed_at"])
        _save_case(case)
        _record(
            case,
            actor=actor,
            action=CaseEvent.Action.CONFIRMED,
            at=now,
            step=appointment.step,
            note=f"{appointment.date:%Y-%m-%d} {appointment.time:%H:%M}",
        )
    return appointment


def appointment_done(*, actor, appointment_id: int, outcome: str) -> Appointment:
    """The county officer handled the matter at the hall: the county step is done and the case completes."""
    outcome = outcome.strip()
    if not outcome:
        raise InvalidInput(_("Write the county's result."))
    with transaction.atomic():
        case, appointment = _lock_appointment(appointment_id)
        if not access.is_county_officer_of(actor, appointment.department_id):
            raise NotAllowed(_("This appointment is for another department."))
        if appointment.state not in (Appointment.State.BOOKED, Appointment.State.CONFIRMED):
            raise StaleError(_("This appointment is already closed."))
        _require_open(case)
        step = appointment.step
        if step.state != CaseStep.State.ACTIVE:
            raise StaleError(str(STALE_MESSAGE))
        now = _now()
        appointment.state = Appointment.State.DONE
        appointment.finished_at = now
        appointment.note = outcome
        appointment.save(update_fields=["state", "finished_at", "note"])
        step = CaseStep.objects.select_for_update().get(pk=step.pk)
        _finish_county_step(case, step, actor=actor, now=now, outcome=outcome)
    return appointment


def appointment_no_show(*, actor, appointment_id: int, note: str = "") -> Appointment:
    """Nobody came (the villager or the county staff): the appointment closes and the desk rebooks."""
    with transaction.atomic():
        case, appointment = _lock_appointment(appointment_id)
        allowed = access.is_county_officer_of(actor, appointment.department_id)
        if not allowed:
            try:
                _require_county_desk(actor, case, appointment.step)
                allowed = True
            except CaseError:
                allowed = False
        if not allowed:
            raise NotAllowed(_("This appointment is for another department."))
        if appointment.state not in (Appointment.State.BOOKED, Appointment.State.CONFIRMED):
            raise StaleError(_("This appointment is already closed."))
        _require_open(case, allow_awaiting=True)
        now = _now()
        appointment.state = Appointment.State.NO_SHOW
        appointment.finished_at = now
        appointment.note = note.strip()
        appointment.save(update_fields=["state", "finished_at", "note"])
        _save_case(case)
        _record(case, actor=actor, action=CaseEvent.Action.NO_SHOW, at=now, step=appointment.step, note=note.strip())
    return appointment


def county_record_outcome(
    *, actor, case_id: int, step_id: int | None = None, expected_version: int | None = None, outcome: str
) -> Case:
    """For a referral: the desk records what the county office decided, which completes the case."""
    outcome = outcome.strip()
    if not outcome:
        raise InvalidInput(_("Write the county's result."))
    with transaction.atomic():
        case = _lock(case_id)
        _check_version(case, expected_version)
        _require_open(case)
        step = _expect_step(case, step_id)
        _require_county_desk(actor, case, step)
        if step.county_mode != Matter.CountyMode.REFERRAL:
            raise WrongState(_("This county step is an appointment: the county officer records it."))
        _finish_county_step(case, step, actor=actor, now=_now(), outcome=outcome)
    return case


# --- 好差评 and 整改 ---------------------------------------------------------------------------------------------

RECTIFICATION_DAYS = 15
RATEABLE_STATES = (Case.State.COMPLETED, Case.State.REJECTED)


def _may_record_rating(actor, case: Case) -> bool:
    if actor is None:
        return False
    return (
        access.is_cadre_of(actor, case.village_id)
        or CaseStep.objects.filter(
            case=case,
            department__members__user=actor,
            department__members__is_active=True,
            department__members__role=DepartmentMember.Role.CLERK,
        )
        .exclude(state=CaseStep.State.PENDING)
        .exists()
    )


def rating_submit(*, case_id: int, level: int, comment: str = "", channel: str, actor=None) -> Rating:
    """Once a case is finished the villager rates it once. 不满意 and 非常不满意 open a rectification for the
    department of the last step (or the village, if the village desk was last), due in 15 working days."""
    if level not in Rating.Level.values:
        raise InvalidInput(_("Choose one of the five ratings."))
    if channel not in Rating.Channel.values:
        raise InvalidInput(_("Unknown rating channel."))
    with transaction.atomic():
        case = _lock(case_id)
        if channel == Rating.Channel.DESK and not _may_record_rating(actor, case):
            raise NotAllowed(_("Only a cadre of the village or a clerk who handled the case may record its rating."))
        if case.state not in RATEABLE_STATES:
            raise WrongState(_("A case can be rated once it is finished."))
        if Rating.objects.filter(case=case).exists():
            raise StaleError(_("This case has already been rated. Thank you."))
        now = _now()
        rating = Rating.objects.create(
            case=case,
            town_id=case.town_id,
            level=level,
            comment=comment.strip()[:500],
            channel=channel,
            rated_at=now,
            recorded_by=actor if channel == Rating.Channel.DESK else None,
        )
        _record(
            case,
            actor=actor if channel == Rating.Channel.DESK else None,
            action=CaseEvent.Action.RATED,
            at=now,
            note=str(rating.get_level_display()),
        )
        if rating.is_bad:
            last = (
                CaseStep.objects.filter(case=case, finished_at__isnull=False)
                .select_related("department", "desk_department")
                .order_by("-finished_at", "-order")
                .first()
            )
            # The county has no clerks here: after a county step the town desk that handed it on answers,
            # and when the village booked it (no town desk), the village does.
            department = None
            if last is not None and last.kind == CaseStep.Kind.COUNTY:
                department = last.desk_department
            elif last is not None:
                department = last.department
            due = workflow.deadline(now, RECTIFICATION_DAYS)
            Rectification.objects.create(
                rating=rating,
                department=department,
                village=case.village,
                opened_at=now,
                due_on=due.due_on,
                due_at=due.overdue_at,
            )
    return rating


def rectification_answer(*, actor, rectification_id: int, action_taken: str, callback_note: str) -> Rectification:
    """The responsible desk records what was done and the follow-up call; then the rectification is done."""
    action_taken, callback_note = action_taken.strip(), callback_note.strip()
    if not action_taken or not callback_note:
        raise InvalidInput(_("Record both what was done and the follow-up call."))
    with transaction.atomic():
        case_id = Rectification.objects.values_list("rating__case_id", flat=True).get(pk=rectification_id)
        case = _lock(case_id)
        rectification = Rectification.objects.select_for_update().get(pk=rectification_id)
        if rectification.department_id is not None:
            allowed = access.is_clerk_of(actor, rectification.department_id)
        else:
            allowed = access.is_cadre_of(actor, rectification.village_id)
        if not allowed:
            raise NotAllowed(_("This rectification belongs to another desk."))
        if rectification.done_at is not None:
            raise StaleError(_("This rectification is already done."))
        now = _now()
        rectification.action_taken = action_taken
        rectification.callback_note = callback_note
        rectification.callback_at = now
        rectification.done_at = now
        rectification.done_by = actor
        rectification.save(update_fields=["action_taken", "callback_note", "callback_at", "done_at", "done_by"])
        _record(case, actor=actor, action=CaseEvent.Action.RECTIFIED, at=now, note=action_taken)
    return rectification
