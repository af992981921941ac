"""The rows behind a figure of the report (drill-down): the same source and filter as the figure (stats.figures),
one page at a time — a count and the page's rows, whatever the period's size."""

from django.core.paginator import Paginator
from django.db.models import Sum

from cases.models import Case, CaseStep, Rating, Rectification
from villages.models import Consultation

from . import figures as f

PER_PAGE = 50

# Per kind of row: what the page needs loaded with it, and the order (oldest first, as a ledger reads).
LOADS = {
    Case: (("matter", "village"), ("received_at", "pk")),
    CaseStep: (("case", "case__village", "department"), ("due_on", "pk")),
    Consultation: (("village",), ("recorded_at", "pk")),
    Rating: (("case", "case__village"), ("rated_at", "pk")),
    Rectification: (("rating", "rating__case", "department", "village"), ("opened_at", "pk")),
}
# ... and only the columns its table shows (templates/admin/stats/figure_list.html): a page of fifty rows, not fifty
# whole cases with their materials. A column the table starts to show goes here too, or each row costs a query.
COLUMNS = {
    Case: ("number", "applicant_name", "village__name", "matter__name", "received_at", "accepted_at", "closed_at",
           "state"),
    CaseStep: ("case__number", "case__village__name", "department__name", "action", "due_on", "finished_at",
               "state"),
    Consultation: ("recorded_at", "village__name", "topic", "people", "note"),
    Rating: ("case__number", "case__village__name", "rated_at", "level", "comment"),
    Rectification: ("rating__case__number", "department__name", "village__name", "opened_at", "due_at", "done_at"),
}  # fmt: skip


def figure_rows(*, town, span: f.Span, key: str, dimension: str | None, value):
    queryset = f.rows(town, span, key, dimension=dimension, value=value)
    related, order = LOADS[queryset.model]
    ordered_by = f.SOURCES[f.FIGURES[key].source].ordered_by
    if ordered_by:  # in the order of the figure's own moment: its index hands the page over without a sort
        order = (ordered_by, "pk")
    return queryset.select_related(*related).only(*COLUMNS[queryset.model]).order_by(*order)


def page_of(queryset, number) -> object:
    return Paginator(queryset, PER_PAGE).get_page(number)


def measured(queryset, figure: f.Figure) -> int | None:
    """A person-time figure is the sum of `people` over its rows, not their number."""
    if not figure.people:
        return None
    return queryset.order_by().aggregate(total=Sum("people"))["total"] or 0
