"""What a page shows of a case: the actions a user may offer, and the public (no personal data) view."""

from django.utils import timezone

from . import access, privacy, workflow
from .models import Appointment, Case, CaseStep


def actions_for(user, case: Case) -> set[str]:
    """The buttons to show: the moves the workflow allows in the case's state at its step, that this user may make
    (cases.access.may) — the same questions the services ask — less what the step itself already rules out."""
    roles = access.roles_for(user)
    step = case.current_step
    actions: set[str] = set()
    for move in workflow.DESK_MOVES:
        if not (workflow.allows_case(case, move) and workflow.applies_to(step, move)):
            continue
        if access.may(roles, move, case, step):
            actions.add(move.value)
    if step is not None and step.accepted_at is not None:
        actions.discard(workflow.Move.ACCEPT)
    if step is None or step.order == 1:
        actions.discard(workflow.Move.RETURN)  # nothing before it to go back to
    if workflow.Move.BOOK in actions and any(
        a.state in (Appointment.State.BOOKED, Appointment.State.CONFIRMED) for a in case.appointments.all()
    ):
        actions.discard(workflow.Move.BOOK)  # one open appointment per step
    return actions


# The actions whose work needs the applicant's full identity: verifying, deciding, booking or handing to the county.
# Skipping a step (the town office) or only reading (supervisor, a desk whose step is finished) does not.
IDENTITY_WORK = {
    "stamp",
    "accept",
    "complete",
    "request_materials",
    "materials_brought",
    "reject",
    "book",
    "county_outcome",
}


def may_see_full_id(user, case: Case, actions: set[str] | None = None) -> bool:
    """The one rule for full ID numbers and phones, on the case page and on every paper: the cadre of the
    applicant's own village (who knows the villager and certifies the facts) and the desk working the case now.
    Everyone else — the supervisor, the town office, a desk whose step is done, the county officer, who reads the
    case through the hall's papers — sees them masked; the town office and the supervisor may ask, with a reason
    that is logged, to see them once on the case page (cases.privacy), never on a paper."""
    if privacy.shown_once_to(user, case):
        return True
    if case.village_id in access.roles_for(user).village_ids:
        return True
    if actions is None:
        actions = actions_for(user, case)
    return bool(actions & IDENTITY_WORK)


def may_record_rating(user, case: Case) -> bool:
    """A finished case's rating may be taken at the desk by a cadre of its village or a clerk who handled it."""
    return workflow.allows_case(case, workflow.Move.RATE) and access.may(
        access.roles_for(user), workflow.Move.RATE, case
    )


def _iso(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def public_case_data(case: Case) -> dict:
    """Exactly what a villager may see: no ID number, no phone, no notes, the name masked."""
    now = timezone.now()
    steps = []
    current = None
    for step in case.steps.all():
        light = workflow.light(
            running=step.state == CaseStep.State.ACTIVE and case.state != Case.State.AWAITING,
            due_on=step.due_on,
            due_at=step.due_at,
            now=now,
        )
        item = {
            "order": step.order,
            "name": step.label,
            "kind": step.kind,
            "state": step.state,
            "state_label": str(step.get_state_display()),
            "started_at": _iso(step.started_at),
            "finished_at": _iso(step.finished_at),
            "due_on": step.due_on.isoformat() if step.due_on else None,
            "due_at": _iso(step.due_at),  # the moment it becomes overdue
            "light": light,
            "overdue": light == workflow.Light.RED,
        }
        if step.kind == CaseStep.Kind.COUNTY:
            item["county_mode"] = step.county_mode
        steps.append(item)
        if step.state == CaseStep.State.ACTIVE:
            current = item
    appointments = [
        {
            "department": a.department.name,
            "date": a.date.isoformat(),
            "time": a.time.strftime("%H:%M"),
            "place": a.place,
        }
        for a in getattr(case, "open_appointments", [])
    ]
    return {
        "number": case.number,
        "matter": case.matter.name,
        "applicant": case.masked_name,
        "village": case.village.name,
        "state": case.state,
        "state_label": str(case.get_state_display()),
        "received_at": _iso(case.received_at),
        "expected_on": case.expected_on.isoformat() if case.expected_on else None,
        "expected_at": _iso(case.expected_at),
        "closed_at": _iso(case.closed_at),
        "current_step": current,
        "steps": steps,
        "appointments": appointments,
    }
