"""The town office or the supervisor asks to see a case's full ID number and phone, with a reason (cases.privacy)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from villages.security import log_refusal

from . import privacy, selectors, services, views
from .models import Case


class IdentityRevealForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason for looking"),
        choices=privacy.Reason.choices,
        error_messages={
            "required": gettext_lazy("Choose the reason for looking at the full number."),
            "invalid_choice": gettext_lazy("Choose the reason for looking at the full number."),
        },
    )
    details = forms.CharField(label=gettext_lazy("Details"), max_length=privacy.DETAILS_MAX, required=False)

    def clean(self):
        data = super().clean()
        if data.get("reason") == privacy.Reason.OTHER and not " ".join(data.get("details", "").split()):
            self.add_error("details", _("With “Other”, write the reason in the details."))
        return data


def _errors(form) -> str:
    return "；".join(str(e) for errors in form.errors.values() for e in errors)


@login_required
@require_POST
def identity_reveal(request, number):
    """POST only, and answered with the case page itself rather than a redirect: the full number is in this one
    response and nowhere else (not in the session, not in a URL), so the next page is masked again."""
    try:
        case = selectors.case_detail(user=request.user, number=number)
    except Case.DoesNotExist:
        raise Http404 from None  # another town's case, or one this user cannot see at all
    if not privacy.may_ask_full_id(request.user, case):
        raise PermissionDenied  # sees the case for their work (county officer, a finished desk), may not ask
    form = IdentityRevealForm(request.POST)
    kept = {
        "action": "identity",
        "values": {f: request.POST.get(f, "") for f in ("reason", "details")},
        "error": "",
    }
    if not form.is_valid():
        kept["error"] = _errors(form)
        messages.error(request, _("The full number was not shown: %(errors)s") % {"errors": kept["error"]})
        return views._case_page(request, case, kept=kept)
    try:
        reveal = privacy.identity_reveal(
            actor=request.user,
            case_id=case.pk,
            reason=privacy.reason_text(form.cleaned_data["reason"], form.cleaned_data["details"]),
        )
    except services.CaseError as error:
        log_refusal(request, kind="service", detail=error.code, case=case.number)
        if error.code == services.NotAllowed.code:
            raise PermissionDenied from error
        kept["error"] = str(error)
        messages.error(request, _("The full number was not shown: %(errors)s") % {"errors": kept["error"]})
        return views._case_page(request, case, kept=kept)
    privacy.show_once(case, reveal)
    messages.success(
        request,
        _(
            "Recorded in the log (%(reason)s). The full number is shown this once; the page is masked again when "
            "you open it next time."
        )
        % {"reason": reveal.reason},
    )
    return views._case_page(request, case)
