"""The villager's pages: tracking by number and phone digits (through the guess throttle), the receipt's QR page,
the public API and rating from the QR page. No login, nothing personal beyond the masked name."""

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from villages.public_towns import public_town
from villages.security import log_refusal

from . import feedback_forms, forms, selectors, services, throttle
from .models import Paper, Rating
from .presenters import public_case_data

# --- the villager's view -----------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def track(request, town_code=None):
    """Tracking by number and phone digits. Case numbers begin with their town's code, so /track/ finds a case of
    any town; /<town code>/track/ only the town's own (another town's number there is a wrong guess)."""
    where = public_town(town_code)
    form = forms.TrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["number"]
        town = where.town if where.prefixed else None
        case, result = _guess(request, number=number, phone4=form.cleaned_data["phone4"], town=town)
        if case is not None:
            return redirect("cases:public_token", token=case.token)
        form.add_error(None, _track_refusal(result))
    context = {"form": form, "town": where.town if where.prefixed else None, "links": where.links()}
    return render(request, "cases/track.html", context)


def _guess(request, *, number: str, phone4: str, town=None):
    """One tracking guess through the throttle: (the case, the attempt) — the case only for the right digits (and,
    when a town is given, only a case of that town)."""
    result = throttle.attempt(client=throttle.client_address(request), number=number)
    if not result.allowed:
        throttle.log_refusal(request=request, number=number, result=result)
        return None, result
    case = selectors.public_case_by_number(number=number, phone4=phone4)
    if case is not None and town is not None and case.town_id != town.pk:
        case = None
    if case is None:
        throttle.log_wrong_guess(request=request, number=number, result=result)
        return None, result
    throttle.give_back(result)
    return case, result


def _track_refusal(result) -> str:
    if result.blocked_by == "number":
        return _(
            "This case number has had too many wrong attempts today and is locked for lookups by number. Open it"
            " with the QR code on your receipt, or ask at the town service hall."
        )
    if result.blocked_by == "client":
        return _("Too many wrong attempts from this device. Please wait ten minutes and try again.")
    return _("No case matches this number and phone. Check both and try again. Attempts left: %(left)s.") % {
        "left": result.left
    }


@never_cache
@require_GET
def public_case(request, token):
    case = selectors.public_case_by_token(token=token)
    if case is None:
        raise Http404
    return render(
        request,
        "cases/public_case.html",
        {
            "case": case,
            "data": public_case_data(case),
            "receipt": Paper.objects.filter(case=case, kind=Paper.Kind.RECEIPT).order_by("-issued_at").first(),
            "can_rate": case.state in services.RATEABLE_STATES and not case.is_rated,
            "rating_form": feedback_forms.RatingForm(),
        },
    )


@never_cache
@require_GET
def api_case(request, number):
    number, phone4 = forms.to_ascii(number), forms.to_ascii(request.GET.get("phone4", ""))
    case, result = _guess(request, number=number, phone4=phone4)
    if case is not None:
        return JsonResponse(public_case_data(case), json_dumps_params={"ensure_ascii": False})
    if not result.allowed:
        return JsonResponse({"error": "too_many_attempts", "blocked_by": result.blocked_by}, status=429)
    return JsonResponse({"error": "not_found", "attempts_left": result.left}, status=404)


@never_cache
@require_POST
def public_rate(request, token):
    case = selectors.public_case_by_token(token=token)
    if case is None:
        raise Http404
    form = feedback_forms.RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose one of the five ratings."))
    else:
        try:
            services.rating_submit(
                case_id=case.pk,
                level=form.cleaned_data["level"],
                comment=form.cleaned_data["comment"],
                reasons=form.cleaned_data["reasons"],
                channel=Rating.Channel.QR,
            )
        except services.CaseError as error:
            log_refusal(request, kind="service", detail=error.code, case=case.number)
            messages.error(request, str(error))
            if error.code != services.InvalidInput.code:
                return redirect("cases:public_token", token=token)
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Thank you for your rating."))
            return redirect("cases:public_token", token=token)
    # Something to choose or write is missing (a 差评 without a reason): the page again, with what was chosen.
    can_rate = case.state in services.RATEABLE_STATES and not case.is_rated
    context = {"case": case, "data": public_case_data(case), "can_rate": can_rate, "rating_form": form}
    return render(request, "cases/public_case.html", context)
