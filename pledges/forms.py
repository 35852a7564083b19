"""Forms of the pledges app: the pledge form and the moderation reason."""

import datetime as dt
import unicodedata
from decimal import Decimal

from babel.numbers import NumberFormatError, parse_decimal
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _

from organisations.models import Membership, Organisation
from reference.models import (
    SDG,
    BeneficiaryGroup,
    Campaign,
    ConnectivityTarget,
    Country,
    Currency,
    FocusArea,
    PartnershipNeed,
    Pillar,
    PledgeType,
    Region,
)

from .models import VALUE_MAX, Pledge, PledgePartner

# Dates a pledge may carry (issue "complete pledge": within 2015–2045).
DATE_MIN = dt.date(2015, 1, 1)
DATE_MAX = dt.date(2045, 12, 31)


# Characters that draw nothing: a title made only of these (e.g. zero-width spaces) is empty.
_INVISIBLE_CATEGORIES = {"Cf", "Cc", "Zs", "Zl", "Zp"}


def has_visible_text(value: str) -> bool:
    """Whether ``value`` has at least one character that draws something (Unicode categories other than
    format, control and separators)."""
    return any(unicodedata.category(ch) not in _INVISIBLE_CATEGORIES for ch in value or "")


class LocalizedDecimalField(forms.DecimalField):
    """A decimal field that also accepts the way people type numbers in the current language: grouping
    separators ("25,000,000" or "25 000 000" in English; "25 000 000,50" in French), parsed by babel (CLDR).
    Anything else goes to Django's own parsing (and its clear error messages)."""

    def to_python(self, value):
        if isinstance(value, str):
            text = value.strip().replace("\u00a0", " ").replace("\u202f", " ")
            if text and any(sep in text for sep in (",", " ", "\u066c", "\u066b")):
                try:
                    value = str(
                        parse_decimal(
                            text.replace(" ", ""), locale=to_locale(get_language() or "en"), strict=True
                        )
                    )
                except (NumberFormatError, ValueError):
                    pass
        return super().to_python(value)


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


class RegionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_level_display()})"


class FocalPointChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} <{obj.email}>" if obj.name else obj.email


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
    sdgs = forms.ModelMultipleChoiceField(
        queryset=SDG.objects.all(),
        to_field_name="number",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Sustainable Development Goals"),
    )
    beneficiary_groups = forms.ModelMultipleChoiceField(
        queryset=BeneficiaryGroup.objects.all(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Beneficiary groups"),
        help_text=_("The people the pledge is meant to reach."),
    )
    connectivity_targets = forms.ModelMultipleChoiceField(
        queryset=ConnectivityTarget.objects.all(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("2030 connectivity targets"),
        help_text=_("The targets for universal and meaningful connectivity the pledge contributes to."),
    )
    partnership_needs = forms.ModelMultipleChoiceField(
        queryset=PartnershipNeed.objects.all(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Partners sought for"),
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.all(),
        to_field_name="slug",
        required=False,
        label=_("Announced at"),
        help_text=_("The campaign or event at which the pledge was announced, if any."),
    )
    regions = RegionChoiceField(
        queryset=Region.objects.all().order_by("name"),
        to_field_name="m49_code",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        label=_("Whole regions"),
        help_text=_("Only where the pledge covers whole UN regions or sub-regions, e.g. Sub-Saharan Africa."),
    )
    website = forms.URLField(
        label=_("Website"),
        required=False,
        max_length=300,
        assume_scheme="https",
        help_text=_("A page about the pledge or the programme."),
    )
    focal_point = FocalPointChoiceField(
        queryset=None,
        required=False,
        label=_("Focal point"),
        help_text=_(
            "The member who answers for the pledge. Shown to the Secretariat and partners, not publicly."
        ),
    )
    beneficiary_countries = CountryChoiceField(
        queryset=Country.objects.all(),
        to_field_name="iso2",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        label=_("Beneficiary countries"),
        help_text=_("Where the pledge is implemented. Hold Ctrl (Cmd on a Mac) to choose several."),
    )
    value_amount = LocalizedDecimalField(
        required=False,
        max_digits=16,
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
        queryset=Organisation.objects.none(),
        to_field_name="slug",
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
            "language",
            "website",
            "focus_areas",
            "pillars",
            "pledge_types",
            "sdgs",
            "beneficiary_groups",
            "connectivity_targets",
            "campaign",
            "is_global",
            "beneficiary_countries",
            "regions",
            "start_date",
            "end_date",
            "value_amount",
            "value_currency",
            "seeking_partners",
            "partnership_needs",
            "seeking_note",
            "focal_point",
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
        # Optional on the form: left out, a new pledge is taken to be in the interface's language.
        self.fields["language"].required = False
        if self.instance._state.adding and not self.is_bound:
            # A new pledge is presumably written in the language of the interface it is typed in.
            language = get_language()
            if language in dict(settings.LANGUAGES):
                self.initial["language"] = language
        # Verified organisations only: pending or rejected ones are not shown to others (invite them by email).
        self.fields["partners"].queryset = Organisation.objects.filter(
            verification=Organisation.Verification.VERIFIED
        ).exclude(pk=lead_organisation.pk)
        self.fields["focal_point"].queryset = (
            get_user_model()
            .objects.filter(
                memberships__organisation=lead_organisation,
                memberships__role__in=(
                    Membership.Role.OWNER,
                    Membership.Role.EDITOR,
                    Membership.Role.REPORTER,
                ),
            )
            .order_by("email")
        )
        if self.instance.pk:
            self.fields["partners"].initial = [
                p.organisation
                for p in self.instance.partners.select_related("organisation")
                if p.organisation_id
            ]
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

    def clean_title(self):
        title = " ".join(self.cleaned_data["title"].split())
        if not has_visible_text(title):
            raise forms.ValidationError(_("Please give the pledge a title."))
        return title

    def clean_language(self):
        language = self.cleaned_data.get("language")
        if language:
            return language
        if not self.instance._state.adding:
            return self.instance.language
        current = get_language()
        return current if current in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE

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
        if data.get("is_global") and (data.get("beneficiary_countries") or data.get("regions")):
            self.add_error(
                "beneficiary_countries",
                _("A global pledge has no list of countries or regions: clear one or the other."),
            )
        return data


class DeliverableForm(forms.Form):
    """One SMART deliverable: what, by when, indicator, target value and unit, optional weight."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(label=_("What"), max_length=300, required=False)
    due_date = forms.DateField(label=_("By when"), required=False, widget=DateInput())
    indicator = forms.CharField(
        label=_("Indicator"), max_length=300, required=False, help_text=_("How progress is measured.")
    )
    target_value = LocalizedDecimalField(
        label=_("Target value"),
        required=False,
        max_digits=18,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal(VALUE_MAX),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    unit = forms.CharField(
        label=_("Unit"), max_length=50, required=False, help_text=_("e.g. schools, people, km of fibre")
    )
    weight = forms.IntegerField(
        label=_("Weight"),
        required=False,
        min_value=1,
        max_value=100,
        help_text=_("Optional: its share in the pledge's percentage complete."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_value"].error_messages.update(
            {
                "invalid": _("Enter the target as a number."),
                "max_decimal_places": _("Use at most 2 decimals."),
                "max_digits": _("The target has too many digits."),
            }
        )

    def clean_due_date(self):
        value = self.cleaned_data.get("due_date")
        if value and not (DATE_MIN <= value <= DATE_MAX):
            raise forms.ValidationError(_("Enter a date between 2015 and 2045."))
        return value

    def clean(self):
        data = super().clean()
        optional = ("due_date", "indicator", "target_value", "unit", "weight")
        filled = any(data.get(k) not in (None, "") for k in optional)
        if filled and not (data.get("title") or "").strip() and "title" not in self.errors:
            self.add_error("title", _("Say what will be delivered."))
        return data


class BaseDeliverableFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        """The deliverables kept (not deleted, with a title), as dicts of Deliverable fields."""
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or not (data.get("title") or "").strip():
                continue
            rows.append({k: v for k, v in data.items() if k != "DELETE"})
        return rows


DeliverableFormSet = forms.formset_factory(
    DeliverableForm, formset=BaseDeliverableFormSet, extra=1, can_delete=True, max_num=50, validate_max=True
)


class PartnerInvitationForm(forms.Form):
    """A partner organisation not on the platform yet, invited by email."""

    name = forms.CharField(label=_("Organisation name"), max_length=200, required=False)
    email = forms.EmailField(label=_("Email of its contact person"), required=False)

    def clean(self):
        data = super().clean()
        if bool((data.get("name") or "").strip()) != bool(data.get("email")) and not self.errors:
            raise forms.ValidationError(_("Give both the organisation's name and an email address."))
        return data


PartnerInvitationFormSet = forms.formset_factory(
    PartnerInvitationForm, extra=1, max_num=20, validate_max=True
)


class PartnerResponseForm(forms.Form):
    """A partner organisation's answer: its role and, optionally, its share of the value."""

    role = forms.ChoiceField(
        label=_("Your organisation's role"), choices=[("", "—"), *PledgePartner.Role.choices], required=False
    )
    share_percent = LocalizedDecimalField(
        label=_("Share of the pledge's value (%)"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
        help_text=_("Optional, if your organisations agreed one."),
    )


class ReasonForm(forms.Form):
    """The reason a moderator gives with a decision (shown to the pledging organisation)."""

    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
        help_text=_("Required when requesting changes or rejecting; shown to the pledging organisation."),
    )


class InterestForm(forms.Form):
    """ "Express interest": a message from one of the member's organisations to a pledge's organisation."""

    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("On behalf of"), to_field_name="slug"
    )
    message = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=3000,
        help_text=_(
            "What your organisation offers or seeks. Your email address is shared only if they accept."
        ),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if organisations.count() == 1:
            self.fields["organisation"].initial = organisations.first()


class ReplyForm(forms.Form):
    """The pledging organisation's answer to a partnership message."""

    reply = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 4}), max_length=3000)
    accept = forms.TypedChoiceField(
        label=_("Answer"),
        choices=[("yes", _("Interested: share our contact details")), ("no", _("Not now: decline politely"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        initial="yes",
    )


class ProblemReportForm(forms.Form):
    """ "Report a problem with this pledge" (anyone; the email is optional)."""

    message = forms.CharField(
        label=_("What is wrong?"), widget=forms.Textarea(attrs={"rows": 5}), max_length=3000
    )
    email = forms.EmailField(label=_("Your email, if you would like an answer"), required=False)
