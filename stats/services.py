"""Issuing the town's report as a numbered paper (统计报表): the figures fixed as they stood, signed for, verifiable."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.errors import NotAllowed, StaleError
from cases.models import Paper
from cases.services import papers
from cases.templatetags.hall import cn_date
from villages.access import visible_towns
from villages.models import Town, TownStaff

from .periods import Period
from .queries import report


def current_report_paper(*, town, period: Period) -> Paper | None:
    return (
        Paper.objects.filter(town=town, kind=Paper.Kind.REPORT, withdrawn_at__isnull=True, content__period=period.param)
        .order_by("-issued_at")
        .first()
    )


def may_issue(user, town) -> bool:
    """The town office files the report; a supervisor reads it."""
    return user.is_superuser or visible_towns(user, roles=(TownStaff.Role.OFFICE,)).filter(pk=town.pk).exists()


def report_issue(*, town, period: Period, actor, replacing: str = "", now=None) -> Paper:
    """Number the report of `period` and keep its figures as they are now. Only the town office issues (a supervisor
    reads); a period not yet over cannot be filed. `replacing` is the number the form showed as current ("" for
    none): if another issue came first (a double click, a colleague), nothing is issued twice. Issuing again
    withdraws the earlier paper, so one report per period is in force."""
    now = now or timezone.now()
    if not may_issue(actor, town):
        raise NotAllowed(_("Only the town office issues the report."))
    if not period.is_over(timezone.localdate(now)):
        raise NotAllowed(
            _("The period is not over yet: the report can be issued from %(day)s.") % {"day": cn_date(period.end)}
        )
    with transaction.atomic():
        Town.objects.select_for_update().get(pk=town.pk)  # issues of one town queue here
        current = current_report_paper(town=town, period=period)
        if (current.number if current else "") != replacing:
            raise StaleError(
                _("The report of this period was issued meanwhile (%(number)s); it is shown now.")
                % {"number": current.number if current else "—"}
            )
        figures = report(town=town, period=period, now=now)
        if current is not None:
            papers.withdraw(
                current, at=now, reason=_("Issued again with the figures as of %(day)s.") % {"day": cn_date(now)}
            )
        return papers.issue(
            None,
            Paper.Kind.REPORT,
            town=town,
            actor=actor,
            at=now,
            issuer=papers.Issuer(town.government, "", town.phone, is_government=True),
            content={"period": period.param, "label": period.label, "report": figures},
        )
