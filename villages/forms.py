import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .services import RosterCell


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


class RosterForm(forms.Form):
    """The posted roster grid, by shape only (roster_save judges the content).

    `s_<market day>_<village>` is the cadre chosen ("" for a gap); `o_<market day>_<village>` the cadre the page
    showed, so that a desk someone else changed meanwhile is not silently overwritten. Every id is at most nine digits
    (a PostgreSQL integer); any other value is not something the page can send.
    """

    CELL = re.compile(r"s_([0-9]{1,9})_([0-9]{1,9})")
    ID = re.compile(r"[0-9]{1,9}")

    def clean(self):
        data = super().clean()
        cells = []
        for key in self.data:
            if not key.startswith("s_"):
                continue
            match = self.CELL.fullmatch(key)
            value, shown = self.data.get(key, "").strip(), self.data.get("o" + key[1:])
            shown = shown.strip() if shown is not None else None
            if match is None or (value and not self.ID.fullmatch(value)) or (shown and not self.ID.fullmatch(shown)):
                raise forms.ValidationError(
                    _("The roster could not be read; nothing was saved. Reload the page and try again."),
                    code="invalid",
                )
            cells.append(
                RosterCell(
                    market_day_id=int(match[1]),
                    village_id=int(match[2]),
                    cadre_id=int(value) if value else None,
                    shown=shown is not None,
                    shown_cadre_id=int(shown) if shown else None,
                )
            )
        data["cells"] = cells
        return data

    def chosen(self) -> dict[tuple[int, int], int | None]:
        """The user's choice per (market day, village), to draw the grid again as it was posted."""
        return {cell.key: cell.cadre_id for cell in self.cleaned_data.get("cells", [])}


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
