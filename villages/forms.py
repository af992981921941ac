import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SignInForm(forms.Form):
    shift = forms.IntegerField(widget=forms.HiddenInput)
    seal_carried = forms.BooleanField(label=_("I carry the village committee seal"), required=True)


class SignOutForm(forms.Form):
    shift = forms.IntegerField(widget=forms.HiddenInput)


class CorrectionForm(forms.Form):
    signed_in = forms.TimeField(
        label=_("Sign-in time"), required=False, widget=forms.TimeInput(attrs={"type": "time", "step": 1})
    )
    signed_out = forms.TimeField(
        label=_("Sign-out time"), required=False, widget=forms.TimeInput(attrs={"type": "time", "step": 1})
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, day: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.day = day

    def _at(self, value):
        return timezone.make_aware(dt.datetime.combine(self.day, value)) if value else None

    def clean(self):
        data = super().clean()
        data["signed_in_at"] = self._at(data.get("signed_in"))
        data["signed_out_at"] = self._at(data.get("signed_out"))
        if data["signed_out_at"] and not data["signed_in_at"]:
            raise forms.ValidationError(_("A sign-out needs a sign-in time."))
        return data


class MarketDaysQueryForm(forms.Form):
    town = forms.CharField(max_length=12)
    from_ = forms.DateField(required=False)
    to = forms.DateField(required=False)

    def __init__(self, data=None, **kwargs):
        if data is not None:
            data = {"town": data.get("town"), "from_": data.get("from"), "to": data.get("to")}
        super().__init__(data, **kwargs)

    def clean(self):
        data = super().clean()
        start = data.get("from_") or timezone.localdate()
        end = data.get("to") or start + dt.timedelta(days=30)
        if end < start:
            raise forms.ValidationError("to is before from")
        if (end - start).days > 366:
            raise forms.ValidationError("at most one year per request")
        data["start"], data["end"] = start, end
        return data
