"""The shape of input. Domain rules (who, which state) live in services; forms only check what was typed."""

import datetime as dt
import unicodedata
import uuid

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from villages.models import Consultation, Hamlet

from .models import Matter, MediationOutcome, Proxy

# ASCII digits only: Python's \\d would also take full-width ０-９ and other scripts' digits.
mobile = RegexValidator(r"^1[0-9]{10}$", _("Enter an 11-digit mobile number starting with 1."))


def to_ascii(value: str) -> str:
    """What a Chinese input method types in full width (１３８…, Ｘ, －) becomes the ASCII the records use."""
    return unicodedata.normalize("NFKC", value or "").strip().replace(" ", "")


def validate_id_number(value: str) -> str:
    """GB 11643: 18 characters, a real birth date, the right check digit."""
    value = to_ascii(value).upper()
    if len(value) != 18:
        raise forms.ValidationError(_("An ID number has 18 characters."))
    if not (value[:17].isascii() and value[:17].isdigit() and (value[17] == "X" or value[17] in "0123456789")):
        raise forms.ValidationError(_("An ID number has 17 digits and then a digit or X."))
    try:
        ric.validate(value)
    except StdnumError:
        raise forms.ValidationError(
            _("This ID number is not valid (check the birth date and the last character).")
        ) from None
    birth = ric.get_birth_date(value)
    if birth > timezone.localdate():
        raise forms.ValidationError(_("The birth date in this ID number is in the future."))
    return value


def material_label(material) -> str:
    details = [str(material.get_form_display())]
    if material.copies > 1:
        details.append(ngettext("%(n)s copy", "%(n)s copies", material.copies) % {"n": material.copies})
    if not material.is_required:
        details.append(str(_("if applicable")))
    return f"{material.name}（{'，'.join(details)}）"


class IntakeForm(forms.Form):
    applicant_name = forms.CharField(label=_("Applicant name"), max_length=50)
    applicant_id_number = forms.CharField(label=_("ID number"), max_length=20)
    applicant_phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    hamlet = forms.ModelChoiceField(
        label=_("Hamlet"), queryset=Hamlet.objects.none(), required=False, empty_label=_("— choose the hamlet —")
    )
    materials = forms.TypedMultipleChoiceField(
        label=_("Materials brought"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    parties = forms.CharField(
        label=_("Parties to the dispute"),
        required=False,
        max_length=500,
        help_text=_("Names of all parties and how to reach them."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    refusal_reason = forms.CharField(
        label=_("Why it is not accepted (printed on the decision)"),
        required=False,
        max_length=1000,
        help_text=_("e.g. the matter is not handled by this town: tell the villager where to apply."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # 代办 (cases.services.intake.proxy_fields says what each kind needs).
    proxy = forms.ChoiceField(
        label=_("Who handles the matter"),
        required=False,
        choices=[("", _("The applicant in person")), *Proxy.choices],
        widget=forms.RadioSelect,
    )
    proxy_name = forms.CharField(label=_("Relative's name"), required=False, max_length=50)
    proxy_id_number = forms.CharField(label=_("Relative's ID number"), required=False, max_length=20)
    proxy_relation = forms.CharField(
        label=_("Relation to the applicant"), required=False, max_length=20, help_text=_("e.g. 儿子, 女儿, 配偶")
    )
    proxy_authorised = forms.BooleanField(
        label=_("The applicant's signed written authorisation (授权委托书) has been seen and kept"), required=False
    )
    messages_declined = forms.BooleanField(
        label=_("The applicant does not want text messages about this case"), required=False
    )
    # One key per rendered form: a double click or a resubmitted page cannot open a second case.
    intake_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, matter, village, at_village_desk: bool = True, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("intake_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.matter = matter
        self.village = village
        self.fields["hamlet"].queryset = Hamlet.objects.filter(village=village).order_by("name")
        self.fields["hamlet"].label_from_instance = lambda hamlet: hamlet.name
        if matter.category == Matter.Category.DISPUTE:
            self.fields["parties"].required = True
        else:
            del self.fields["parties"]
        self.fields["materials"].choices = [(m.pk, material_label(m)) for m in matter.materials.all()]
        if not at_village_desk:  # only the village cadre carries a matter for a villager
            self.fields["proxy"].choices = [c for c in self.fields["proxy"].choices if c[0] != Proxy.CADRE]

    def clean_applicant_name(self):
        name = self.cleaned_data["applicant_name"].strip()
        if len(name) < 2:
            raise forms.ValidationError(_("Enter the applicant's full name."))
        return name

    def clean_applicant_id_number(self):
        return validate_id_number(self.cleaned_data["applicant_id_number"])

    def clean_applicant_phone(self):
        phone = to_ascii(self.cleaned_data["applicant_phone"])
        mobile(phone)
        return phone

    def clean_proxy_id_number(self):
        value = self.cleaned_data["proxy_id_number"]
        return validate_id_number(value) if to_ascii(value) else ""


class IntakeChoiceForm(forms.Form):
    """Which of the submit buttons was pressed: open normally, open awaiting materials, or only a consultation."""

    OPEN = "open"
    AWAITING = "awaiting"
    CONSULT = "consult"
    REFUSE = "refuse"
    decision = forms.ChoiceField(
        choices=[(OPEN, OPEN), (AWAITING, AWAITING), (CONSULT, CONSULT), (REFUSE, REFUSE)], widget=forms.HiddenInput
    )


class VersionedForm(forms.Form):
    """Every action form carries what the page showed, so a stale page or a double click changes nothing."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    step = forms.IntegerField(widget=forms.HiddenInput, required=False)


class StampForm(VersionedForm):
    seal_confirmed = forms.BooleanField(label=_("I have checked the facts and used the village seal"), required=True)
    note = forms.CharField(label=_("Facts verified"), required=False, max_length=500)


class AcceptForm(VersionedForm):
    pass


class CompleteForm(VersionedForm):
    outcome = forms.CharField(label=_("Result"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    mediation_outcome = forms.ChoiceField(
        label=_("Mediation outcome"), choices=[("", "—"), *MediationOutcome.choices], required=False
    )


class IdListField(forms.Field):
    """Ticked checkboxes of ids (the case's own checklist, checked again by the service)."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            return sorted({int(v) for v in values})
        except (TypeError, ValueError):
            message = _("The materials checklist does not match this matter; reload the page.")
            raise forms.ValidationError(message) from None


class MaterialsRequestForm(VersionedForm):
    """一次性告知: the checklist's missing materials ticked, anything else written one per line."""

    materials = IdListField(label=_("Missing from the checklist"), required=False)
    missing = forms.CharField(
        label=_("Anything else missing"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if not data.get("materials") and not (data.get("missing") or "").strip():
            raise forms.ValidationError(_("List the missing materials for the one-time notice."))
        return data


class MaterialsBroughtForm(VersionedForm):
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class ReasonForm(VersionedForm):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(ReasonForm):
    """不予受理 / 不予办理: the reason, and the legal basis when it is not the matter's own."""

    basis = forms.CharField(label=_("Legal basis"), required=False, max_length=1000)


class BookForm(VersionedForm):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("Time"), initial=dt.time(9, 30), widget=forms.TimeInput(attrs={"type": "time"}))
    place = forms.CharField(label=_("Place"), max_length=100, initial=_("Town service hall"))

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date < timezone.localdate():
            raise forms.ValidationError(_("The appointment date has passed."))
        return date


class OutcomeForm(VersionedForm):
    outcome = forms.CharField(label=_("County result"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class AppointmentOutcomeForm(forms.Form):
    outcome = forms.CharField(label=_("Result"), max_length=1000, required=False)


class ConsultationForm(forms.Form):
    topic = forms.ChoiceField(label=_("Topic"), choices=Consultation.Topic.choices)
    people = forms.IntegerField(label=_("People"), min_value=1, max_value=500, initial=1)
    village = forms.ModelChoiceField(
        label=_("Village"), queryset=None, required=False, empty_label=_("— choose the village —")
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages


class TrackForm(forms.Form):
    number = forms.CharField(
        label=_("Case number"),
        max_length=30,
        widget=forms.TextInput(attrs={"placeholder": "451425102-20261126-0001", "autocomplete": "off"}),
    )
    phone4 = forms.CharField(
        label=_("Last four digits of the phone"),
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 4}),
    )

    def clean_number(self):
        return to_ascii(self.cleaned_data["number"])

    def clean_phone4(self):
        digits = to_ascii(self.cleaned_data["phone4"])
        if not (len(digits) == 4 and digits.isascii() and digits.isdigit()):
            raise forms.ValidationError(_("Enter the last four digits of the phone number."))
        return digits


class PaperNumberForm(forms.Form):
    """A paper's number as printed (进结受〔2026〕12号); the brackets may be typed as [], () or 【】."""

    number = forms.CharField(label=_("Document number"), max_length=40)

    def clean_number(self) -> str:
        number = to_ascii(self.cleaned_data["number"]).replace(" ", "")
        for wrong, right in (("[", "〔"), ("]", "〕"), ("【", "〔"), ("】", "〕"), ("(", "〔"), (")", "〕")):
            number = number.replace(wrong, right)
        if number and not number.endswith("号"):
            number += "号"
        return number
