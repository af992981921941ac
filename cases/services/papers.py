"""Issuing the papers a case produces, numbered once from a gap-free sequence per town, year and kind, and who
each is issued by. Called inside the transaction of the move that makes the paper (受理, a one-time notice, the
village stamp, a refusal or decision, the county step starting), so a rolled-back move rolls its number back.

Who issues what (`issuer_for`): a village paper by the villagers' committee; a town desk's paper by the town
government, the desk named as the one handling it (承办); a utility desk's (供电所) by the utility itself; the
county papers by the town government. Only a government body's refusal carries 行政复议 and 行政诉讼; a village
committee's or a utility's carries the complaint channel.
"""

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from villages import page_versions

from .. import workflow
from ..models import Case, CaseStep, Paper, PaperCounter

# 发文机关代字 + this + 〔year〕 + number + 号 (GB/T 9704: the year in 〔〕, the number without leading zeros).
KIND_CODE = {
    Paper.Kind.RECEIPT: "受",
    Paper.Kind.NOTICE: "补",
    Paper.Kind.CERTIFICATE: "证",
    Paper.Kind.REFUSAL: "不受",
    Paper.Kind.DECISION: "不予",
    Paper.Kind.REFERRAL: "转",
    Paper.Kind.SUBMISSION: "报",
    Paper.Kind.REPORT: "统",
}


@dataclass(frozen=True)
class Issuer:
    name: str  # the full name the paper is signed with, under the seal
    handling: str  # the desk handling it (承办), when that is not the issuer itself
    phone: str  # 联系电话
    is_government: bool  # its refusals carry 行政复议 and 行政诉讼


def issuer_for(case: Case, step: CaseStep | None) -> Issuer:
    """The one rule of who signs a paper of `case` made at `step` (None: the hall, at intake)."""
    town = case.town
    if step is not None and step.kind == CaseStep.Kind.VILLAGE:
        village = case.village
        return Issuer(village.committee, "", village.phone or town.phone, is_government=False)
    desk = None
    if step is not None and step.kind == CaseStep.Kind.DEPARTMENT:
        desk = step.department
    elif step is not None and step.kind == CaseStep.Kind.COUNTY:
        desk = step.desk_department
        if desk is None:  # booked by the village (no town desk before it)
            village = case.village
            return Issuer(village.committee, "", village.phone or town.phone, is_government=False)
    elif step is None:
        desk = case.intake_department
    if desk is not None and not desk.is_government_body:
        return Issuer(desk.issuer, "", desk.phone or town.phone, is_government=False)
    return Issuer(town.government, desk.issuer if desk is not None else "", _desk_phone(desk, town), True)


def _desk_phone(desk, town) -> str:
    return (desk.phone if desk is not None else "") or town.phone


def number_for(town, kind: str, year: int, seq: int) -> str:
    return f"{town.prefix}{KIND_CODE[Paper.Kind(kind)]}〔{year}〕{seq}号"


def issue(
    case: Case | None,
    kind: str,
    *,
    town=None,
    step: CaseStep | None = None,
    actor,
    at: dt.datetime,
    content: dict | None = None,
    issuer: Issuer | None = None,
) -> Paper:
    """Number and record one paper. The counter row is locked, so parallel issues queue and no number is given
    twice or skipped."""
    town = town or case.town  # type: ignore[union-attr]
    issuer = issuer or issuer_for(case, step)  # type: ignore[arg-type]
    year = timezone.localdate(at).year
    PaperCounter.objects.bulk_create([PaperCounter(town=town, kind=kind, year=year, last=0)], ignore_conflicts=True)
    counter = PaperCounter.objects.select_for_update().get(town=town, kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return Paper.objects.create(
        town=town,
        kind=kind,
        year=year,
        seq=counter.last,
        number=number_for(town, kind, year, counter.last),
        token=secrets.token_urlsafe(18),
        case=case,
        step=step,
        issued_at=at,
        issuer=issuer.name,
        handled_by=actor,
        handled_by_name=actor.get_full_name() if actor is not None else "",
        content={
            "handling": issuer.handling,
            "phone": issuer.phone,
            "is_government": issuer.is_government,
            **(content or {}),
        },
    )


def withdraw(paper: Paper, *, at: dt.datetime, reason: str) -> None:
    """A paper no longer in force (a certificate issued again after the case came back to the village)."""
    Paper.objects.filter(pk=paper.pk, withdrawn_at__isnull=True).update(withdrawn_at=at, withdrawn_reason=reason)
    page_versions.changed({paper.town_id})  # an update sends no signal


def current(case: Case, *kinds: str) -> Paper | None:
    return Paper.objects.filter(case=case, kind__in=kinds, withdrawn_at__isnull=True).order_by("-issued_at").first()


# --- the papers of the moves ------------------------------------------------------------------------------------


def receipt(case: Case, *, actor, at: dt.datetime) -> Paper:
    """受理回执: issued when the case is accepted (at intake, or when the missing materials are brought)."""
    return issue(
        case,
        Paper.Kind.RECEIPT,
        actor=actor,
        at=at,
        content={
            "accepted_on": timezone.localdate(at).isoformat(),
            "promised_days": case.matter.promised_days,
            "expected_on": case.expected_on.isoformat() if case.expected_on else None,
        },
    )


def notice_items(materials: list[dict]) -> list[dict]:
    """The one-time notice's list: each material once, as the checklist names it (原件/复印件, copies)."""
    seen, items = set(), []
    for m in materials:
        if m["name"] in seen:
            continue
        seen.add(m["name"])
        items.append({"name": m["name"], "form": m.get("form", ""), "copies": m.get("copies", 1)})
    return items


def notice(case: Case, step: CaseStep, *, actor, at: dt.datetime, items: list[dict], other: str) -> Paper:
    """一次性告知书: every missing material once, and the time to bring them (补正期限, working days)."""
    days = case.matter.correction_days
    due = workflow.deadline(at, days, town=case.town_id)
    return issue(
        case,
        Paper.Kind.NOTICE,
        step=step,
        actor=actor,
        at=at,
        content={"items": items, "other": other, "correction_days": days, "bring_by": due.due_on.isoformat()},
    )


def certificate(case: Case, step: CaseStep, *, actor, at: dt.datetime, facts: str) -> Paper:
    """村委证明: the village committee certifies the facts it verified; an earlier one of this case is withdrawn."""
    earlier = current(case, Paper.Kind.CERTIFICATE)
    if earlier is not None:
        withdraw(earlier, at=at, reason=_("Issued again after the case came back to the village"))
    return issue(case, Paper.Kind.CERTIFICATE, step=step, actor=actor, at=at, content={"facts": facts})


def decision(case: Case, step: CaseStep, move: workflow.Move, *, actor, at: dt.datetime, reason: str, basis: str):
    """不予受理决定书 (before 受理) or 不予办理决定书 (after): the reason, the legal basis, and the remedies."""
    kind = Paper.Kind.REFUSAL if move == workflow.Move.REFUSE else Paper.Kind.DECISION
    issuer = issuer_for(case, step)
    town = case.town
    content: dict = {"reason": reason, "basis": basis}
    if issuer.is_government:
        content |= {"review_body": town.review_body or f"{town.county}人民政府", "court": town.court_name}
    return issue(case, kind, step=step, actor=actor, at=at, content=content, issuer=issuer)


def county_paper(case: Case, step: CaseStep, *, actor, at: dt.datetime) -> Paper:
    """转县办理审批表 (the villager takes it to the county) or 报送函 (the town sends the file up)."""
    kind = Paper.Kind.SUBMISSION if step.county_mode == "submission" else Paper.Kind.REFERRAL
    town, desk = case.town, step.desk_department
    return issue(
        case,
        kind,
        step=step,
        actor=actor,
        at=at,
        content={"county": step.department.issuer, "due_on": step.due_on.isoformat() if step.due_on else None},  # type: ignore[union-attr]
        issuer=Issuer(town.government, desk.issuer if desk else "", _desk_phone(desk, town), is_government=True),
    )


# --- printing -------------------------------------------------------------------------------------------------

# The print pages by address (cases:print) and the kinds of paper each shows.
PRINT_KINDS = {
    "receipt": (Paper.Kind.RECEIPT,),
    "missing": (Paper.Kind.NOTICE,),
    "certificate": (Paper.Kind.CERTIFICATE,),
    "notice": (Paper.Kind.REFUSAL, Paper.Kind.DECISION),
    "referral": (Paper.Kind.REFERRAL, Paper.Kind.SUBMISSION),
}


def for_print(case: Case, name: str, *, actor) -> Paper | None:
    """The paper to print at `name` (PRINT_KINDS): the current one, the latest if all were withdrawn, or — for a
    case from before papers were numbered — the one its history says it has, numbered now. None: it has none."""
    from django.db import transaction

    kinds = PRINT_KINDS[name]
    current_first = (F("withdrawn_at").asc(nulls_first=True), "-issued_at")  # NULL sorts last on PostgreSQL
    found = Paper.objects.filter(case=case, kind__in=kinds).order_by(*current_first).first()
    if found is not None or not _should_have(case, name):
        return found
    with transaction.atomic():
        locked = (
            Case.objects.select_for_update(of=("self",)).select_related("town", "matter", "village").get(pk=case.pk)
        )
        found = Paper.objects.filter(case=locked, kind__in=kinds).order_by(*current_first).first()
        return found or _backfill(locked, name, actor=actor)


def _should_have(case: Case, name: str) -> bool:
    if name == "receipt":
        return case.accepted_at is not None
    if name == "missing":
        return case.events.filter(action="materials_requested").exists()
    if name == "certificate":
        return case.steps.filter(kind=CaseStep.Kind.VILLAGE, state=CaseStep.State.DONE).exists()
    if name == "notice":
        return case.state in (Case.State.REJECTED, Case.State.REFUSED)
    return (
        case.steps.filter(kind=CaseStep.Kind.COUNTY, county_mode__in=["referral", "submission"])
        .exclude(state=CaseStep.State.PENDING)
        .exists()
    )


def _backfill(case: Case, name: str, *, actor) -> Paper:
    now = timezone.now()
    if name == "receipt":
        return receipt(case, actor=actor, at=now)
    if name == "missing":
        event = case.events.filter(action="materials_requested").order_by("-seq").select_related("step").first()
        assert event is not None  # _should_have found it
        items = notice_items([{"name": n} for n in event.note.split("、") if n])
        asked_at = event.step or case.steps.order_by("order").first()
        assert asked_at is not None
        return notice(case, asked_at, actor=actor, at=now, items=items, other="")
    if name == "certificate":
        village_step = case.steps.get(kind=CaseStep.Kind.VILLAGE)
        return certificate(case, village_step, actor=actor, at=now, facts=village_step.outcome)
    if name == "notice":
        closing_step = case.steps.filter(finished_at=case.closed_at).order_by("-order").first() or case.steps.first()
        assert closing_step is not None
        move = workflow.Move.REFUSE if case.state == Case.State.REFUSED else workflow.Move.REJECT
        reason, basis = case.closing_reason, case.matter.legal_basis
        return decision(case, closing_step, move, actor=actor, at=now, reason=reason, basis=basis)
    return county_paper(case, case.steps.get(kind=CaseStep.Kind.COUNTY), actor=actor, at=now)


def print_links(case: Case) -> list[tuple[str, str, Paper | None]]:
    """The papers the one-stop view offers: (print name, label, the paper or None when it is numbered on first
    print). Reads the case's prefetched steps and events and one query for its papers."""
    issued: dict[str, Paper] = {}
    for paper in Paper.objects.filter(case=case).order_by("issued_at"):
        for name, kinds in PRINT_KINDS.items():
            if paper.kind in kinds:
                issued[name] = paper
    steps = list(case.steps.all())
    has = {
        "receipt": case.accepted_at is not None,
        "missing": any(e.action == "materials_requested" for e in case.events.all()),
        "certificate": any(s.kind == CaseStep.Kind.VILLAGE and s.state == CaseStep.State.DONE for s in steps),
        "notice": case.state in (Case.State.REJECTED, Case.State.REFUSED),
        "referral": any(
            s.kind == CaseStep.Kind.COUNTY and s.county_mode in ("referral", "submission") and s.state != "pending"
            for s in steps
        ),
    }
    labels = {
        "receipt": Paper.Kind.RECEIPT.label,
        "missing": Paper.Kind.NOTICE.label,
        "certificate": Paper.Kind.CERTIFICATE.label,
        "notice": (Paper.Kind.REFUSAL if case.state == Case.State.REFUSED else Paper.Kind.DECISION).label,
        "referral": Paper.Kind.REFERRAL.label,
    }
    if any(s.county_mode == "submission" for s in steps):
        labels["referral"] = Paper.Kind.SUBMISSION.label
    return [(name, str(labels[name]), issued.get(name)) for name in PRINT_KINDS if name in issued or has[name]]
