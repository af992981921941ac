"""The desks' work on a case: the village stamp, the clerk receiving the file and finishing the step, sending it
back, the town office skipping a step, and the stopped clock while materials are awaited."""

from django.utils.translation import gettext as _

from .. import workflow
from ..calendar import working_days_between
from ..errors import InvalidInput, StaleError, WrongState
from ..models import CaseStep, Matter, MediationOutcome, SealUse
from ..models.recount import mark_stale
from ..workflow import Move
from . import _core, papers


def case_stamp(
    *,
    actor,
    case_id: int,
    step_id: int | None = None,
    expected_version: int | None = None,
    seal_confirmed: bool,
    note: str = "",
):
    """Only a cadre of the case's village verifies and stamps the village certificate; each seal use is logged."""
    if not seal_confirmed:
        raise InvalidInput(_("Confirm that the village seal was used."))
    with _core.at_step(actor, Move.STAMP, case_id, step_id=step_id, expected_version=expected_version) as (case, step):
        now = _core.now()
        outcome = note.strip() or _("Facts verified; village certificate stamped.")
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
        papers.certificate(case, step, actor=actor, at=now, facts=outcome)
        _core.finish_step(case, step, Move.STAMP, actor=actor, at=now, outcome=outcome)
    return case


def step_accept(*, actor, case_id: int, step_id: int | None = None, expected_version: int | None = None):
    """接件: the clerk confirms the paper file arrived at the desk."""
    with _core.at_step(actor, Move.ACCEPT, case_id, step_id=step_id, expected_version=expected_version) as (
        case,
        step,
    ):
        if step.accepted_at is not None:
            raise StaleError(_("The file was already received at this desk."))
        now = _core.now()
        step.accepted_at = now
        step.accepted_by = actor
        step.save(update_fields=["accepted_at", "accepted_by"])
        _core.transition(case, Move.ACCEPT, actor=actor, at=now, step=step)
        _core.save_case(case, "state")
    return case


def step_complete(
    *,
    actor,
    case_id: int,
    step_id: int | None = None,
    expected_version: int | None = None,
    outcome: str,
    mediation_outcome: str = "",
):
    """The clerk finishes the department's step; the next desk's step becomes active (or the case completes).

    For a dispute, the last town desk records how the mediation ended (调解成功 / 未成功 / 转交).
    """
    outcome = outcome.strip()
    if not outcome:
        raise InvalidInput(_("Write what the department did (the result)."))
    if mediation_outcome and mediation_outcome not in MediationOutcome.values:
        raise InvalidInput(_("Choose how the mediation ended."))
    with _core.at_step(actor, Move.COMPLETE, case_id, step_id=step_id, expected_version=expected_version) as (
        case,
        step,
    ):
        if case.matter.category == Matter.Category.DISPUTE:
            is_last_desk = not CaseStep.objects.filter(
                case=case, order__gt=step.order, kind=CaseStep.Kind.DEPARTMENT
            ).exists()
            if is_last_desk and not mediation_outcome:
                raise InvalidInput(_("Choose how the mediation ended."))
            if mediation_outcome:
                case.mediation_outcome = mediation_outcome
                _core.save_case(case, "mediation_outcome")
                outcome = f"{MediationOutcome(mediation_outcome).label}：{outcome}"
        _core.finish_step(case, step, Move.COMPLETE, actor=actor, at=_core.now(), outcome=outcome)
    return case


def step_return(*, actor, case_id: int, step_id: int | None = None, expected_version: int | None = None, reason: str):
    """Send the case back one step (e.g. the village certificate is incomplete)."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("A reason is required to return a case."))
    with _core.at_step(actor, Move.RETURN, case_id, step_id=step_id, expected_version=expected_version) as (
        case,
        step,
    ):
        previous = (
            CaseStep.objects.select_for_update(of=("self",))
            .filter(case=case, order__lt=step.order, state=CaseStep.State.DONE)
            .order_by("-order")
            .first()
        )
        if previous is None:
            raise WrongState(_("There is no previous step to return to."))
        now = _core.now()
        # The step sent back to leaves the months its finish and due date were counted in (stats.tally).
        mark_stale(town_id=case.town_id, moments=(previous.finished_at, previous.due_on), reason="step_return")
        step.state = workflow.step_after(step.state, Move.RETURN)
        step.return_count += 1
        step.save(update_fields=["state", "return_count"])
        _core.activate(case, previous, now, actor)
        _core.transition(case, Move.RETURN, actor=actor, at=now, step=previous, note=reason)
        _core.save_case(case, "current_step")
    return case


def step_skip(*, actor, case_id: int, step_id: int | None = None, expected_version: int | None = None, reason: str):
    """Only the town office skips a step, with a reason (e.g. the department's part was done elsewhere)."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("A reason is required to skip a step."))
    with _core.at_step(actor, Move.SKIP, case_id, step_id=step_id, expected_version=expected_version) as (case, step):
        now = _core.now()
        _core.cancel_open_appointments(step, now, reason)
        _core.finish_step(case, step, Move.SKIP, actor=actor, at=now, outcome=reason)
    return case


# --- the stopped clock ------------------------------------------------------------------------------------------


def case_request_materials(
    *,
    actor,
    case_id: int,
    step_id: int | None = None,
    expected_version: int | None = None,
    missing: str = "",
    material_ids: list[int] | tuple[int, ...] = (),
):
    """一次性告知: ask, once, for everything missing — materials of the checklist (`material_ids`) and anything
    else (`missing`, one per line). The case waits and its clock stops until they are brought."""
    others = [line.strip(" ，,；;、") for line in missing.replace("；", "\n").splitlines()]
    others = [line for line in others if line]
    if not others and not material_ids:
        raise InvalidInput(_("List the missing materials for the one-time notice."))
    with _core.at_step(actor, Move.REQUEST_MATERIALS, case_id, step_id=step_id, expected_version=expected_version) as (
        case,
        step,
    ):
        wanted = set(material_ids)
        if wanted - {m["id"] for m in case.materials}:
            raise InvalidInput(_("The materials checklist does not match this matter; reload the page."))
        chosen = [m for m in case.materials if m["id"] in wanted]
        items = papers.notice_items(chosen + [{"name": name} for name in others])
        now = _core.now()
        case.paused_from = case.state
        case.paused_at = now
        case.materials = [{**m, "received": m["received"] and m["id"] not in wanted} for m in case.materials]
        note = "、".join(item["name"] for item in items)
        _core.transition(case, Move.REQUEST_MATERIALS, actor=actor, at=now, step=step, note=note)
        papers.notice(case, step, actor=actor, at=now, items=items, other="")
        _core.save_case(case, "state", "paused_from", "paused_at", "materials", "had_materials_round")
    return case


def case_materials_brought(*, actor, case_id: int, expected_version: int | None = None, note: str = ""):
    """The villager brought what was missing: the clock restarts, the due time moves by the days waited."""
    with _core.at_step(actor, Move.MATERIALS_BROUGHT, case_id, expected_version=expected_version) as (case, step):
        now = _core.now()
        waited = working_days_between(case.paused_at, now, town=case.town_id)  # type: ignore[arg-type]  # set while AWAITING
        if step.due_on is not None and waited:
            due = workflow.extended(step.due_on, waited, town=case.town_id)
            step.due_on, step.due_at = due.due_on, due.overdue_at
            step.save(update_fields=["due_on", "due_at"])
        if case.expected_on is not None and waited:
            promised = workflow.extended(case.expected_on, waited, town=case.town_id)
            case.expected_on, case.expected_at = promised.due_on, promised.overdue_at
        if case.materials:
            case.materials = [{**m, "received": True} for m in case.materials]
        first_acceptance = case.accepted_at is None
        if first_acceptance:
            case.accepted_at = now  # what the one-time notice asked for is in: 受理
        note = note.strip() or _("Clock stopped for %(days)s working day(s).") % {"days": waited}
        _core.transition(case, Move.MATERIALS_BROUGHT, actor=actor, at=now, step=step, note=note)
        case.paused_from = ""
        case.paused_at = None
        _core.save_case(
            case, "state", "paused_from", "paused_at", "expected_on", "expected_at", "materials", "accepted_at"
        )
        if first_acceptance:
            papers.receipt(case, actor=actor, at=now)
    return case
