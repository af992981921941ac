from django import forms
from django.utils.translation import gettext_lazy as _

from villages.models import Town


class VisitRoundForm(forms.Form):
    """A visit round's fields, by shape only: departments.services judges whether the day is the town's market day,
    whether the town is the county's and whether those sent are the department's officers."""

    town = forms.ModelChoiceField(label=_("Town hall"), queryset=Town.objects.none(), empty_label=None)
    date = forms.DateField(label=_("Market day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    staff = forms.MultipleChoiceField(label=_("Who goes"), widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2_000_000_000)

    def __init__(self, *args, towns, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = towns
        self.fields["staff"].choices = [(str(user.pk), user.get_full_name()) for user in officers]

    def clean_staff(self):
        return [int(pk) for pk in self.cleaned_data["staff"]]


class CancelRoundForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2_000_000_000)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)
