"""The town office's statistics pages in the admin (the month, its exports, oversight) and the stats API."""

import csv
import io

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.styles import Font

from cases.selectors import oversight
from villages.access import visible_towns
from villages.models import Town

from .charts import bar_chart, line_chart
from .exports import _sheets, csv_cell, is_formula_like
from .queries import DEFINITIONS, Month, monthly_report


def staff_towns(user):
    """The towns whose figures a user may read: their office or supervisor towns; every town for a superuser."""
    if user.is_superuser:
        return Town.objects.order_by("code")
    return visible_towns(user).order_by("code")


def _town_and_month(request) -> tuple[Town, Month]:
    towns = staff_towns(request.user)
    code = request.GET.get("town")
    town = (towns.filter(code=code) if code else towns).first()
    if town is None:
        raise PermissionDenied
    try:
        month = Month.parse(request.GET["month"]) if request.GET.get("month") else Month.current()
    except ValueError:
        month = Month.current()
    return town, month


@staff_member_required
@require_GET
def monthly_stats(request, admin_site):
    town, month = _town_and_month(request)
    report = monthly_report(town=town, month=month)
    context = {
        **admin_site.each_context(request),
        "title": _("Monthly statistics"),
        "town": town,
        "towns": staff_towns(request.user),
        "month": month,
        "report": report,
        "breakdowns": [
            (
                title,
                [label for _key, label in table["columns"]],
                [[row[k] for k, _l in table["columns"]] for row in table["rows"]],
            )
            for title, table in (
                (_("By village"), report["by_village"]),
                (_("By department"), report["by_department"]),
                (_("By matter"), report["by_matter"]),
                (_("Cadre attendance (947) by village"), report["attendance"]),
            )
        ],
        "volume_chart": bar_chart(report["series"], ("received", "completed")),
        "satisfaction_chart": line_chart(report["series"], "satisfaction_rate"),
    }
    return render(request, "admin/stats/monthly.html", context)


@staff_member_required
@require_GET
def monthly_export(request, admin_site, fmt: str):
    town, month = _town_and_month(request)
    report = monthly_report(town=town, month=month)
    filename = f"jinjie-{town.code}-{month}.{fmt}"
    if fmt == "xlsx":
        workbook = Workbook()
        workbook.remove(workbook.active)
        for title, headings, rows in _sheets(report):
            sheet = workbook.create_sheet(title[:31])
            sheet.append(headings)
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            for row in rows:
                sheet.append(row)
                for cell in sheet[sheet.max_row]:
                    if is_formula_like(cell.value):
                        cell.data_type = "s"  # kept as the text it is, never evaluated
            sheet.column_dimensions["A"].width = 28
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        text = io.StringIO()
        writer = csv.writer(text)
        for title, headings, rows in _sheets(report):
            writer.writerow([csv_cell(title)])
            writer.writerow([csv_cell(h) for h in headings])
            writer.writerows([csv_cell(value) for value in row] for row in rows)
            writer.writerow([])
        # A byte-order mark so Excel on the hall PC opens the Chinese text correctly.
        response = HttpResponse("\ufeff" + text.getvalue(), content_type="text/csv; charset=utf-8")
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
        month = Month.parse(request.GET.get("month", ""))
    except ValueError:
        return JsonResponse({"error": "bad_request", "detail": "month must be YYYY-MM"}, status=400)
    report = monthly_report(town=town, month=month)
    report["definitions"] = {key: str(text) for key, text in DEFINITIONS.items()}
    report["generated_at"] = timezone.localtime().isoformat(timespec="seconds")
    return JsonResponse(report, json_dumps_params={"ensure_ascii": False})
