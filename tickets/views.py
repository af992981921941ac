"""Thin views over tickets.services: decorator → input → service → message → redirect. A refusal for the wrong
person is a 403 (a hand-typed URL gets no more than the page's buttons); a stale page or a wrong state is a
message on the desk's page."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.errors import CaseError, NotAllowed
from cases.models import Case
from departments.models import Department
from villages.access import is_cadre_of, is_office_of, visible_town_ids
from villages.models import Village
from villages.selectors import town_list

from . import figures, selectors, services
from .desks import Desk, find_desk
from .models import Ticket
from .presenters import board_entry

ACTIONS = {
    "call": services.ticket_call_next,
    "again": services.ticket_call_again,
    "serve": services.ticket_serve,
    "finish": services.ticket_finish,
    "park": services.ticket_park,
}


def _back(request, desk: Desk) -> str:
    if desk.is_village:
        return reverse("cases:desk")
    return f"{reverse('cases:queue')}?department={desk.pk}"


def _version(request) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _refused(request, error: CaseError):
    if isinstance(error, NotAllowed):
        raise PermissionDenied(str(error))
    messages.error(request, str(error))


@login_required
@require_POST
def desk_action(request, kind, pk, action):
    desk = find_desk(kind, pk)
    if desk is None:
        raise Http404
    if not desk.may_call(request.user):
        raise PermissionDenied
    version = _version(request)
    try:
        if action in ACTIONS:
            call = ACTIONS[action](actor=request.user, desk=desk, version=version)
            if action in ("call", "again"):
                messages.success(request, _("Called %(number)s.") % {"number": call.ticket.label})
        elif action == "recall":
            call = services.ticket_recall(
                actor=request.user, desk=desk, version=version, call_id=int(request.POST.get("call") or 0)
            )
            messages.success(request, _("Called %(number)s.") % {"number": call.ticket.label})
        elif action == "urgent":
            ticket = services.ticket_mark_urgent(
                actor=request.user, desk=desk, ticket_id=int(request.POST.get("ticket") or 0)
            )
            messages.success(request, _("%(number)s is now called first.") % {"number": ticket.label})
        elif action == "add_cases":
            cases = Case.objects.filter(pk__in=request.POST.getlist("cases"))
            services.ticket_add_cases(actor=request.user, desk=desk, version=version, cases=cases)
            messages.success(request, _("The cases are on the ticket."))
        else:
            raise Http404
    except CaseError as error:
        _refused(request, error)
    return redirect(_back(request, desk))


@login_required
@require_POST
def issue(request):
    """The village desk gives a ticket for the villager's cases just taken in (or before, for the intake)."""
    village = get_object_or_404(Village, pk=request.POST.get("village") or 0)
    if not is_cadre_of(request.user, village.pk):
        raise PermissionDenied
    cases = Case.objects.filter(pk__in=request.POST.getlist("cases"), village=village)
    try:
        ticket = services.ticket_issue(
            actor=request.user,
            village=village,
            cases=cases,
            villager=services.Villager(name=request.POST.get("name", "")),
            is_disabled=bool(request.POST.get("is_disabled")),
            is_pregnant=bool(request.POST.get("is_pregnant")),
        )
    except CaseError as error:
        _refused(request, error)
        return redirect("cases:desk")
    return redirect("tickets:slip", pk=ticket.pk)


def _guide_town(request):
    town = next((t for t in town_list() if is_office_of(request.user, t.pk)), None)
    if town is None:
        raise PermissionDenied
    return town


@login_required
@require_http_methods(["GET", "POST"])
def guide(request):
    """The guide desk (导服台), staffed by the town office: a ticket for any villager of the town — with the
    receipts of cases already open, or before intake, sent to the village's desk or a department's window."""
    town = _guide_town(request)
    error = None
    if request.method == "POST":
        village = Village.objects.filter(town=town, pk=request.POST.get("village") or 0).first()
        department = Department.objects.filter(town=town, pk=request.POST.get("department") or 0).first()
        numbers = [n.strip() for n in request.POST.get("case_numbers", "").replace("，", ",").split(",") if n.strip()]
        cases = list(Case.objects.filter(town=town, number__in=numbers))
        if village is None:
            error = _("Choose the villager's village.")
        elif len(cases) != len(set(numbers)):
            error = _("No case of this town has one of these numbers.")
        else:
            try:
                ticket = services.ticket_issue(
                    actor=request.user,
                    village=village,
                    cases=cases,
                    villager=services.Villager(
                        name=request.POST.get("name", ""), id_number=request.POST.get("id_number", "")
                    ),
                    intake_department=department,
                    is_disabled=bool(request.POST.get("is_disabled")),
                    is_pregnant=bool(request.POST.get("is_pregnant")),
                    at_guide_desk=True,
                )
            except NotAllowed:
                raise PermissionDenied from None
            except CaseError as refused:
                error = str(refused)
            else:
                return redirect("tickets:slip", pk=ticket.pk)
    today = timezone.localdate()
    return render(
        request,
        "tickets/guide.html",
        {
            "town": town,
            "villages": Village.objects.filter(town=town).order_by("desk_order"),
            "departments": Department.objects.filter(town=town).order_by("desk_order", "name"),
            "recent": Ticket.objects.filter(town=town, day=today).order_by("-number")[:20],
            "error": error,
            "posted": request.POST if error else {},
        },
        status=400 if error else 200,
    )


def _may_see_ticket(user, ticket: Ticket) -> bool:
    return ticket.issued_by_id == user.pk or is_cadre_of(user, ticket.village_id) or is_office_of(user, ticket.town_id)


@login_required
@require_GET
def slip(request, pk):
    """The printed slip: number, where to go, the QR code of the villager's page."""
    ticket = get_object_or_404(Ticket.objects.select_related("town", "village", "intake_department"), pk=pk)
    if not _may_see_ticket(request.user, ticket):
        raise Http404
    where = selectors.ticket_desks(ticket=ticket)
    back = reverse("tickets:guide") if is_office_of(request.user, ticket.town_id) else reverse("cases:desk")
    if is_cadre_of(request.user, ticket.village_id):
        back = reverse("cases:desk")
    return render(
        request,
        "tickets/slip.html",
        {"ticket": ticket, "where": where, "url": request.build_absolute_uri(ticket.get_absolute_url()), "back": back},
    )


@never_cache
@require_GET
def public(request, token):
    """The villager's phone: the ticket's number, where it stands and how many are ahead. The masked name only."""
    ticket = selectors.ticket_by_token(token=token)
    if ticket is None:
        raise Http404
    return render(request, "tickets/public.html", {"ticket": ticket, "where": selectors.ticket_desks(ticket=ticket)})


@never_cache
@require_GET
def board_calls(request):
    """The hall board's calls, polled every second: two queries however many tickets the day has."""
    town = town_list().first()
    if town is None:
        raise Http404
    calls = selectors.board_calls(town=town, day=timezone.localdate())
    return JsonResponse({"calls": [board_entry(call) for call in calls]})


@login_required
@require_GET
def panel(request, kind, pk):
    """The calling panel alone, for its own refresh on the desk page."""
    desk = find_desk(kind, pk)
    if desk is None or not desk.may_call(request.user):
        raise Http404
    from .templatetags.tickets import panel_context

    return render(request, "tickets/_panel.html", panel_context(desk))


@login_required
@require_GET
def day_summary(request):
    """The hall's day: tickets, waiting and calling times per desk, no-shows, 绿色通道 — for the town office and
    the supervisor."""
    town_ids = visible_town_ids(request.user)
    town = town_list().filter(pk__in=town_ids).first()
    if town is None:
        raise PermissionDenied
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = timezone.localdate()
    return render(
        request,
        "tickets/day.html",
        {
            "town": town,
            "day": day,
            "figures": figures.day_figures(town=town, day=day),
            "days": figures.recent_days(town=town),
        },
    )
