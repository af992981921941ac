"""Anyone can check a paper (文书核验): the QR code on it opens its page, or its number is typed in. The page says
whether the paper is genuine and still in force, and what it is — never anything personal beyond the masked name."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import forms, throttle
from .models import Paper


def _paper(**lookup) -> Paper | None:
    return Paper.objects.select_related("case", "case__matter", "case__village", "town").filter(**lookup).first()


@never_cache
@require_GET
def verify_paper(request, token):
    """The page a paper's QR code opens. A receipt's holder also gets the way to the case's progress."""
    paper = _paper(token=token)
    status = 200 if paper is not None else 404
    return render(request, "cases/verify.html", {"paper": paper, "from_qr": True}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def verify_number(request):
    """A paper's number typed in, through the same guess throttle as tracking: a forged number costs a place."""
    form = forms.PaperNumberForm(request.POST or None)
    paper = None
    looked_up = False
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["number"]
        result = throttle.attempt(client=throttle.client_address(request), number=f"paper:{number}")
        if not result.allowed:
            throttle.log_refusal(request=request, number=number, result=result)
            form.add_error(None, _("Too many numbers that were not found from this device. Please wait ten minutes."))
        else:
            looked_up = True
            paper = _paper(number=number)
            if paper is None:
                throttle.log_wrong_guess(request=request, number=number, result=result)
            else:
                throttle.give_back(result)
    return render(request, "cases/verify.html", {"form": form, "paper": paper, "looked_up": looked_up})
