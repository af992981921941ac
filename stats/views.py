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
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cases.errors import CaseError
from cases.models import Paper
from cases.selectors import oversight
from tickets import figures as ticket_figures
from villages import attendance as village_attendance
from villages.access import county_office_counties, statistics_towns, visible_towns
from villages.models import Town

from . import county as county_dashboard
from . import drilldown, exports, services
from . import figures as f
from .charts import bar_chart, line_chart
from .periods import Period, PeriodError
from .queries import DEFINITIONS, LABELS, report, span_of
from .replica import reads_reports


def staff_towns(user):
    """The towns whose figures a user may read: their office or supervisor towns and, for a county office, every
    town of its county (villages.access.statistics_towns); every town for a superuser."""
    if user.is_superuser:
        return Town.objects.order_by("code")
    return statistics_towns(user).order_by("code")


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


ATTENDANCE = "attendance."  # the drill-down figures of villages.attendance


def _linker(town, period):
    """The drill-down address of a cell, (figure, dimension, value) → the list of its rows; the town's and period's
    part of the address is built once for the page's thousand-odd cells."""
    prefix = f"{reverse('admin:stats_list')}?{_query(town, period)}&"

    def link(cell) -> str | None:
        if not cell:
            return None
        figure, dimension, value = cell
        extra = {"figure": figure}
        if dimension is not None:
            extra.update({"by": dimension, "id": "none" if value is None else value})
        return prefix + urlencode(extra)

    return link


def _cell(value, url) -> dict:
    # The cell's markup made here as the template would make it (localized, escaped): a breakdown has hundreds.
    text = localize(value)
    return {
        "value": value,
        "url": url,
        "html": format_html('<a href="{}">{}</a>', url, text) if url and value else text,
    }


def _table_view(table: dict, town, period, *, links: bool, link_of) -> dict:
    columns = [column for column, _label in table["columns"]][1:]
    link = _linker(town, period)

    def cells(row):
        return [_cell(row.get(column, 0), link(link_of(row, column)) if links else None) for column in columns]

    return {
        "key": table.get("key", ""),
        "title": table["title"],
        "headings": [label for _column, label in table["columns"]],
        "rows": [{"name": row["name"], "cells": cells(row)} for row in [*table["rows"], *table.get("extra_rows", [])]],
        "total": {"name": table["total"]["name"], "cells": cells(table["total"])},
    }


def _tables(report_: dict, town, period, *, links: bool) -> list[dict]:
    """The breakdowns as the page and the paper show them: each cell with the address of its rows."""
    tables = [
        _table_view(report_[key], town, period, links=links,
                    link_of=lambda row, column: row.get("links", {}).get(column))
        for key in ("by_village", "by_department", "by_village_desk", "by_matter")
        if key in report_
    ]  # fmt: skip
    for key in ("by_village", "by_cadre"):
        table = report_.get("attendance", {}).get(key)
        if table is None:  # a paper issued before attendance was in the report prints what it was issued with
            continue
        dimension = table["dimension"]

        def link_of(row, column, dimension=dimension):
            # a row's desks, or (the 合计, pk None) every desk of the town
            return (f"{ATTENDANCE}{column}", dimension if row.get("pk") is not None else None, row.get("pk"))

        tables.append(_table_view(table, town, period, links=links, link_of=link_of))
    return tables


def _headline(report_: dict, town, period) -> list[dict]:
    link = _linker(town, period)
    return [
        {**row, "parts": [{**part, "url": link((part["key"], None, None))} for part in row["parts"]]}
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
        "attendance_definitions": report_["attendance"]["definitions"],
        "volume_chart": bar_chart(report_["series"], ("received", "completed"), highlight=set(report_["highlight"])),
        "satisfaction_chart": line_chart(report_["series"], "satisfaction_rate", highlight=set(report_["highlight"])),
    }


@staff_member_required
@require_GET
@reads_reports
def monthly_stats(request, admin_site):
    town, period = _town_and_period(request)
    context = _context(request, admin_site, town, period, report(town=town, period=period))
    context["issued"] = services.current_report_paper(town=town, period=period)
    context["may_issue"] = services.may_issue(request.user, town)
    context["period_over"] = period.is_over(timezone.localdate())
    context["ticket_figures"] = ticket_figures.for_period(town=town, period=period)  # templates/tickets/_stats_section
    return render(request, "admin/stats/monthly.html", context)


@staff_member_required
@require_GET
@reads_reports
def figure_list(request, admin_site):
    """The rows one figure counts (a headline figure or one cell of a breakdown), paginated."""
    town, period = _town_and_period(request, strict=True)
    key = request.GET.get("figure", "")
    dimension = request.GET.get("by") or None
    raw = request.GET.get("id", "")
    back = f"{reverse('admin:stats')}?{_query(town, period)}"
    page_query = _query(town, period, figure=key, by=dimension, id=raw if dimension else None)
    if key.startswith(ATTENDANCE):
        context = _attendance_list(request, town, period, key.removeprefix(ATTENDANCE), dimension, raw)
    else:
        context = _figure_list(request, town, period, key, dimension, raw)
    context.update(
        {**admin_site.each_context(request), "town": town, "period": period, "back": back, "page_query": page_query}
    )
    return render(request, "admin/stats/figure_list.html", context)


def _figure_list(request, town, period, key, dimension, raw) -> dict:
    if key not in f.FIGURES:
        raise Http404
    value = None
    if dimension is not None:
        if dimension not in f.SOURCES[f.FIGURES[key].source].dimensions:
            raise Http404
        if raw != "none":
            if not raw.isdigit():
                raise Http404
            value = int(raw)
    rows = drilldown.figure_rows(town=town, span=span_of(period, timezone.now(), town), key=key, dimension=dimension,
                                 value=value)  # fmt: skip
    return {
        "title": f.FIGURES[key].label,
        "figure": f.FIGURES[key],
        "definition": DEFINITIONS[key],
        "listing": f.listing(key),
        "page": drilldown.page_of(rows, request.GET.get("page")),
        "measured": drilldown.measured(rows, f.FIGURES[key]),
    }


def _attendance_list(request, town, period, key, dimension, raw) -> dict:
    """The desks behind an attendance figure (villages.attendance.attendance_items: the same definition)."""
    if key not in village_attendance.FIGURES or dimension not in (None, "village", "cadre"):
        raise Http404
    where = {}
    if dimension == "village":
        if not raw.isdigit():
            raise Http404
        where["village_id"] = int(raw)
    elif dimension == "cadre":
        if not (raw.isdigit() or raw in (village_attendance.UNASSIGNED, village_attendance.NO_RECORD)):
            raise Http404
        where["cadre_id"] = raw
    items = village_attendance.attendance_items(
        town=town, start=period.start, end=period.last_day, now=timezone.now(), figure=key, **where
    )
    label = village_attendance.labels(town)[key]
    return {
        "title": label,
        "figure": {"label": label},
        "definition": village_attendance.ATTENDANCE_DEFINITIONS[key],
        "listing": "shifts",
        "page": drilldown.page_of(items, request.GET.get("page")),
        "measured": None,
    }


@staff_member_required
@require_GET
@reads_reports
def report_print(request, admin_site):
    """The report as the town files it: the numbered paper if issued (its figures as they were then), else a draft."""
    town, period = _town_and_period(request)
    number = request.GET.get("number")
    paper = None
    if number:
        paper = get_object_or_404(Paper, town=town, kind=Paper.Kind.REPORT, number=number)
        report_ = paper.content["report"]
        period = Period.parse(paper.content["period"])
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
            replacing=request.POST.get("replacing", ""),
        )
    except CaseError as error:
        messages.error(request, str(error))
        return redirect(back)
    messages.success(request, _("Report issued: %(number)s.") % {"number": paper.number})
    return redirect(f"{reverse('admin:stats_print')}?{_query(town, period, number=paper.number)}")


@staff_member_required
@require_GET
@reads_reports
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
@reads_reports
def oversight_page(request, admin_site):
    # The cases behind oversight are the town's own: a county office reads statistics, not them.
    towns = Town.objects.all() if request.user.is_superuser else visible_towns(request.user)
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
@reads_reports
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


# --- the county ---------------------------------------------------------------------------------------------------


def _county_and_period(request) -> tuple[str, list[str], Period]:
    """The county a county office (or a superuser) asks for, among those it may see; and the period."""
    if request.user.is_superuser:
        counties = sorted(set(Town.objects.values_list("county", flat=True)))
    else:
        counties = sorted(county_office_counties(request.user))
    county = request.GET.get("county") or (counties[0] if counties else "")
    if county not in counties:
        raise PermissionDenied
    try:
        period = period_from(request.GET)
    except PeriodError as error:
        messages.error(request, str(error))
        period = Period.current_month()
    return county, counties, period


def _county_dashboard(request) -> tuple[str, list[str], Period, dict]:
    county, counties, period = _county_and_period(request)
    towns = Town.objects.filter(county=county).order_by("code")
    return county, counties, period, county_dashboard.dashboard(towns=towns, period=period, now=timezone.now())


def _county_view(dashboard: dict, county: str, period: Period) -> dict:
    """Each cell with its drill-down address: the town report's list of the figure, in that town and period."""
    rows = []
    for row in dashboard["rows"]:
        town = row["town"]
        link = _linker(town, period)
        cells = [
            {"value": row[key], "link": link((county_dashboard.link_figure(key), None, None))}
            for key, _label, _definition in dashboard["columns"]
        ]
        report_url = f"{reverse('admin:stats')}?{_query(town, period)}"
        rows.append({"town": town, "report": report_url, "cells": cells})
    total = [dashboard["total"][key] for key, _label, _definition in dashboard["columns"]]
    return {"county": county, "rows": rows, "total": total, "columns": dashboard["columns"]}


@staff_member_required
@require_GET
@reads_reports
def county_stats(request, admin_site):
    county, counties, period, dashboard = _county_dashboard(request)
    context = {
        **admin_site.each_context(request),
        "title": county_dashboard.title(county, period),
        "counties": counties,
        "period": period,
        "query": urlencode({"county": county, "period": period.param}),
        **_county_view(dashboard, county, period),
    }
    return render(request, "admin/stats/county.html", context)


@staff_member_required
@require_GET
@reads_reports
def county_export(request, admin_site):
    county, _counties, period, dashboard = _county_dashboard(request)
    response = HttpResponse(
        exports.county_workbook(dashboard, title=county_dashboard.title(county, period)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="county-{period.param}.xlsx"'
    return response
