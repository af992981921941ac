import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from departments.models import Department
from villages import page_versions
from villages.models import Village
from villages.security import log_full_id, log_refusal
from villages.selectors import shifts_of_cadre
from villages.services import VillageError, consultation_record

from . import feedback_forms, forms, privacy, selectors, services
from .access import roles_for
from .models import Appointment, Case, MediationOutcome, Rating
from .presenters import actions_for, may_record_rating, may_see_full_id
from .services import papers
from .templatetags.hall import qr_svg

# --- the village desk --------------------------------------------------------------------------------------------


def _cadre_villages(request):
    villages = list(selectors.desk_villages(user=request.user))
    if not villages:
        raise PermissionDenied
    return villages


# The desk shows the oldest waiting items, not all of them: its cost must not grow with the backlog.
DESK_WAITING_LIMIT = 20


@login_required
@require_GET
def desk(request):
    villages = _cadre_villages(request)
    village_ids = [v.pk for v in villages]
    town = villages[0].town
    waiting = selectors.desk_waiting_steps(village_ids=village_ids)
    return render(
        request,
        "cases/desk.html",
        {
            "villages": villages,
            "waiting": list(waiting[:DESK_WAITING_LIMIT]),
            "waiting_count": selectors.desk_waiting_count(village_ids=village_ids),
            "recent": list(selectors.desk_recent_cases(village_ids=village_ids)),
            "matters": list(selectors.intake_matters(town=town)),
            "shifts": shifts_of_cadre(user=request.user, village_ids=village_ids),
            "today": timezone.localdate(),
            "consultation_form": forms.ConsultationForm(
                villages=Village.objects.filter(pk__in=village_ids), initial={"village": village_ids[0]}
            ),
        },
    )


def _intake_matter(request, town, *, for_department: bool):
    code = request.GET.get("matter") or request.POST.get("matter") or ""
    matters = selectors.desk_matters(town=town, at_department_desk=for_department).prefetch_related("materials")
    matter = matters.filter(code=code).first()
    if matter is None:
        messages.error(request, _("Choose a matter from the catalogue first."))
    return matter


def _intake(request, *, villages, village, department, template, back_url):
    town = village.town
    matter = _intake_matter(request, town, for_department=department is not None)
    if matter is None:
        return redirect(back_url)
    if request.method == "POST":
        form = forms.IntakeForm(request.POST, matter=matter, village=village, at_village_desk=department is None)
        decision = forms.IntakeChoiceForm(request.POST)
        choice = decision.cleaned_data["decision"] if decision.is_valid() else forms.IntakeChoiceForm.OPEN
        if choice == forms.IntakeChoiceForm.CONSULT:
            # The villager came without what is needed: no case, but the visit counts.
            consultation_record(
                actor=request.user,
                town=town,
                village=village,
                topic="missing_materials",
                people=1,
                note=matter.name,
            )
            messages.success(request, _("Recorded as a consultation; no case was opened."))
            return redirect(back_url)
        status = 200  # a form with its errors, unless the case opens below
        refusing = choice == forms.IntakeChoiceForm.REFUSE
        if form.is_valid() and refusing and not form.cleaned_data["refusal_reason"].strip():
            form.add_error("refusal_reason", _("A reason is required to refuse to accept a case."))
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = services.case_intake(
                    actor=request.user,
                    matter=matter,
                    village=village,
                    hamlet=data["hamlet"],
                    applicant=services.Applicant(
                        name=data["applicant_name"],
                        id_number=data["applicant_id_number"],
                        phone=data["applicant_phone"],
                    ),
                    notes=data["notes"],
                    received_material_ids=data["materials"],
                    open_awaiting=choice == forms.IntakeChoiceForm.AWAITING,
                    intake_department=department,
                    intake_key=data["intake_key"],
                    parties=data.get("parties", ""),
                    refuse_reason=data["refusal_reason"] if refusing else "",
                    on_behalf=services.OnBehalf(
                        kind=data["proxy"],
                        name=data["proxy_name"],
                        id_number=data["proxy_id_number"],
                        relation=data["proxy_relation"],
                        authorised=data["proxy_authorised"],
                    )
                    if data["proxy"]
                    else None,
                    messages_declined=data["messages_declined"],
                )
            except services.DuplicateIntake as duplicate:
                messages.info(request, str(duplicate))
                return redirect("cases:receipt", number=duplicate.case.number)
            except services.CaseError as error:
                log_refusal(request, kind="service", detail=error.code, case="")
                form.add_error(None, str(error))
                if error.code == services.NotAllowed.code:
                    status = 403
            else:
                if case.state == Case.State.REFUSED:
                    messages.success(request, _("Not accepted; print the decision for the villager."))
                    return redirect("cases:notice", number=case.number)
                messages.success(request, _("Case %(number)s opened.") % {"number": case.number})
                if case.state == Case.State.AWAITING:
                    return redirect("cases:print", number=case.number, paper="missing")
                return redirect("cases:receipt", number=case.number)
    else:
        form = forms.IntakeForm(matter=matter, village=village, at_village_desk=department is None)
        status = 200
    return render(
        request,
        template,
        {
            "form": form,
            "matter": matter,
            "village": village,
            "villages": villages,
            "department": department,
            "back_url": back_url,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def desk_intake(request):
    villages = _cadre_villages(request)
    village_id = request.POST.get("village") if request.method == "POST" else request.GET.get("village")
    village = next((v for v in villages if str(v.pk) == str(village_id)), None) if village_id else villages[0]
    if village is None:
        # Never silently open the case in the cadre's own village instead of the one the form named.
        log_refusal(request, kind="intake_other_village", detail=str(village_id)[:20])
        messages.error(request, _("You do not serve that village; no case was opened."))
        return redirect("cases:desk")
    return _intake(
        request,
        villages=villages,
        village=village,
        department=None,
        template="cases/intake.html",
        back_url=reverse("cases:desk"),
    )


# --- the department queue ----------------------------------------------------------------------------------------

QUEUE_PAGE_SIZE = 25
QUEUE_COUNTY_LIMIT = 15


class CountedPaginator(Paginator):
    """Pages of a list whose length is already counted (the queue's totals): no second count over the same rows."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


@login_required
@require_GET
def queue(request):
    departments = list(selectors.queue_departments(user=request.user))
    if not departments:
        raise PermissionDenied
    selected = [d for d in departments if str(d.pk) == request.GET.get("department")] or departments
    department_ids = [d.pk for d in selected]
    overdue_only = request.GET.get("overdue") == "1"
    now = timezone.now()
    counts = selectors.queue_counts(department_ids=department_ids, now=now)
    page = CountedPaginator(
        selectors.queue_steps(department_ids=department_ids, overdue_only=overdue_only, now=now),
        QUEUE_PAGE_SIZE,
        count=counts["overdue" if overdue_only else "total"],
    ).get_page(request.GET.get("page"))
    town = departments[0].town
    county_steps = selectors.queue_county_steps(department_ids=department_ids)
    return render(
        request,
        "cases/queue.html",
        {
            "departments": departments,
            "selected": selected,
            "page": page,
            "overdue_only": overdue_only,
            "counts": counts,
            "county_steps": list(county_steps[:QUEUE_COUNTY_LIMIT]),
            "county_count": selectors.queue_county_count(department_ids=department_ids),
            "intake_matters": list(selectors.intake_matters(town=town, at_department_desk=True)) if town else [],
            "villages": list(Village.objects.filter(town=town).order_by("desk_order")) if town else [],
            "consultation_form": forms.ConsultationForm(villages=Village.objects.filter(town=town)),
            "next_market_days": selectors.next_market_days(town=town) if town else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def queue_intake(request):
    departments = list(selectors.queue_departments(user=request.user).exclude(town=None))
    if not departments:
        raise PermissionDenied
    department_id = request.POST.get("department") if request.method == "POST" else request.GET.get("department")
    department = (
        next((d for d in departments if str(d.pk) == str(department_id)), None) if department_id else departments[0]
    )
    if department is None:
        log_refusal(request, kind="intake_other_department", detail=str(department_id)[:20])
        messages.error(request, _("You do not work at that desk; no case was opened."))
        return redirect("cases:queue")
    village_id = request.GET.get("village") or request.POST.get("village")
    village = Village.objects.filter(town=department.town, pk=village_id if str(village_id).isdigit() else 0).first()
    if village is None:
        messages.error(request, _("Choose the applicant's village."))
        return redirect("cases:queue")
    return _intake(
        request,
        villages=[village],
        village=village,
        department=department,
        template="cases/intake.html",
        back_url=reverse("cases:queue"),
    )


@login_required
@require_POST
def consultation_create(request):
    roles = roles_for(request.user)
    if not (roles.is_cadre or roles.is_clerk):
        raise PermissionDenied
    if roles.is_cadre:
        villages = Village.objects.filter(pk__in=roles.village_ids)
        town = villages.first().town
    else:
        town = Department.objects.filter(pk__in=roles.clerk_department_ids).exclude(town=None).first().town
        villages = Village.objects.filter(town=town)
    if roles.is_clerk and roles.is_cadre:
        villages = Village.objects.filter(town=town)
    form = forms.ConsultationForm(request.POST, villages=villages)
    back = request.POST.get("back") if request.POST.get("back") in ("desk", "queue") else None
    back_url = reverse("cases:queue" if back == "queue" else ("cases:desk" if roles.is_cadre else "cases:queue"))
    if not form.is_valid():
        messages.error(request, _("The consultation was not recorded: %(errors)s") % {"errors": _errors(form)})
        return redirect(back_url)
    try:
        consultation_record(
            actor=request.user,
            town=town,
            village=form.cleaned_data["village"],
            topic=form.cleaned_data["topic"],
            people=form.cleaned_data["people"],
            note=form.cleaned_data["note"],
        )
    except VillageError as error:
        log_refusal(request, kind="service", detail=getattr(error, "code", type(error).__name__))
        messages.error(request, str(error))
    else:
        messages.success(request, _("Consultation recorded."))
    return redirect(back_url)


def _errors(form) -> str:
    return "；".join(str(e) for errors in form.errors.values() for e in errors)


# --- the county officer ------------------------------------------------------------------------------------------


@login_required
@require_GET
def appointments(request):
    if not roles_for(request.user).is_county_officer:
        raise PermissionDenied
    days: dict[dt.date, list[Appointment]] = {}
    for appointment in selectors.officer_appointments(user=request.user):
        days.setdefault(appointment.date, []).append(appointment)
    return render(request, "cases/appointments.html", {"days": list(days.items()), "today": timezone.localdate()})


@login_required
@require_POST
def appointment_action(request, pk, action):
    appointment = get_object_or_404(
        Appointment.objects.filter(department_id__in=roles_for(request.user).county_department_ids), pk=pk
    )
    form = forms.AppointmentOutcomeForm(request.POST)
    form.is_valid()
    outcome = form.cleaned_data.get("outcome", "")
    try:
        if action == "confirm":
            services.appointment_confirm(actor=request.user, appointment_id=appointment.pk)
            messages.success(request, _("Appointment confirmed."))
        elif action == "done":
            services.appointment_done(actor=request.user, appointment_id=appointment.pk, outcome=outcome)
            messages.success(request, _("Recorded as done; the case is completed."))
        elif action == "no_show":
            services.appointment_no_show(actor=request.user, appointment_id=appointment.pk, note=outcome)
            messages.success(request, _("Recorded as a no-show; the desk will rebook."))
        else:
            raise Http404
    except services.CaseError as error:
        log_refusal(
            request,
            kind="service",
            detail=getattr(error, "code", type(error).__name__),
            case=f"appointment:{appointment.pk}",
        )
        messages.error(request, str(error))
    return redirect("cases:appointments")


# --- the one-stop case view --------------------------------------------------------------------------------------


def _visible_case(request, number) -> Case:
    try:
        return selectors.case_detail(user=request.user, number=number)
    except Case.DoesNotExist:
        raise Http404 from None


@login_required
@require_GET
def case_detail(request, number):
    return _case_page(request, _visible_case(request, number))


def _case_page(request, case: Case, *, status: int = 200, kept: dict | None = None):
    """The one-stop view; after a refused action, with what the user typed (`kept`) back in its form."""
    actions = actions_for(request.user, case)
    rating = Rating.objects.filter(case=case).select_related("rectification").first()
    show_full_id = may_see_full_id(request.user, case, actions)
    if show_full_id:
        log_full_id(request, case=case.number, where="case_page")
    response = render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "actions": actions,
            "show_full_id": show_full_id,
            "identity_reasons": privacy.reasons_offered(request.user, case, shown=show_full_id),
            "next_market_days": selectors.next_market_days(town=case.town) if "book" in actions else [],
            "today": timezone.localdate(),
            "mediation_choices": [("", "—"), *MediationOutcome.choices],
            "rating": rating,
            "can_rate": rating is None and may_record_rating(request.user, case),
            "rating_form": feedback_forms.RatingForm(),
            "kept": kept,
            "paper_links": papers.print_links(case),
        },
        status=status,
    )
    if show_full_id:
        page_versions.never_kept(response)  # each showing of a full ID number is logged
    return response


ACTIONS = {
    "stamp": (forms.StampForm, lambda user, case, d: services.case_stamp(
        actor=user, case_id=case.pk, step_id=d["step"], expected_version=d["version"],
        seal_confirmed=d["seal_confirmed"], note=d["note"])),
    "accept": (forms.AcceptForm, lambda user, case, d: services.step_accept(
        actor=user, case_id=case.pk, step_id=d["step"], expected_version=d["version"])),
    "complete": (forms.CompleteForm, lambda user, case, d: services.step_complete(
        actor=user, case_id=case.pk, step_id=d["step"], expected_version=d["version"], outcome=d["outcome"],
        mediation_outcome=d["mediation_outcome"])),
    "request_materials": (forms.MaterialsRequestForm, lambda user, case, d: services.case_request_materials(
        actor=user, case_id=case.pk, step_id=d["step"], expected_version=d["version"], missing=d["missing"],
        material_ids=d["materials"])),
    "materials_brought": (forms.MaterialsBroughtForm, lambda user, case, d: services.case_materials_brought(
        actor=user, case_id=case.pk, expected_version=d["version"], note=d["note"])),
    "return": (forms.ReasonForm, lambda user, case, d: services.step_return(
        actor=user, case_id=case.pk, step_id=d["step"], expected_version=d["version"], reason=d["reason"])),
    "reject": (forms.DecisionForm, lambda user, case, d: services.case_reject(
        actor=user, case_id=case.pk, step_id=d["step"], expected_version=d["version"], reason=d["reason"],
        basis=d["basis"])),
    "refuse": (forms.DecisionForm, lambda user, case, d: services.case_refuse(
        actor=user, case_id=case.pk, step_id=d["step"], expected_version=d["version"], reason=d["reason"],
        basis=d["basis"])),
    "withdraw": (forms.ReasonForm, lambda user, case, d: services.case_withdraw(
        actor=user, case_id=case.pk, expected_version=d["version"], reason=d["reason"])),
    "skip": (forms.ReasonForm, lambda user, case, d: services.step_skip(
        actor=user, case_id=case.pk, step_id=d["step"], expected_version=d["version"], reason=d["reason"])),
    "book": (forms.BookForm, lambda user, case, d: services.appointment_book(
        actor=user, case_id=case.pk, step_id=d["step"], expected_version=d["version"],
        date=d["date"], time=d["time"], place=d["place"])),
    "county_outcome": (forms.OutcomeForm, lambda user, case, d: services.county_record_outcome(
        actor=user, case_id=case.pk, step_id=d["step"], expected_version=d["version"], outcome=d["outcome"])),
}  # fmt: skip

ACTION_DONE = {
    "stamp": _("Village certificate stamped; the case moves to the next desk."),
    "accept": _("File received at the desk."),
    "complete": _("Step completed; the case moves on."),
    "request_materials": _("The villager is asked for the missing materials; the clock has stopped."),
    "materials_brought": _("Materials brought; the clock runs again."),
    "return": _("Returned to the previous step."),
    "reject": _("Decided not to grant; print the decision for the villager."),
    "refuse": _("Not accepted; print the decision for the villager."),
    "withdraw": _("The case is withdrawn."),
    "skip": _("Step skipped."),
    "book": _("County appointment booked."),
    "county_outcome": _("County result recorded."),
}


# How a refused action is answered (cases.errors): not this user's to do, the case is not (or no longer) where the
# page showed it, or something typed is missing. The page comes back with the case as it is now and the user's text.
REFUSAL_STATUS = {"not_allowed": 403, "wrong_state": 409, "stale": 409, "invalid_input": 200}
KEPT_FIELDS = ("note", "outcome", "mediation_outcome", "missing", "reason", "basis", "date", "time", "place")


@login_required
@require_POST
def case_action(request, number, action):
    if action not in ACTIONS:
        raise Http404
    case = get_object_or_404(selectors.visible_cases(user=request.user), number=number)
    form_class, call = ACTIONS[action]
    form = form_class(request.POST)
    kept = {
        "action": action,
        "values": {f: request.POST.get(f, "") for f in KEPT_FIELDS},
        "materials": request.POST.getlist("materials"),
        "error": "",
    }
    if not form.is_valid():
        kept["error"] = _errors(form)
        messages.error(request, _("Nothing was done: %(errors)s") % {"errors": kept["error"]})
        return _case_page(request, _visible_case(request, number), kept=kept)
    try:
        call(request.user, case, form.cleaned_data)
    except services.CaseError as error:
        log_refusal(request, kind="service", detail=error.code, case=case.number)
        if error.code == services.InvalidInput.code:
            kept["error"] = str(error)  # beside the field, as well as on top
        messages.error(request, str(error))
        status = REFUSAL_STATUS.get(error.code, 409)
        return _case_page(request, _visible_case(request, number), status=status, kept=kept)
    messages.success(request, str(ACTION_DONE[action]))
    if action in ("reject", "refuse"):
        return redirect("cases:notice", number=case.number)
    if action == "request_materials":
        return redirect("cases:print", number=case.number, paper="missing")
    nxt = request.POST.get("next")
    if nxt in ("queue", "desk"):
        return redirect(f"cases:{nxt}")
    return redirect(case)


# --- printable papers --------------------------------------------------------------------------------------------


PAPERS_WITH_ID = {"certificate", "referral"}


@login_required
@require_GET
def case_print(request, number, paper):
    """A printed paper of the case: its register row (number, issuer, date, QR to verify it) and its body."""
    if paper not in papers.PRINT_KINDS:
        raise Http404
    case = _visible_case(request, number)
    found = papers.for_print(case, paper, actor=request.user)
    if found is None:
        raise Http404
    show_full_id = may_see_full_id(request.user, case)
    verify_url = request.build_absolute_uri(found.get_verify_url())
    context = {
        "case": case,
        "paper": found,
        "verify_qr": qr_svg(verify_url),
        "verify_url": verify_url,
        "show_full_id": show_full_id,
        "id_number": case.applicant_id_number if show_full_id else case.masked_id_number,
        "stub": request.GET.get("stub") == "1",
    }
    if show_full_id and paper in PAPERS_WITH_ID:
        log_full_id(request, case=case.number, where=f"print_{paper}")
    if paper == "receipt":
        # The villager's one code: the case's own page, which also says the receipt is genuine.
        track_url = request.build_absolute_uri(reverse("cases:public_token", kwargs={"token": case.token}))
        context.update({"track_qr": qr_svg(track_url), "track_url": track_url})
    if found.step_id is not None:
        context["step"] = next((s for s in case.steps.all() if s.pk == found.step_id), None)
    if paper == "certificate":
        context["village_step"] = context.get("step")
    return render(request, f"cases/paper_{found.kind}.html", context)
