"""What every figure of the report counts, written once.

A figure is a filter on one source — the rows of one table that fall in the period (cases accepted, cases closed,
steps due, consultations, ratings …). The report aggregates each source once with one filtered COUNT per figure;
the drill-down lists the same source with the same filter, so a list's length is the figure by construction.
Breakdown tables group the same filtered counts by a dimension (village, department, matter).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import workflow
from cases.models import Case, CaseStep, Matter, MediationOutcome, Rating, Rectification
from cases.models.feedback import counts_against_desk
from villages.models import Consultation

SATISFIED_MIN = Rating.Level.BASICALLY_SATISFIED
BAD_MAX = Rating.Level.DISSATISFIED
S = workflow.CaseState


@dataclass(frozen=True)
class Span:
    """What a figure's filter may depend on: the period's bounds in time and the moment the report is taken."""

    start: dt.datetime
    end: dt.datetime
    now: dt.datetime
    town: object = None


@dataclass(frozen=True)
class Source:
    """The rows of one table that belong to a period, and the fields a breakdown groups them by. Sources on the same
    table (cases accepted, received and closed) are counted together in one pass over the union of their ranges."""

    key: str
    model: type
    town_field: str
    range: Callable[[Span], Q]  # the rows of the period
    dimensions: dict[str, str]  # dimension -> field to group or filter by
    listing: str  # which list template shows its rows: cases, steps, consultations, ratings, rectifications
    annotations: Callable[[], dict] = dict
    # The stored month figures (stats.tally). A row of a finished month is final — its part in every figure of the
    # source will never change — when `settled(before)` holds, `before` being the moment the month was stored; None:
    # every row of a finished month is final (its facts are stamped when they happen). Not `stored`: always counted
    # from the rows (rectifications, whose figures follow the callbacks and appeals that come after).
    settled: Callable[[dt.datetime], Q] | None = None
    stored: bool = True
    # The moment the range is on: the drill-down lists the rows in its order, so the range's own index gives them.
    ordered_by: str = ""

    def base(self, town) -> QuerySet:
        return self.model.objects.filter(**{self.town_field: town})

    def rows(self, town, span: Span) -> QuerySet:
        return self.base(town).annotate(**self.annotations()).filter(self.range(span))


def _local_days() -> dict:
    tz = timezone.get_current_timezone()
    return {"received_day": TruncDate("received_at", tzinfo=tz), "closed_day": TruncDate("closed_at", tzinfo=tz)}


def _between(field_name: str) -> Callable[[Span], Q]:
    return lambda span: Q(**{f"{field_name}__gte": span.start, f"{field_name}__lt": span.end})


def _due_in(span: Span) -> Q:
    """Steps whose due date (cases.workflow: the last working day of the limit) falls in the period."""
    return Q(due_on__gte=timezone.localdate(span.start), due_on__lt=timezone.localdate(span.end))


CASE_DIMENSIONS = {"village": "village_id", "matter": "matter_id"}
# The step's own copy of its case's town and village (fixed at intake): steps are counted without a join.
STEP_DIMENSIONS = {"department": "department_id", "village": "village_id"}
RECTIFICATION_DIMENSIONS = {"department": "department_id", "village": "village_id"}
SOURCES = {
    source.key: source
    for source in (
        Source("accepted", Case, "town", _between("accepted_at"), CASE_DIMENSIONS, "cases", ordered_by="accepted_at"),
        Source("received", Case, "town", _between("received_at"), CASE_DIMENSIONS, "cases", ordered_by="received_at"),
        Source("closed", Case, "town", _between("closed_at"), CASE_DIMENSIONS, "cases", _local_days,
               ordered_by="closed_at"),
        Source("steps_finished", CaseStep, "town", _between("finished_at"), STEP_DIMENSIONS, "steps"),
        # A step due in a finished month is final once finished (late or not); an open one may still turn red, and
        # its part is counted from the rows until it is done.
        Source("steps_due", CaseStep, "town", _due_in, STEP_DIMENSIONS, "steps",
               settled=lambda before: Q(finished_at__lt=before)),
        Source("consultations", Consultation, "town", _between("recorded_at"), {"village": "village_id"},
               "consultations"),
        Source("ratings", Rating, "town", _between("rated_at"), {}, "ratings"),
        Source("rectifications", Rectification, "town", _between("opened_at"), RECTIFICATION_DIMENSIONS,
               "rectifications", stored=False),
    )
}  # fmt: skip


@dataclass(frozen=True)
class Figure:
    key: str
    source: str
    label: object
    definition: object
    where: Callable[[Span], Q] = field(default=lambda span: Q())
    people: bool = False  # summed over `people` (person-times), not counted

    def q(self, span: Span) -> Q:
        return self.where(span)

    def rows(self, town, span: Span) -> QuerySet:
        return SOURCES[self.source].rows(town, span).filter(self.q(span))


# --- the rules behind the figures ---------------------------------------------------------------------------------


def _still_awaiting_at_end(span: Span) -> Q:
    """补正中: received, not yet accepted at the end of the period, and not refused or withdrawn by then."""
    not_accepted = Q(accepted_at__isnull=True) | Q(accepted_at__gte=span.end)
    still_open = Q(closed_at__isnull=True) | Q(closed_at__gte=span.end)
    return not_accepted & still_open


def one_visit_q() -> Q:
    """一次办结: completed without the villager having to come back — no round of missing materials, and either done
    on the day it was received, or with the result brought or sent to the villager (not collected at the desk) and no
    county step they travel for (约办 at the hall or 转办 to the county office; 镇里报送 is not). On the cases closed in
    the period (it needs their received_day/closed_day). Read from the case's own fields, set by the services."""
    same_day = Q(received_day=F("closed_day"))
    travels = Q(county_mode__in=[Matter.CountyMode.APPOINTMENT, Matter.CountyMode.REFERRAL])
    brought = [value for value in Matter.Delivery.values if value != Matter.Delivery.DESK]
    no_return = Q(result_delivery__in=brought) & ~travels
    return Q(state=S.COMPLETED, had_materials_round=False) & (same_day | no_return)


def overdue_step_q(span: Span) -> Q:
    """Finished after it became overdue, or red now (cases.workflow) — the clock is stopped while awaiting."""
    awaiting = Case.objects.filter(town=span.town, state=S.AWAITING).values("pk") if span.town else None
    return Q(finished_at__gte=F("due_at")) | (
        Q(finished_at__isnull=True) & workflow.overdue_q(span.now, awaiting=awaiting)
    )


DESK = Q(department__isnull=False)
PROXIED = ~Q(proxy="")  # 代办 (cases.services.intake.proxy_fields)

FIGURES = {
    figure.key: figure
    for figure in (
        Figure("applications", "received", _("Applications"),
               _("Applications handed in during the period, accepted or not (each one a visit).")),
        Figure("consultations", "consultations", _("Consultations"),
               _("Consultations and visits that opened no case (person-times)."), people=True),
        Figure("received", "accepted", _("Applications accepted"),
               _("受理件数: applications accepted in the period — the materials complete, at intake or when what the "
                 "one-time notice asked for was brought. An application still waiting for materials is not "
                 "counted (see 补正中).")),
        Figure("pending_materials", "received", _("Waiting for materials (补正中)"),
               _("Applications handed in during the period that at its end were still waiting for the materials of "
                 "the one-time notice, not yet accepted."), where=_still_awaiting_at_end),
        Figure("joint", "accepted", _("Village and town together"),
               _("Village and town together (村镇联办): accepted cases with a village certificate step and a town desk "
                 "step."), where=lambda span: Q(is_joint=True)),
        Figure("completed", "closed", _("Completed"), _("Cases completed in the period (the last step done)."),
               where=lambda span: Q(state=S.COMPLETED)),
        Figure("same_day", "closed", _("Completed on the day received"),
               _("Completed cases finished on the local day they were received."),
               where=lambda span: Q(state=S.COMPLETED, received_day=F("closed_day"))),
        Figure("one_visit", "closed", _("Done in one visit"),
               _("一次办结: completed cases the villager did not have to come back for — no round of missing "
                 "materials, and done on the day received, or with the result brought back by the village cadre, "
                 "posted or notified (not collected at the desk) and no county appointment or referral to travel "
                 "to."), where=lambda span: one_visit_q()),
        Figure("proxied", "received", _("Handled on behalf (代办)"),
               _("代办件数: applications handed in during the period that the village cadre, or a relative with the "
                 "applicant's written authorisation, carried for the applicant (recorded at intake)."),
               where=lambda span: PROXIED),
        Figure("proxied_returns", "closed", _("Return trips made by the proxy"),
               _("代办 cases completed in the period that were not done in one visit: the trip back (with missing "
                 "materials, to collect the result or to the county) was the proxy's, not the applicant's."),
               where=lambda span: PROXIED & Q(state=S.COMPLETED) & ~one_visit_q()),
        Figure("rejected", "closed", _("Not granted"),
               _("Cases decided not to grant (不予办理, after acceptance) in the period."),
               where=lambda span: Q(state=S.REJECTED)),
        Figure("refused", "closed", _("Not accepted"),
               _("Applications not accepted (不予受理, before acceptance) in the period."),
               where=lambda span: Q(state=S.REFUSED)),
        # Only a dispute case gets a mediation outcome (services.step_complete), so no join to the catalogue: over all
        # history (the since-start totals) that join would cost more than the count.
        Figure("disputes", "closed", _("Disputes mediated on the spot"),
               _("现场调处: dispute cases closed in the period and mediated successfully."),
               where=lambda span: Q(mediation_outcome=MediationOutcome.SUCCESS)),
        Figure("disputes_failed", "closed", _("Mediation failed"),
               _("Dispute cases closed in the period whose mediation failed."),
               where=lambda span: Q(mediation_outcome=MediationOutcome.FAILED)),
        Figure("disputes_referred", "closed", _("Disputes referred on"),
               _("Dispute cases closed in the period that were referred on (to the court, the police, the county)."),
               where=lambda span: Q(mediation_outcome=MediationOutcome.REFERRED)),
        Figure("overdue_steps", "steps_due", _("Overdue steps"),
               _("Steps due in the period that were finished after their due time or are still open past it."),
               where=overdue_step_q),
        Figure("desk_overdue", "steps_due", _("Overdue steps"),
               _("Steps of a department desk due in the period and finished late or still open past due."),
               where=lambda span: DESK & overdue_step_q(span)),
        Figure("village_overdue", "steps_due", _("Overdue village steps"),
               _("Village steps (村委证明) due in the period and finished late or still open past due."),
               where=lambda span: ~DESK & overdue_step_q(span)),
        Figure("steps_done", "steps_finished", _("Steps completed"),
               _("Steps completed in the period, at a department desk or a village desk."),
               where=lambda span: Q(state=CaseStep.State.DONE)),
        Figure("desk_steps_done", "steps_finished", _("Steps completed"),
               _("Steps of a department desk completed in the period."),
               where=lambda span: DESK & Q(state=CaseStep.State.DONE)),
        Figure("village_steps_done", "steps_finished", _("Village steps completed"),
               _("Village steps (村委证明 and other village work) completed in the period."),
               where=lambda span: ~DESK & Q(state=CaseStep.State.DONE)),
        Figure("ratings", "ratings", _("Ratings"), _("Ratings given in the period.")),
        Figure("satisfied", "ratings", _("Satisfied ratings"),
               _("Ratings of 'basically satisfied' or better given in the period."),
               where=lambda span: Q(level__gte=SATISFIED_MIN)),
        Figure("bad_ratings", "ratings", _("Bad ratings"),
               _("Bad ratings (dissatisfied or very dissatisfied) given in the period."),
               where=lambda span: Q(level__lte=BAD_MAX)),
        Figure("rectifications", "rectifications", _("Rectifications opened"),
               _("Rectifications opened by the period's bad ratings.")),
        Figure("desk_bad_ratings", "rectifications", _("Bad ratings"),
               _("Bad ratings of the period answered by a department desk, not excused by an upheld appeal."),
               where=lambda span: counts_against_desk("rating__") & Q(department__isnull=False)),
        Figure("village_bad_ratings", "rectifications", _("Bad ratings of the village desk"),
               _("Bad ratings of the period answered by a village desk, not excused by an upheld appeal."),
               where=lambda span: counts_against_desk("rating__") & Q(department__isnull=True)),
        Figure("appeal_upheld", "rectifications", _("Appeal upheld (not counted against a desk)"),
               _("Bad ratings of the period whose appeal the town office upheld."),
               where=lambda span: ~counts_against_desk("rating__")),
        Figure("rectifications_done", "rectifications", _("Rectifications done"),
               _("Rectifications opened by the period's bad ratings that are done (an upheld appeal excepted)."),
               where=lambda span: counts_against_desk("rating__") & Q(done_at__isnull=False)),
        Figure("rectifications_late", "rectifications", _("Rectifications late"),
               _("Rectifications opened by the period's bad ratings done late or still open past due (15 working "
                 "days)."),
               where=lambda span: counts_against_desk("rating__") & workflow.late_q(span.now, finished="done_at")),
    )
}  # fmt: skip


def counts(
    town, span: Span, keys, dimensions: tuple[str, ...] = (), *, within: dict[str, Q] | None = None
) -> list[dict]:
    """The figures `keys` (all from sources on one table) per combination of `dimensions`, in one query: one pass over
    the union of the sources' ranges, each figure counting the rows in its own source's range that pass its filter.
    `within` narrows a source's rows further (stats.tally: the rows of stored months that were not final yet)."""
    figures = [FIGURES[key] for key in keys]
    sources = {figure.source: SOURCES[figure.source] for figure in figures}
    first = next(iter(sources.values()))
    assert all(source.model is first.model for source in sources.values()), "one table per query"
    columns = [first.dimensions[dimension] for dimension in dimensions]
    within = within or {}

    def rows_of(key: str) -> Q:
        return SOURCES[key].range(span) & within.get(key, Q())

    annotations: dict = {}
    in_any = Q()
    for key, source in sources.items():
        annotations.update(source.annotations())
        in_any |= rows_of(key)
    queryset = first.base(town).annotate(**annotations).filter(in_any)
    # With one source the query's own filter is its range: a figure's count need not say it again (the range of
    # stored months' unsettled rows is long; compiled once, not once per figure).
    single = len(sources) == 1
    measures = {}
    for figure in figures:
        where = (figure.q(span) if single else rows_of(figure.source) & figure.q(span)) or None
        if figure.people:
            measures[figure.key] = Coalesce(Sum("people", filter=where), 0)
        else:
            # Counting the (never null) town column the indexes lead with, not the id: a count whose filter reads
            # only indexed columns is then answered from the index alone.
            counted = first.town_field if "__" not in first.town_field else "pk"
            measures[figure.key] = Count(counted, filter=where)
    if not columns:
        return [queryset.aggregate(**measures)]
    result = []
    for row in queryset.values(*columns).annotate(**measures).order_by():
        for dimension, column in zip(dimensions, columns, strict=True):
            row[dimension] = row.pop(column)
        result.append(row)
    return result


def total(rows: list[dict], key: str) -> int:
    return sum(row.get(key) or 0 for row in rows)


def by(rows: list[dict], dimension: str, keys) -> dict:
    """Group rows counted per several dimensions down to one: {value of `dimension`: {key: sum}}."""
    result: dict = {}
    for row in rows:
        cell = result.setdefault(row[dimension], dict.fromkeys(keys, 0))
        for key in keys:
            cell[key] += row.get(key) or 0
    return result


def aggregate(town, span: Span, keys) -> dict[str, int]:
    """The figures `keys`, one query per source: each on its own index range. Over all history (the since-start
    totals) that beats one pass over the union of the ranges, which is then the whole table."""
    by_source: dict[str, list[str]] = {}
    for key in keys:
        by_source.setdefault(FIGURES[key].source, []).append(key)
    values: dict[str, int] = {}
    for source_keys in by_source.values():
        values.update(counts(town, span, source_keys)[0])
    return values


def rows(town, span: Span, key: str, *, dimension: str | None = None, value: int | None = None) -> QuerySet:
    """The rows one figure counts, for the drill-down; with a dimension, the rows of one cell of a breakdown
    (value None: the rows with no village / department)."""
    figure = FIGURES[key]
    queryset = figure.rows(town, span)
    if dimension is not None:
        column = SOURCES[figure.source].dimensions[dimension]
        queryset = queryset.filter(**({column: value} if value is not None else {f"{column}__isnull": True}))
    return queryset


def listing(key: str) -> str:
    return SOURCES[FIGURES[key].source].listing
