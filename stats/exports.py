"""The month's report as spreadsheet tables, and the rule that keeps formula-like text from running as a formula."""

from django.utils.translation import gettext as _

# A text cell beginning with one of these is run as a formula by Excel and LibreOffice (CSV injection): a village
# named "=HYPERLINK(…)" must arrive as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_cell(value):
    """CSV has no cell types: a formula-like text is prefixed with an apostrophe, which spreadsheets hide."""
    return f"'{value}" if is_formula_like(value) else value


def _sheets(report: dict) -> list[tuple[str, list[str], list[list]]]:
    """The report as tables: (sheet title, headings, rows). Numbers stay numbers."""
    sheets = [
        (
            _("Overview"),
            [_("Figure"), _("Value"), _("Definition")],
            [[row["label"], row["value"], row["definition"]] for row in report["headline"]],
        ),
        (_("Since start"), [_("Figure"), _("Value")], [[row["label"], row["value"]] for row in report["totals"]]),
    ]
    for title, key in (
        (_("By village"), "by_village"),
        (_("By department"), "by_department"),
        (_("By matter"), "by_matter"),
        (_("Attendance"), "attendance"),
    ):
        table = report[key]
        sheets.append(
            (
                title,
                [label for _key, label in table["columns"]],
                [[row[k] for k, _label in table["columns"]] for row in table["rows"]],
            )
        )
    sheets.append(
        (
            _("Last 13 months"),
            [_("Month"), _("Applications accepted"), _("Completed"), _("Satisfaction rate (%)")],
            [[r["month"], r["received"], r["completed"], r["satisfaction_rate"]] for r in report["series"]],
        )
    )
    return [(str(title), [str(h) for h in headings], rows) for title, headings, rows in sheets]
