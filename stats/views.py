"""The town office's statistics pages in the admin (the report for any period, its drill-down lists, the numbered
paper and the exports, oversight) and the stats API."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cases.errors import CaseError
from cases.models import Paper
from cases.selectors import oversight
from villages.access import visible_towns
from villages.models import Town, TownStaff

from . import drilldown, exports, services
from . import figures as f
from .charts import bar_chart, line_chart
from .periods import Period, PeriodError
from .queries import DEFINITIONS, LABELS, report, span_of


def staff_towns(user):
    """The towns whose figures a user may read: their office or supervisor towns; every town for a superuser."""
    if user.is_superuser:
        return Town.objects.order_by("code")
    return visible_towns(user).order_by("code")


def may_issue(user, town) -> bool:
    """The town office files the report; a supervisor reads it."""
    return user.is_superuser or visible_towns(user, roles=(TownStaff.Role.OFFICE,)).filter(pk=town.pk).exists()


def period_from(params) -> Period:
    """The period a request asks for: `period` (2026-11, 2026-Q4, 2026, 2026-11-01..2026-11-15) or the fields of the
    page's forms (month, quarter, year, from + to). Nothing asked: the current month."""
    if params.get("period"):
        return Period.parse(params["period"])
    if params.get("from") or params.get("to"):
        return Period.parse(f"{params.get('from', '')}..{params.get('to', '')}")
    for name in ("quarter", "year", "month"):
        if params.get(name):
            return Period.parse(params[name])
    return Period.current_month()


def _town_and_period(request, *, strict: bool = False) -> tuple[Town, Period]:
    towns = staff_towns(request.user)
    code = request.GET.get("town")
    town = (towns.filter(code=code) if code else towns).first()
    if town is None:
        raise PermissionDenied
    try:
        period = period_from(request.GET)
    except PeriodError as error:
        if strict:
            raise Http404(str(error)) from None
        messages.error(request, str(error))
        period = Period.current_month()
    return town, period


def _query(town, period, **extra) -> str:
    return urlencode({"town": town.code, "period": period.param, **{k: v for k, v in extra.items() if v is not None}})


def _link(town, period, link) -> str | None:
    """The drill-down address of a cell: (figure, dimension, value) → the list of its rows."""
    if not link:
        return None
    figure, dimension, value = link
    extra = {"figure": figure}
    if dimension is not None:
        extra.update({"by": dimension, "id": "none" if value is None else value})
    return f"{reverse('admin:stats_list')}?{_query(town, period, **extra)}"


def _tables(report_: dict, town, period, *, links: bool) -> list[dict]:
    tables = []
    for key in ("by_village", "by_department", "by_village_desk", "by_matter"):
        table = report_[key]
        columns = [column for column, _label in table["columns"]]

        def cells(row, columns=columns):
            return [
                {
                    "value": row.get(column, 0),
                    "url": _link(town, period, row.get("links", {}).get(column)) if links else None,
                }
                for column in columns[1:]
            ]

        tables.append(
            {
                "title": table["title"],
                "headings": [label for _column, label in table["columns"]],
                "rows": [{"name": row["name"], "cells": cells(row)} for row in [*table["rows"], *table["extra_rows"]]],
                "total": {"name": table["total"]["name"], "cells": cells(table["total"])},
            }
        )
    return tables


def _headline(report_: dict, town, period) -> list[dict]:
    return [
        {**row, "parts": [{**part, "url": _link(town, period, (part["key"], None, None))} for part in row["parts"]]}
        for row in report_["headline"]
    ]


def _context(request, admin_site, town, period, report_) -> dict:
    return {
        **admin_site.each_context(request),
        "title": _("Statistics"),
        "town": town,
        "towns": staff_towns(request.user),
        "period": period,
        "report": report_,
        "query": _query(town, period),
        "definitions": [(LABELS[key], text) for key, text in DEFINITIONS.items()],
        "headline": _headline(report_, town, period),
        "tables": _tables(report_, town, period, links=True),
        "volume_chart": bar_chart(report_["series"], ("received", "completed"), highlight=set(report_["highlight"])),
        "satisfaction_chart": line_chart(report_["series"], "satisfaction_rate", highlight=set(report_["highlight"])),
    }


@staff_member_required
@require_GET
def monthly_stats(request, admin_site):
    town, period = _town_and_period(request)
    context = _context(request, admin_site, town, period, report(town=town, period=period))
    context["issued"] = services.current_report_paper(town=town, period=period)
    context["may_issue"] = may_issue(request.user, town)
    return render(request, "admin/stats/monthly.html", context)


@staff_member_required
@require_GET
def figure_list(request, admin_site):
    """The rows one figure counts (a headline figure or one cell of a breakdown), paginated."""
    town, period = _town_and_period(request, strict=True)
    key = request.GET.get("figure", "")
    if key not in f.FIGURES:
        raise Http404
    dimension = request.GET.get("by") or None
    value = None
    if dimension is not None:
        if dimension not in f.SOURCES[f.FIGURES[key].source].dimensions:
            raise Http404
        raw = request.GET.get("id", "")
        if raw != "none":
            if not raw.isdigit():
                raise Http404
            value = int(raw)
    rows = drilldown.figure_rows(
        town=town, span=span_of(period, timezone.now()), key=key, dimension=dimension, value=value
    )
    page = drilldown.page_of(rows, request.GET.get("page"))
    measured = drilldown.measured(rows, f.FIGURES[key])
    context = {
        **admin_site.each_context(request),
        "title": f.FIGURES[key].label,
        "town": town,
        "period": period,
        "figure": f.FIGURES[key],
        "definition": DEFINITIONS[key],
        "listing": f.listing(key),
        "page": page,
        "measured": measured,
        "back": f"{reverse('admin:stats')}?{_query(town, period)}",
        "page_query": _query(town, period, figure=key, by=dimension, id=request.GET.get("id") if dimension else None),
    }
    return render(request, "admin/stats/figure_list.html", context)


@staff_member_required
@require_GET
def report_print(request, admin_site):
    """The report as the town files it: the numbered paper if issued (its figures as they were then), else a draft."""
    town, period = _town_and_period(request)
    number = request.GET.get("number")
    paper = None
    if number:
        paper = get_object_or_404(Paper, town=town, kind=Paper.Kind.REPORT, number=number)
        report_ = paper.content["report"]
    else:
        report_ = report(town=town, period=period)
    context = {
        "town": town,
        "period": period,
        "report": report_,
        "paper": paper,
        "headline": report_["headline"],
        "tables": _tables(report_, town, period, links=False),
        "verify_url": request.build_absolute_uri(paper.get_verify_url()) if paper else "",
        "preparer": request.user.get_full_name(),
        "today": timezone.localdate(),
    }
    return render(request, "stats/report_paper.html", context)


@staff_member_required
@require_POST
def report_issue(request, admin_site):
    town, period = _town_and_period(request, strict=True)
    back = f"{reverse('admin:stats')}?{_query(town, period)}"
    try:
        paper = services.report_issue(
            town=town,
            period=period,
            actor=request.user,
            may_issue=may_issue(request.user, town),
            replacing=request.POST.get("replacing", ""),
        )
    except CaseError as error:
        messages.error(request, str(error))
        return redirect(back)
    messages.success(request, _("Report issued: %(number)s.") % {"number": paper.number})
    return redirect(f"{reverse('admin:stats_print')}?{_query(town, period, number=paper.number)}")


@staff_member_required
@require_GET
def monthly_export(request, admin_site, fmt: str):
    town, period = _town_and_period(request)
    report_ = report(town=town, period=period)
    filename = f"jinjie-{town.code}-{period.param}.{fmt}"
    if fmt == "xlsx":
        response = HttpResponse(
            exports.workbook(report_, town=town, preparer=request.user.get_full_name()),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(exports.csv_text(report_, town=town), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_member_required
@require_GET
def oversight_page(request, admin_site):
    towns = staff_towns(request.user)
    town_ids = list(towns.values_list("pk", flat=True))
    if not town_ids:
        raise PermissionDenied
    context = {
        **admin_site.each_context(request),
        "title": _("Oversight"),
        **oversight(town_ids=town_ids),
    }
    return render(request, "admin/stats/oversight.html", context)


@never_cache
@require_GET
def api_monthly(request):
    if not request.user.is_authenticated:
        return JsonResponse({"error": "authentication_required"}, status=401)
    towns = staff_towns(request.user)
    town = towns.filter(code=request.GET.get("town", "")).first()
    if town is None:
        status = 404 if not Town.objects.filter(code=request.GET.get("town", "")).exists() else 403
        return JsonResponse({"error": "not_found" if status == 404 else "forbidden"}, status=status)
    try:
        if request.GET.get("period"):
            period = Period.parse(request.GET["period"])
        else:
            period = Period.parse(request.GET.get("month", ""))
            if period.kind != "month":
                raise PeriodError("month")
    except PeriodError:
        return JsonResponse(
            {"error": "bad_request", "detail": "month must be YYYY-MM (or period: YYYY-MM, YYYY-Qn, YYYY, "
             "YYYY-MM-DD..YYYY-MM-DD)"}, status=400)  # fmt: skip
    report_ = report(town=town, period=period)
    report_["definitions"] = {key: str(text) for key, text in DEFINITIONS.items()}
    report_["generated_at"] = timezone.localtime().isoformat(timespec="seconds")
    return JsonResponse(report_, json_dumps_params={"ensure_ascii": False})
