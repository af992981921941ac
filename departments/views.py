"""The county officer's pages: the department's appointments and referrals across the county's towns, and the visit
rounds planned to meet them (/county/…). Thin: access → form → service → message → redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from villages.dates import cn_date
from villages.security import log_refusal

from . import access, selectors, services
from .forms import CancelRoundForm, VisitRoundForm
from .models import Department, VisitRound

REFUSAL_STATUS = {"not_allowed": 403, "stale": 409, "wrong_state": 409}


def _departments(request) -> list[Department]:
    departments = list(selectors.officer_departments(user=request.user))
    if not departments:
        raise PermissionDenied
    return departments


def _department(request, departments: list[Department]) -> Department:
    """The department asked for (?department=<id>), or the first; one the user is not an officer of is not found."""
    wanted = request.GET.get("department") or request.POST.get("department")
    if not wanted:
        return departments[0]
    found = next((d for d in departments if str(d.pk) == wanted), None)
    if found is None:
        raise Http404
    return found


def _board_url(department: Department, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in {"department": department.pk, **params}.items())
    return f"{reverse('departments:county')}?{query}"


@login_required
@require_GET
def county(request):
    departments = _departments(request)
    department = _department(request, departments)
    today = timezone.localdate()
    past = request.GET.get("past") == "1"
    until = parse_date(request.GET["until"]) if past and _is_day(request.GET.get("until")) else None
    board = selectors.county_board(department=department, today=today, past=past, until=until)
    earlier = _board_url(department, past=1, until=board.start.isoformat()) if past else None
    return render(
        request,
        "departments/county.html",
        {
            "departments": departments,
            "department": department,
            "board": board,
            "today": today,
            "earlier_url": earlier,
            "coming_url": _board_url(department),
            "past_url": _board_url(department, past=1),
        },
    )


def _round_form(department: Department, data=None, **kwargs) -> VisitRoundForm:
    return VisitRoundForm(
        data,
        towns=access.county_towns(department),
        officers=selectors.department_officers(department=department),
        **kwargs,
    )


def _form_page(request, *, department, form, visit=None, status=200):
    towns = list(access.county_towns(department))
    return render(
        request,
        "departments/round_form.html",
        {
            "department": department,
            "form": form,
            "visit": visit,
            "market_days": _market_days(towns),
            "back_url": _board_url(department),
        },
        status=status,
    )


def _market_days(towns) -> list:
    coming = selectors.coming_market_days(towns=towns, today=timezone.localdate())
    return [(town, coming.get(town.pk, [])) for town in towns]


def _refused(request, error: services.RoundError, form, *, where: str) -> int:
    log_refusal(request, kind="visit_round", detail=error.code, case=where)
    form.add_error(None, str(error))
    return REFUSAL_STATUS.get(error.code, 200)


@login_required
@require_http_methods(["GET", "POST"])
def round_new(request):
    department = _department(request, _departments(request))
    if request.method == "POST":
        form = _round_form(department, request.POST)
        status = 200
        if form.is_valid():
            data = form.cleaned_data
            try:
                visit = services.visit_round_plan(
                    actor=request.user,
                    department_id=department.pk,
                    town_id=data["town"].pk,
                    date=data["date"],
                    staff_ids=data["staff"],
                    note=data["note"],
                )
            except services.RoundError as error:
                status = _refused(request, error, form, where=f"department:{department.pk}")
            else:
                messages.success(
                    request,
                    _("Visit to %(town)s on %(date)s planned.")
                    % {"town": visit.town.name, "date": cn_date(visit.date)},
                )
                return redirect(_board_url(department))
        return _form_page(request, department=department, form=form, status=status)
    initial = {"staff": [str(request.user.pk)]}
    town_id = request.GET.get("town")
    if _is_id(town_id) and access.county_towns(department).filter(pk=town_id).exists():
        initial["town"] = int(town_id)
    day = parse_date(request.GET.get("date") or "") if _is_day(request.GET.get("date")) else None
    if day is not None:
        initial["date"] = day
    return _form_page(request, department=department, form=_round_form(department, initial=initial))


def _is_id(value) -> bool:
    return bool(value) and value.isascii() and value.isdigit() and len(value) <= 9


def _is_day(value) -> bool:
    try:
        return bool(value) and parse_date(value) is not None
    except ValueError:
        return False


def _visit(request, pk: int) -> VisitRound:
    _departments(request)
    return get_object_or_404(selectors.officer_rounds(user=request.user), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def round_edit(request, pk: int):
    visit = _visit(request, pk)
    department = visit.department
    if request.method == "POST":
        form = _round_form(department, request.POST)
        status = 200
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.visit_round_change(
                    actor=request.user,
                    round_id=visit.pk,
                    expected_version=data["version"] or 0,
                    town_id=data["town"].pk,
                    date=data["date"],
                    staff_ids=data["staff"],
                    note=data["note"],
                )
            except services.RoundError as error:
                status = _refused(request, error, form, where=f"visit_round:{visit.pk}")
            else:
                messages.success(request, _("Visit changed."))
                return redirect(_board_url(department))
        return _form_page(request, department=department, form=form, visit=visit, status=status)
    form = _round_form(
        department,
        initial={
            "town": visit.town_id,
            "date": visit.date,
            "staff": [str(user.pk) for user in visit.staff.all()],
            "note": visit.note,
            "version": visit.version,
        },
    )
    return _form_page(request, department=department, form=form, visit=visit)


@login_required
@require_POST
def round_cancel(request, pk: int):
    visit = _visit(request, pk)
    form = CancelRoundForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This form is out of date; open the page again."))
        return redirect(_board_url(visit.department))
    try:
        services.visit_round_cancel(
            actor=request.user,
            round_id=visit.pk,
            expected_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
    except services.RoundError as error:
        log_refusal(request, kind="visit_round", detail=error.code, case=f"visit_round:{visit.pk}")
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Visit to %(town)s on %(date)s cancelled.") % {"town": visit.town.name, "date": cn_date(visit.date)},
        )
    return redirect(_board_url(visit.department))
