"""Opening a case (受理): who may take it in, the materials checked against the matter, the number, the route copied,
the first desk started — or a stopped clock when materials are missing and the villager chooses to wait."""

import secrets
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Department

from .. import access, workflow
from ..errors import DuplicateIntake, InvalidInput, NotAllowed, WrongState
from ..models import Case, CaseCounter, CaseStep, Material, Matter, Proxy
from ..workflow import Move
from . import _core, closing, papers


@dataclass(frozen=True)
class Applicant:
    name: str
    id_number: str
    phone: str


@dataclass(frozen=True)
class OnBehalf:
    """代办: who carries the matter for the applicant. `kind` a cases.models.Proxy value. A relative names themself,
    their ID number and relation, and brings the applicant's written authorisation (授权委托书); the village cadre
    needs none of that (the case records the cadre who took it in)."""

    kind: str
    name: str = ""
    id_number: str = ""
    relation: str = ""
    authorised: bool = False


def proxy_fields(actor, on_behalf: OnBehalf | None, *, applicant: Applicant, at_village_desk: bool) -> dict:
    """The case's 代办 fields, or InvalidInput saying what is missing. The one place the rule is written."""
    if on_behalf is None or not on_behalf.kind:
        return {"proxy": "", "proxy_name": "", "proxy_id_number": "", "proxy_relation": ""}
    if on_behalf.kind == Proxy.CADRE:
        if not at_village_desk:
            raise InvalidInput(
                _("Only the village cadre at the village desk can take a matter on the villager's behalf.")
            )
        name = actor.get_full_name() or actor.get_username()
        return {"proxy": Proxy.CADRE, "proxy_name": name, "proxy_id_number": "", "proxy_relation": ""}
    if on_behalf.kind != Proxy.RELATIVE:
        raise InvalidInput(_("Choose who handles the matter."))
    name, id_number, relation = on_behalf.name.strip(), on_behalf.id_number.strip().upper(), on_behalf.relation.strip()
    if len(name) < 2 or not id_number or not relation:
        raise InvalidInput(_("For a relative handling the matter, enter their full name, ID number and relation."))
    if id_number == applicant.id_number.strip().upper():
        raise InvalidInput(_("The relative's ID number is the applicant's own."))
    if not on_behalf.authorised:
        raise InvalidInput(_("A relative needs the applicant's written authorisation (授权委托书); tick it once seen."))
    return {"proxy": Proxy.RELATIVE, "proxy_name": name, "proxy_id_number": id_number, "proxy_relation": relation}


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
    refuse_reason: str = "",
    on_behalf: OnBehalf | None = None,
    messages_declined: bool = False,
) -> Case:
    """Open a case. A cadre takes in for their own village; a clerk, at their desk, only a matter that needs no
    village certificate. A required material missing means: open it as awaiting materials, or don't open it.

    `refuse_reason`: 不予受理 on the spot (not in scope, not for this town): the application is registered and
    closed as not accepted in one go, with its decision paper.

    `on_behalf`: 代办 (proxy_fields). `messages_declined`: the applicant does not want text messages."""
    refuse_reason = refuse_reason.strip()
    if intake_department is None:
        if not access.is_cadre_of(actor, village.pk):
            raise NotAllowed(_("You can only take in cases for your own village."))
    else:
        if not access.is_clerk_of(actor, intake_department.pk):
            raise NotAllowed(_("You are not a clerk of this department."))
        if matter.needs_village_certificate:
            raise NotAllowed(
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
    if refuse_reason:
        missing, open_awaiting = [], False  # what was brought does not matter: it is not accepted
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
    proxy = proxy_fields(actor, on_behalf, applicant=applicant, at_village_desk=intake_department is None)

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
                refuse_reason=refuse_reason,
                proxy=proxy,
                messages_declined=messages_declined,
            )
    except IntegrityError:
        # Two submissions of one form raced past the check above: the unique key let exactly one through.
        existing = Case.objects.filter(intake_key=intake_key).first() if intake_key else None
        if existing is None:
            raise
        raise DuplicateIntake(existing) from None
    return case


def _next_case_number(town, now) -> str:
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
                town_id=case.town_id,
                village_id=case.village_id,
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
                town_id=case.town_id,
                village_id=case.village_id,
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
                town_id=case.town_id,
                village_id=case.village_id,
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
    refuse_reason="",
    proxy: dict | None = None,
    messages_declined: bool = False,
) -> Case:
    now = _core.now()
    promised = workflow.deadline(now, matter.promised_days, town=village.town_id)
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
        state=workflow.enter("", Move.OPEN),
        received_at=now,
        received_by=actor,
        intake_department=intake_department,
        intake_key=intake_key,
        expected_on=promised.due_on,
        expected_at=promised.overdue_at,
        accepted_at=None if open_awaiting or refuse_reason else now,  # 受理 when the materials are complete
        county_mode=matter.county_mode,  # copied like the route: later catalogue edits never change it
        result_delivery=matter.result_delivery,
        messages_declined=messages_declined,
        **(proxy or {}),
    )
    case.save()
    steps = _copy_route(case, matter)
    # 村镇联办: a village certificate and a town desk in one case; fixed here because the steps are.
    case.is_joint = {CaseStep.Kind.VILLAGE, CaseStep.Kind.DEPARTMENT} <= {step.kind for step in steps}
    _core.append_event(
        case,
        actor=actor,
        action=workflow.MOVES[Move.OPEN].event,
        at=now,
        to_state=case.state,
        note=f"{matter.name}；{case.proxy_statement}" if case.proxy else matter.name,
    )
    if not steps:
        raise WrongState(_("This matter has no route; the town office must complete the catalogue."))
    first = steps[0]
    _core.activate(case, first, now, actor)
    _core.transition(case, Move.FIRST_STEP, actor=actor, at=now, step=first, note=first.label)
    fields = ["current_step", "is_joint"]
    if open_awaiting:
        case.paused_from = case.state
        case.paused_at = now
        _core.transition(case, Move.REQUEST_MATERIALS, actor=actor, at=now, step=first, note="、".join(missing))
        fields += ["state", "paused_from", "paused_at", "had_materials_round"]
        items = [m for m in snapshot if m["required"] and not m["received"]]
        papers.notice(case, first, actor=actor, at=now, items=papers.notice_items(items), other="")
    elif not refuse_reason:
        papers.receipt(case, actor=actor, at=now)
    _core.save_case(case, *fields)
    if refuse_reason:
        closing.close(case, first, Move.REFUSE, actor=actor, reason=refuse_reason)
    return case
