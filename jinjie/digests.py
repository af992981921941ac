"""The supervisor's daily history digests in the admin (issue 8, point 5): a month's sealed days with a fresh check
of each against the history, a printable sheet to sign and keep, and a CSV export.

Whoever holds the paper or the file can later ask the same page, or `verify_history`, whether the values still hold.
"""

import csv
import io

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cases.history import check_town_digests, last_sealable_day
from cases.models import HistoryDigest
from stats.periods import Period, PeriodError
from villages.models import Town
from villages.selectors import towns_of_staff


def digest_towns(user):
    """The towns whose digests a user may read: their own office or supervisor towns; every town for a superuser."""
    if user.is_superuser:
        return Town.objects.order_by("code")
    return towns_of_staff(user=user).order_by("code")


def _town_and_month(request) -> tuple[list[Town], Town, Period]:
    towns = list(digest_towns(request.user))
    if not towns:
        raise PermissionDenied
    code = request.GET.get("town")
    town = next((t for t in towns if t.code == code), None) if code else towns[0]
    if town is None:
        raise Http404  # another town's code typed by hand: as if it did not exist
    try:
        month = Period.parse(request.GET["month"])
        if month.kind != "month":
            raise PeriodError(month)
    except (KeyError, PeriodError):
        latest = last_sealable_day()
        month = Period.month(latest.year, latest.month)
    return towns, town, month


def _rows(town: Town, month: Period) -> list[dict]:
    """The month's digests of one town, each re-folded from the events: {digest, differences, value_groups}."""
    digests = list(HistoryDigest.objects.filter(town=town, date__gte=month.start, date__lt=month.end).order_by("date"))
    differences = check_town_digests(town.pk, digests)
    return [
        {
            "digest": digest,
            "differences": differences[digest.pk],
            "value_groups": [digest.value[i : i + 8] for i in range(0, len(digest.value), 8)],
        }
        for digest in digests
    ]


def _context(request, admin_site, title: str) -> dict:
    towns, town, month = _town_and_month(request)
    rows = _rows(town, month)
    return {
        **admin_site.each_context(request),
        "title": title,
        "towns": towns,
        "town": town,
        "month": month,
        "month_first": month.start,
        "rows": rows,
        "all_consistent": all(not row["differences"] for row in rows),
        "now": timezone.localtime(),
    }


@staff_member_required
@never_cache
@require_GET
def digest_list(request, admin_site):
    return render(
        request, "admin/history/digests.html", _context(request, admin_site, title=_("Daily history digests"))
    )


@staff_member_required
@never_cache
@require_GET
def digest_print(request, admin_site):
    return render(
        request, "admin/history/digests_print.html", _context(request, admin_site, title=_("Daily history digests"))
    )


@staff_member_required
@never_cache
@require_GET
def digest_export(request, admin_site):
    _towns, town, month = _town_and_month(request)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(
        [
            _("Town code"),
            _("Town"),
            _("Date"),
            _("Cases"),
            _("Events"),
            _("Signing key"),
            _("Digest"),
            _("Sealed at"),
            _("Check"),
        ]
    )
    for row in _rows(town, month):
        digest = row["digest"]
        writer.writerow(
            [
                town.code,
                f"{town.county}{town.name}",
                digest.date.isoformat(),
                digest.cases,
                digest.events,
                digest.key_id,
                digest.value,
                timezone.localtime(digest.created_at).strftime("%Y-%m-%d %H:%M"),
                _("Inconsistent") if row["differences"] else _("Consistent"),
            ]
        )
    # A byte-order mark so Excel on the hall PC opens the Chinese text correctly.
    response = HttpResponse("\ufeff" + text.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="jinjie-history-digests-{town.code}-{month}.csv"'
    return response
