"""好差评 and 整改 at the hall: a rating taken at the desk, and the rectifications a bad one opens — answered and
called back by the desk, appealed by it, answered, reassigned or the appeal decided by the town office. (The
villager's own rating from the receipt's QR code is in public_views.py.)"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from villages.security import log_refusal

from . import feedback_forms, selectors, services
from .access import roles_for
from .models import Rating, RatingAppeal
from .services import ratings

# How a refused action is answered (cases.errors), as on the one-stop view: the page again, with what was typed.
REFUSAL_STATUS = {"not_allowed": 403, "wrong_state": 409, "stale": 409, "invalid_input": 200}


def _errors(form) -> str:
    return "；".join(str(e) for errors in form.errors.values() for e in errors)


# --- the rating taken at the desk --------------------------------------------------------------------------------


@login_required
@require_POST
def desk_rate(request, number):
    case = get_object_or_404(selectors.visible_cases(user=request.user), number=number)
    form = feedback_forms.RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose one of the five ratings."))
        return _rate_again(request, case, form)
    try:
        services.rating_submit(
            case_id=case.pk,
            level=form.cleaned_data["level"],
            comment=form.cleaned_data["comment"],
            reasons=form.cleaned_data["reasons"],
            channel=Rating.Channel.DESK,
            actor=request.user,
        )
    except services.CaseError as error:
        log_refusal(request, kind="service", detail=error.code, case=case.number)
        messages.error(request, str(error))
        if error.code == services.InvalidInput.code:
            form.add_error(None, str(error))
            return _rate_again(request, case, form)
    else:
        messages.success(request, _("The villager's rating was recorded."))
    return redirect(case)


def _rate_again(request, case, form):
    """Something to choose or write is missing (a 差评 without a reason): the form again, with what was chosen."""
    return render(request, "cases/rate.html", {"case": case, "rating_form": form})


# --- the rectifications ------------------------------------------------------------------------------------------


def _answer(user, rectification, d):
    return ratings.rectification_answer(
        actor=user,
        rectification_id=rectification.pk,
        action_taken=d["action_taken"],
        callback_note=d["callback_note"],
        callback_result=d["callback_result"],
    )


def _call_again(user, rectification, d):
    return ratings.rectification_call_again(
        actor=user,
        rectification_id=rectification.pk,
        note=d["second_callback_note"],
        result=d["second_callback_result"],
    )


def _appeal(user, rectification, d):
    return ratings.appeal_file(actor=user, rectification_id=rectification.pk, reason=d["appeal_reason"])


def _decide(user, rectification, d):
    return ratings.appeal_decide(
        actor=user, rectification_id=rectification.pk, decision=d["decision"], note=d["decision_note"]
    )


def _reassign(user, rectification, d):
    return ratings.rectification_reassign(
        actor=user, rectification_id=rectification.pk, department_id=d["desk"], note=d["reassign_note"]
    )


ACTIONS = {
    "answer": (feedback_forms.RectificationForm, _answer),
    "call_again": (feedback_forms.SecondCallForm, _call_again),
    "appeal": (feedback_forms.AppealForm, _appeal),
    "decide": (feedback_forms.AppealDecisionForm, _decide),
    "reassign": (feedback_forms.ReassignForm, _reassign),
}

ACTION_DONE = {
    "call_again": gettext_lazy("Second follow-up call recorded; the rectification is done."),
    "appeal": gettext_lazy("Appeal filed; the town office will decide."),
    "decide": gettext_lazy("The decision on the appeal is recorded."),
    "reassign": gettext_lazy("Rectification reassigned."),
}

KEPT_FIELDS = (
    "action_taken",
    "callback_note",
    "callback_result",
    "second_callback_note",
    "second_callback_result",
    "appeal_reason",
    "decision",
    "decision_note",
    "desk",
    "reassign_note",
)


@login_required
@require_http_methods(["GET", "POST"])
def rectifications(request):
    roles = roles_for(request.user)
    if not (roles.is_clerk or roles.is_cadre or roles.town_ids):
        raise PermissionDenied
    if request.method == "GET":
        return _page(request, roles)
    action = request.POST.get("action", "answer")
    if action not in ACTIONS:
        raise Http404
    pk = request.POST.get("rectification", "")
    if not (pk.isascii() and pk.isdigit()):
        raise Http404
    target = selectors.rectifications_for(user=request.user).filter(pk=pk).first()
    if target is None:
        raise Http404
    form_class, call = ACTIONS[action]
    form = form_class(request.POST)
    kept = {"pk": target.pk, "action": action, "values": {f: request.POST.get(f, "") for f in KEPT_FIELDS}}
    if not form.is_valid():
        kept["error"] = _errors(form)
        messages.error(request, _("Nothing was saved: %(errors)s") % {"errors": kept["error"]})
        return _page(request, roles, kept=kept)
    try:
        done = call(request.user, target, form.cleaned_data)
    except services.CaseError as error:
        log_refusal(request, kind="service", detail=error.code, case=target.rating.case.number)
        messages.error(request, str(error))
        kept["error"] = str(error)
        return _page(request, roles, kept=kept, status=REFUSAL_STATUS.get(error.code, 409))
    if action == "answer":
        if done.done_at is not None:
            messages.success(request, _("Rectification recorded."))
        else:
            messages.warning(request, _("Recorded. The villager is still dissatisfied: call again after further work."))
    else:
        messages.success(request, str(ACTION_DONE[action]))
    return redirect(reverse("cases:rectifications") + f"#r-{target.pk}")


def _page(request, roles, *, kept: dict | None = None, status: int = 200):
    items = list(selectors.rectifications_for(user=request.user)[:200])
    desks = selectors.reassign_desks(town_ids=roles.office_town_ids) if roles.office_town_ids else {}
    for r in items:
        _offer(r, roles, desks)
        r.kept = kept if kept is not None and kept["pk"] == r.pk else None
    return render(request, "cases/rectifications.html", {"items": items, "now": timezone.now()}, status=status)


def _offer(r, roles, desks) -> None:
    """What the page offers the user on rectification `r` (the services check it again)."""
    try:
        r.appeal = r.rating.appeal
    except RatingAppeal.DoesNotExist:
        r.appeal = None
    owed = r.is_owed
    answers = ratings.may_answer(roles, r)
    office = ratings.is_office_for(roles, r)
    r.can_answer = owed and answers and r.callback_at is None
    r.can_call_again = owed and answers and r.awaits_second_call
    r.can_appeal = r.appeal is None and ratings.is_desk_of(roles, r)
    r.can_decide = office and r.appeal is not None and not r.appeal.decision
    r.can_reassign = owed and office
    if r.can_reassign:
        choices = [(str(d.pk), d.name) for d in desks.get(r.rating.town_id, []) if d.pk != r.department_id]
        if r.department_id is not None:
            choices.append(("village", r.village.name))
        r.reassign_choices = choices
