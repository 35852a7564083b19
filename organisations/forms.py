"""Forms for organisations."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Organisation


class OrganisationForm(forms.ModelForm):
    """Register an organisation: name, stakeholder type, country, website, description."""

    website = forms.URLField(
        label=_("Website"),
        required=False,
        max_length=300,
        assume_scheme="https",
        help_text=_("For example https://www.example.org"),
    )

    class Meta:
        model = Organisation
        fields = ["name", "stakeholder_type", "country", "website", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"name": _("The official name, as it should appear on pledges.")}

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Please enter the organisation's name."))
        return name
