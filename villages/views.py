import calendar
import datetime as dt
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import attendance, selectors, services
from .access import cadre_village_ids
from .forms import CorrectionForm, MarketDaysQueryForm, RosterForm, SignInForm, SignOutForm
from .models import DutyShift, MarketDay, Town, TownStaff
from .security import log_refusal

ROSTER_DAYS = 10


def _staff_town(request, *, office_only: bool) -> Town:
    roles = (TownStaff.Role.OFFICE,) if office_only else (TownStaff.Role.OFFICE, TownStaff.Role.SUPERVISOR)
    town = selectors.towns_of_staff(user=request.user, roles=roles).first()
    if town is None:
        raise PermissionDenied
    return town


def _roster_page(request, *, town: Town, is_office: bool, chosen=None, refusals=()):
    """The grid; after a refused save, drawn with the posted choices and each refused cell marked."""
    days = selectors.coming_market_days(town=town, limit=ROSTER_DAYS)
    grid = selectors.roster_grid(town=town, market_days=days)
    chosen, errors = chosen or {}, {refusal.key: refusal.reason for refusal in refusals}
    for row in grid["rows"]:
        # A choice the select cannot show (not one of the village's cadres) keeps showing the saved cadre.
        options = {None} | {user.pk for user in row["cadres"]}
        for cell in row["cells"]:
            key = (cell["day"].pk, row["village"].pk)
            if chosen.get(key, cell["chosen"]) in options:
                cell["chosen"] = chosen.get(key, cell["chosen"])
            cell["error"] = errors.get(key, "")
    return render(request, "villages/roster.html", {"town": town, "days": days, "is_office": is_office, **grid})


@login_required
@require_GET
def roster(request):
    town = _staff_town(request, office_only=False)
    is_office = selectors.towns_of_staff(user=request.user, roles=(TownStaff.Role.OFFICE,)).filter(pk=town.pk).exists()
    return _roster_page(request, town=town, is_office=is_office)


def _roster_scope(request) -> tuple[Town, frozenset[int] | None]:
    """Whose 值班表: the town office and supervisors see their town (?town=<code> when they have several), a village
    cadre sees only the columns of their own village(s); anyone else is refused, and a town not theirs is not found."""
    code = request.GET.get("town")
    towns = selectors.towns_of_staff(user=request.user)
    town = towns.filter(code=code).first() if code else towns.order_by("code").first()
    if town is not None:
        return town, None
    village_ids = cadre_village_ids(request.user)
    if not village_ids and not towns.exists():
        raise PermissionDenied
    cadre_towns = Town.objects.filter(villages__pk__in=village_ids).distinct().order_by("code")
    town = cadre_towns.filter(code=code).first() if code else cadre_towns.first()
    if town is None:
        raise Http404
    return town, village_ids


def _month(value: str | None, today: dt.date) -> dt.date:
    """The first day of ?month=YYYY-MM (this month when absent); a month to come or a malformed one is not found."""
    if not value:
        return today.replace(day=1)
    match = re.fullmatch(r"(\d{4})-(\d{2})", value)
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise Http404
    first = dt.date(int(match[1]), int(match[2]), 1)
    if first > today:
        raise Http404
    return first


@login_required
@require_GET
def duty_roster(request):
    """The month's 值班表: market days × villages, the cadre on duty, sign-in and sign-out, the status marks; printed
    on A4 landscape."""
    town, village_ids = _roster_scope(request)
    now = timezone.now()
    today = timezone.localdate(now)
    first = _month(request.GET.get("month"), today)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = last + dt.timedelta(days=1)
    roster = attendance.duty_roster(town=town, start=first, end=last, now=now, village_ids=village_ids)
    # The month's figures under the grid, one line per figure, a column per village shown (合计 for the whole town).
    table = attendance.attendance_by_village(town=town, start=first, end=last, now=now)
    shown = {village.pk for village in roster["villages"]}
    by_village = {row["pk"]: row for row in table["rows"] if row["pk"] in shown}
    summary = [
        {
            "key": key,
            "label": label,
            "definition": attendance.ATTENDANCE_DEFINITIONS[key],
            "cells": [by_village[village.pk][key] for village in roster["villages"]],
            "total": table["total"][key] if village_ids is None else None,
        }
        for key, label in table["columns"][1:]
    ]
    return render(
        request,
        "villages/duty_roster.html",
        {
            "town": town,
            "month": first,
            "previous": previous,
            "following": following if following <= today else None,
            "roster": roster,
            "summary": summary,
            "is_whole_town": village_ids is None,
        },
    )


@login_required
@require_POST
def roster_save(request):
    town = _staff_town(request, office_only=True)
    form = RosterForm(request.POST)
    if not form.is_valid():
        log_refusal(request, kind="invalid_input", detail="roster")
        for error in form.non_field_errors():
            messages.error(request, error)
        return _roster_page(request, town=town, is_office=True)
    try:
        result = services.roster_save(actor=request.user, town=town, cells=form.cleaned_data["cells"])
    except services.VillageError as error:
        log_refusal(request, kind="service", detail=getattr(error, "code", type(error).__name__))
        messages.error(request, str(error))
        return _roster_page(request, town=town, is_office=True, chosen=form.chosen())
    if not result.saved:
        log_refusal(request, kind="service", detail="roster:" + ",".join(sorted({r.code for r in result.refusals})))
        messages.error(
            request,
            _("Nothing was saved: %(n)s desk(s) refused. Correct the marked desks and save again.")
            % {"n": len(result.refusals)},
        )
        for refusal in result.refusals:
            messages.error(request, str(refusal))
        return _roster_page(request, town=town, is_office=True, chosen=form.chosen(), refusals=result.refusals)
    messages.success(request, _("Roster saved: %(n)s desk(s) changed.") % {"n": result.changed})
    return redirect("villages:roster")


@login_required
@require_POST
def roster_rotate(request):
    town = _staff_town(request, office_only=True)
    days = selectors.coming_market_days(town=town, limit=ROSTER_DAYS)
    filled = services.roster_fill_rotation(actor=request.user, town=town, market_days=days)
    messages.success(request, _("Filled %(n)s empty desk(s) by rotation.") % {"n": filled})
    return redirect("villages:roster")


@login_required
def shift_correct(request, pk):
    town = _staff_town(request, office_only=False)
    try:
        shift = selectors.shift_detail(pk=pk)
    except DutyShift.DoesNotExist:
        raise Http404 from None
    if shift.market_day.town_id != town.pk:
        raise Http404
    is_office = selectors.towns_of_staff(user=request.user, roles=(TownStaff.Role.OFFICE,)).filter(pk=town.pk).exists()
    initial = {
        "signed_in": timezone.localtime(shift.signed_in_at).time() if shift.signed_in_at else None,
        "signed_out": timezone.localtime(shift.signed_out_at).time() if shift.signed_out_at else None,
    }
    form = CorrectionForm(request.POST or None, day=shift.market_day.date, initial=initial)
    if request.method == "POST":
        if not is_office:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.shift_correct(
                    actor=request.user,
                    shift_id=shift.pk,
                    signed_in_at=form.cleaned_data["signed_in_at"],
                    signed_out_at=form.cleaned_data["signed_out_at"],
                    reason=form.cleaned_data["reason"],
                )
            except services.VillageError as error:
                log_refusal(request, kind="service", detail=getattr(error, "code", type(error).__name__))
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The record was corrected; the correction stays on record."))
                return redirect("villages:shift", pk=shift.pk)
    return render(
        request,
        "villages/shift.html",
        {
            "shift": shift,
            "form": form,
            "is_office": is_office,
            "attendance": shift.get_attendance_display_for(town),
        },
    )


@login_required
@require_POST
def sign_in(request):
    form = SignInForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Confirm that you carry the village committee seal."))
        return redirect("cases:desk")
    try:
        shift = services.shift_sign_in(
            actor=request.user, shift_id=form.cleaned_data["shift"], seal_carried=form.cleaned_data["seal_carried"]
        )
    except DutyShift.DoesNotExist:
        raise Http404 from None
    except services.VillageError as error:
        log_refusal(request, kind="service", detail=getattr(error, "code", type(error).__name__))
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Signed in at %(time)s.") % {"time": timezone.localtime(shift.signed_in_at).strftime("%H:%M:%S")}
        )
    return redirect("cases:desk")


@login_required
@require_POST
def sign_out(request):
    form = SignOutForm(request.POST)
    if not form.is_valid():
        raise Http404
    try:
        shift = services.shift_sign_out(actor=request.user, shift_id=form.cleaned_data["shift"])
    except DutyShift.DoesNotExist:
        raise Http404 from None
    except services.VillageError as error:
        log_refusal(request, kind="service", detail=getattr(error, "code", type(error).__name__))
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Signed out at %(time)s.") % {"time": timezone.localtime(shift.signed_out_at).strftime("%H:%M:%S")},
        )
    return redirect("cases:desk")


@require_GET
def api_market_days(request):
    form = MarketDaysQueryForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"error": "bad_request", "detail": form.errors.get_json_data()}, status=400)
    town = Town.objects.filter(code=form.cleaned_data["town"]).first()
    if town is None:
        return JsonResponse({"error": "not_found"}, status=404)
    days = MarketDay.objects.filter(
        town=town, date__gte=form.cleaned_data["start"], date__lte=form.cleaned_data["end"]
    ).order_by("date")
    return JsonResponse(
        {
            "town": {"code": town.code, "name": town.name},
            "from": form.cleaned_data["start"].isoformat(),
            "to": form.cleaned_data["end"].isoformat(),
            "market_days": [
                {"date": d.date.isoformat(), "cancelled": d.is_cancelled, "note": d.note if d.is_cancelled else ""}
                for d in days
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )
