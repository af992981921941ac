"""The forms of 好差评 and 整改: the villager's rating, and what the desks and the town office write about a
rectification. They check the shape of the input; the rules (a 差评 needs a reason, who may act) are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Rating, RatingAppeal
from .models.feedback import CALLBACK_RESULTS


class RatingForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("How satisfied are you?"), coerce=int, choices=Rating.Level.choices, widget=forms.RadioSelect
    )
    reasons = forms.MultipleChoiceField(
        label=_("If dissatisfied, why?"),
        choices=Rating.Reason.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For a bad rating tick at least one."),
    )
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


def _text(label, *, rows: int = 2, max_length: int = 2000) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, widget=forms.Textarea(attrs={"rows": rows}))


def _result(label) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=CALLBACK_RESULTS, widget=forms.RadioSelect)


class RectificationForm(forms.Form):
    action_taken = _text(_("What was done"), rows=3)
    callback_note = _text(_("Follow-up: what the villager said"))
    callback_result = _result(_("Follow-up result"))


class SecondCallForm(forms.Form):
    second_callback_note = _text(_("Second follow-up call: what was done since and what the villager said"))
    second_callback_result = _result(_("Second follow-up result"))


class AppealForm(forms.Form):
    appeal_reason = _text(_("Why the rating is unfair"), rows=3)


class AppealDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[c for c in RatingAppeal.Decision.choices if c[0]],
        widget=forms.RadioSelect,
    )
    decision_note = _text(_("Reasons for the decision"))


class ReassignForm(forms.Form):
    """`desk`: a department's id, or "village" for the case's village (the page offers the town's desks)."""

    desk = forms.CharField(label=_("Reassign to"), max_length=20)
    reassign_note = _text(_("Why it is reassigned"))

    def clean_desk(self) -> int | None:
        desk = self.cleaned_data["desk"]
        if desk == "village":
            return None
        if not desk.isascii() or not desk.isdigit():
            raise forms.ValidationError(_("Choose a department or the village."))
        return int(desk)
