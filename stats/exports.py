"""The report as a workbook and as CSV: the same tables as the paper, numbers stored as numbers, and the rule that
keeps formula-like text from running as a formula."""

import csv
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from cases.templatetags.hall import cn_date

# A text cell beginning with one of these is run as a formula by Excel and LibreOffice (CSV injection): a village
# named "=HYPERLINK(…)" must arrive as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_cell(value):
    """CSV has no cell types: a formula-like text is prefixed with an apostrophe, which spreadsheets hide."""
    return f"'{value}" if is_formula_like(value) else value


def sheets(report: dict) -> list[tuple[str, list[str], list[list]]]:
    """The report as tables: (title, headings, rows), every breakdown ending with its 合计 row."""
    compare = "previous" in report["headline"][0]
    headings = [_("Figure"), _("This period")]
    if compare:
        headings += [_("Period before (环比)"), _("Increase or decrease"), _("A year before (同比)"),
                     _("Increase or decrease")]  # fmt: skip
    headings.append(_("Definition"))
    overview = []
    for row in report["headline"]:
        line = [row["label"], row["value"]]
        if compare:
            line += [row["previous"], row["previous_change"], row["year_before"], row["year_before_change"]]
        overview.append([*line, row["definition"]])
    totals = report["totals"]
    result = [
        (_("Overview"), headings, overview),
        (
            _("Since start"),
            [_("Figure"), _("Since %(day)s") % {"day": totals["since_label"]}, _("Of which counted by the system")],
            [[row["label"], row["value"], row["system"]] for row in totals["rows"]],
        ),
    ]
    for key in ("by_village", "by_department", "by_village_desk", "by_matter", *_attendance_keys(report)):
        table = _table(report, key)
        columns = [column for column, _label in table["columns"]]
        rows = [[row.get(column) for column in columns] for row in [*table["rows"], *table.get("extra_rows", [])]]
        rows.append([table["total"].get(column) for column in columns])
        result.append((table["title"], [label for _column, label in table["columns"]], rows))
    result.append(
        (
            _("Last 13 months"),
            [_("Month"), _("Applications accepted"), _("Completed"), _("Satisfaction rate (%)")],
            [[r["month"], r["received"], r["completed"], r["satisfaction_rate"]] for r in report["series"]],
        )
    )
    return [(str(title), [str(h) for h in headings], rows) for title, headings, rows in result]


def _attendance_keys(report: dict) -> tuple[str, ...]:
    return tuple(f"attendance.{key}" for key in ("by_village", "by_cadre") if key in report.get("attendance", {}))


def _table(report: dict, key: str) -> dict:
    if key.startswith("attendance."):
        return report["attendance"][key.split(".", 1)[1]]
    return report[key]


SIGNATURES = (("填报单位（盖章）", "unit"), ("填报人", "preparer"), ("审核人", ""), ("分管领导", ""))


def workbook(report: dict, *, town, preparer: str) -> bytes:
    book = Workbook()
    book.remove(book.active)
    thin = Side(style="thin")
    for index, (title, headings, rows) in enumerate(sheets(report)):
        sheet = book.create_sheet(title[:31])
        first = 1
        if index == 0:
            # The first sheet is the form as filed: its title, the period, and the signature lines.
            sheet.append([report["title"]])
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headings))
            sheet["A1"].font = Font(bold=True, size=14)
            sheet["A1"].alignment = Alignment(horizontal="center")
            sheet.append([_("Period"), report["period"]["label"]])
            first = 3
        sheet.append(headings)
        for cell in sheet[first]:
            cell.font = Font(bold=True)
            cell.border = Border(bottom=thin)
        for row in rows:
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if is_formula_like(cell.value):
                    cell.data_type = "s"  # kept as the text it is, never evaluated
        if index > 1 and title != str(_("Last 13 months")):
            for cell in sheet[sheet.max_row]:  # the 合计 row
                cell.font = Font(bold=True)
                cell.border = Border(top=thin)
        if index == 0:
            sheet.append([])
            values = {"unit": town.government, "preparer": preparer}
            for label, key in SIGNATURES:
                sheet.append([label, values.get(key, "")])
            sheet.append([_("Date"), cn_date(timezone.localdate())])
            sheet.column_dimensions["G" if len(headings) > 6 else "C"].width = 60
        sheet.column_dimensions["A"].width = 30
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_text(report: dict, *, town) -> str:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([csv_cell(report["title"])])
    writer.writerow([_("Period"), report["period"]["label"]])
    writer.writerow([])
    for title, headings, rows in sheets(report):
        writer.writerow([csv_cell(title)])
        writer.writerow([csv_cell(h) for h in headings])
        writer.writerows([csv_cell(value) for value in row] for row in rows)
        writer.writerow([])
    # A byte-order mark so Excel on the hall PC opens the Chinese text correctly.
    return "\ufeff" + text.getvalue()


def county_workbook(dashboard: dict, *, title: str) -> bytes:
    """The county's dashboard as one sheet: a row per town and the 合计, numbers as numbers, then the definitions."""
    book = Workbook()
    sheet = book.active
    sheet.title = str(_("Towns side by side"))[:31]
    headings = [str(_("Town")), *(label for _key, label, _definition in dashboard["columns"])]
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headings))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("Period"), dashboard["period"].label])
    sheet.append(headings)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    keys = [key for key, _label, _definition in dashboard["columns"]]
    for row in dashboard["rows"]:
        sheet.append([row["town"].name, *(row[key] for key in keys)])
    sheet.append([dashboard["total"]["name"], *(dashboard["total"][key] for key in keys)])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.border = Border(top=Side(style="thin"))
    sheet.append([])
    for _key, label, definition in dashboard["columns"]:
        sheet.append([label, definition])
    sheet.column_dimensions["A"].width = 24
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
