"""Forms of the pledges app: the pledge form and the moderation reason."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from organisations.models import Organisation
from reference.models import Country, Currency, FocusArea, Pillar, PledgeType

from .models import VALUE_MAX, Pledge

# Dates a pledge may carry (issue "complete pledge": within 2015–2045).
DATE_MIN = dt.date(2015, 1, 1)
DATE_MAX = dt.date(2045, 12, 31)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CountryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class PillarChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.focus_area.name} — {obj.name}"


class PledgeForm(forms.ModelForm):
    """The pledge: what, where, when, how much, with whom. Everything can be saved as a draft."""

    focus_areas = forms.ModelMultipleChoiceField(
        queryset=FocusArea.objects.all(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Focus areas"),
        help_text=_("The P2C Action Framework focus areas the pledge contributes to."),
    )
    pillars = PillarChoiceField(
        queryset=Pillar.objects.select_related("focus_area"),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Pillars"),
        help_text=_("Optional: the pillars within the chosen focus areas."),
    )
    pledge_types = forms.ModelMultipleChoiceField(
        queryset=PledgeType.objects.all(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Pledge types"),
    )
    beneficiary_countries = CountryChoiceField(
        queryset=Country.objects.all(),
        to_field_name="iso2",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        label=_("Beneficiary countries"),
        help_text=_("Where the pledge is implemented. Hold Ctrl (Cmd on a Mac) to choose several."),
    )
    value_amount = forms.DecimalField(
        required=False,
        max_digits=15,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal(VALUE_MAX),
        label=_("Estimated value"),
        help_text=_(
            "Optional. The amount as pledged, more than 0 and at most 10,000,000,000,000, with at most "
            "2 decimals."
        ),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    value_currency = forms.ModelChoiceField(
        queryset=Currency.objects.all(), required=False, label=_("Currency"), to_field_name="code"
    )
    partners = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        label=_("Partner organisations (joint pledge)"),
        help_text=_("Registered organisations that pledge with you. Each one confirms its participation."),
    )

    class Meta:
        model = Pledge
        fields = [
            "title",
            "summary",
            "description",
            "focus_areas",
            "pillars",
            "pledge_types",
            "is_global",
            "beneficiary_countries",
            "start_date",
            "end_date",
            "value_amount",
            "value_currency",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 2, "maxlength": 300}),
            "description": forms.Textarea(attrs={"rows": 8}),
            "start_date": DateInput(),
            "end_date": DateInput(),
        }

    def __init__(self, *args, lead_organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.lead_organisation = lead_organisation
        self.fields["partners"].queryset = Organisation.objects.exclude(pk=lead_organisation.pk)
        if self.instance.pk:
            self.fields["partners"].initial = [p.organisation_id for p in self.instance.partners.all()]
        self.fields["title"].error_messages["required"] = _("Please give the pledge a title.")
        self.fields["value_amount"].error_messages.update(
            {
                "invalid": _("Enter the amount as a number, e.g. 1500000 or 1500000.50."),
                "max_digits": _("The amount has too many digits: at most 10,000,000,000,000."),
                "max_value": _("The amount can be at most 10,000,000,000,000."),
                "min_value": _("The amount must be more than 0."),
                "max_decimal_places": _("Use at most 2 decimals."),
            }
        )
        for name in ("beneficiary_countries", "focus_areas", "pillars", "pledge_types", "partners"):
            self.fields[name].error_messages["invalid_choice"] = _("“%(value)s” is not a known choice.")
            self.fields[name].error_messages["invalid_pk_value"] = _("“%(pk)s” is not a known choice.")

    def _clean_date(self, name):
        value = self.cleaned_data.get(name)
        if value and not (DATE_MIN <= value <= DATE_MAX):
            raise forms.ValidationError(_("Enter a date between 2015 and 2045."))
        return value

    def clean_start_date(self):
        return self._clean_date("start_date")

    def clean_end_date(self):
        return self._clean_date("end_date")

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date cannot be before the start date."))
        amount, currency = data.get("value_amount"), data.get("value_currency")
        if amount is not None and currency is None and "value_currency" not in self.errors:
            self.add_error("value_currency", _("Choose the currency of the amount."))
        if currency is not None and amount is None and "value_amount" not in self.errors:
            self.add_error("value_amount", _("Enter the amount in this currency, or clear the currency."))
        areas = set(data.get("focus_areas") or [])
        wrong = [p for p in data.get("pillars") or [] if p.focus_area not in areas]
        if wrong:
            self.add_error(
                "pillars",
                _("These pillars belong to a focus area you did not choose: %(pillars)s.")
                % {"pillars": ", ".join(p.name for p in wrong)},
            )
        if data.get("is_global") and data.get("beneficiary_countries"):
            self.add_error(
                "beneficiary_countries",
                _("A global pledge has no list of countries: clear one or the other."),
            )
        return data


class ReasonForm(forms.Form):
    """The reason a moderator gives with a decision (shown to the pledging organisation)."""

    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
        help_text=_("Required when requesting changes or rejecting; shown to the pledging organisation."),
    )
