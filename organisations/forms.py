"""Forms for organisations: the profile (with logo), invitations, roles, ownership, requests to join."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .images import clean_logo
from .models import JoinRequest, Membership, Organisation

ROLE_HELP = _(
    "Owner: everything, including members. Editor: pledges and progress reports. Reporter: progress reports "
    "only. Viewer: reads the organisation's drafts and decisions."
)


class OrganisationForm(forms.ModelForm):
    """Register or edit an organisation: name, stakeholder type, country, website, description, logo.

    ``cleaned_data["logo"]`` is the re-encoded logo (a ``ContentFile``) or None. When ``check_duplicates`` is
    on (registering), ``self.similar`` lists existing organisations with a close name and the form stays
    invalid until the person ticks "register it anyway".
    """

    website = forms.URLField(
        label=_("Website"),
        required=False,
        max_length=300,
        assume_scheme="https",
        help_text=_("For example https://www.example.org"),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("Optional. PNG, JPEG or WebP, at most 2 MB and 4,000 × 4,000 pixels."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the current logo"), required=False)
    confirm_distinct = forms.BooleanField(
        label=_("None of these is my organisation: register it anyway"), required=False
    )
    # Registering only: consent to publication, recorded by the secretariat app (PublicationConsent).
    consent_publish = forms.BooleanField(
        label=_("I agree that the organisation's name and its pledges are published on the platform."),
        required=True,
        error_messages={"required": _("Please agree to publication: pledges on the platform are public.")},
    )

    class Meta:
        model = Organisation
        fields = ["name", "stakeholder_type", "country", "website", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"name": _("The official name, as it should appear on pledges.")}

    def __init__(self, *args, check_duplicates: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.check_duplicates = check_duplicates
        self.similar: list[Organisation] = []
        self.fields["website"].widget.attrs["inputmode"] = "url"
        if not check_duplicates:
            del self.fields["confirm_distinct"]
        if not (self.instance.pk and self.instance.logo):
            del self.fields["remove_logo"]
        if self.instance.pk:
            del self.fields["consent_publish"]

    def clean_name(self):
        name = " ".join((self.cleaned_data.get("name") or "").split())
        if not name:
            raise ValidationError(_("Please enter the organisation's name."))
        return name

    def clean_logo(self):
        uploaded = self.cleaned_data.get("logo")
        if not uploaded:
            return None
        return clean_logo(uploaded)

    def clean(self):
        data = super().clean()
        if self.check_duplicates and data.get("name") and not data.get("confirm_distinct"):
            from .selectors import similar_organisations

            self.similar = similar_organisations(data["name"], exclude_pk=self.instance.pk)
            if self.similar:
                self.add_error(
                    "confirm_distinct",
                    _(
                        "Organisations with a similar name are already registered (listed above). Ask to join "
                        "yours, or tick this box if none of them is your organisation."
                    ),
                )
        return data


class InvitationForm(forms.Form):
    """An owner invites someone by email with a role."""

    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(
        label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.EDITOR, help_text=ROLE_HELP
    )


class RoleForm(forms.Form):
    """Change a member's role."""

    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class TransferOwnershipForm(forms.Form):
    """An owner hands ownership to another member and keeps a lesser role."""

    to = forms.ModelChoiceField(label=_("New owner"), queryset=Membership.objects.none())
    keep_role = forms.ChoiceField(
        label=_("Your role afterwards"),
        choices=[c for c in Membership.Role.choices if c[0] != Membership.Role.OWNER],
        initial=Membership.Role.EDITOR,
    )

    def __init__(self, *args, organisation: Organisation, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = (
            Membership.objects.filter(organisation=organisation).exclude(user=user).select_related("user")
        )
        self.fields["to"].label_from_instance = lambda m: f"{m.user.email} ({m.get_role_display()})"


class JoinRequestForm(forms.ModelForm):
    class Meta:
        model = JoinRequest
        fields = ["message"]
        widgets = {"message": forms.Textarea(attrs={"rows": 3, "maxlength": 1000})}


class JoinDecisionForm(forms.Form):
    """An owner approves (with a role) or declines a request to join."""

    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("decline", _("Decline"))])
    role = forms.ChoiceField(
        label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.VIEWER, required=False
    )


class SwitchOrganisationForm(forms.Form):
    """Choose the organisation to work for (the member's own organisations only)."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), to_field_name="slug"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from .selectors import organisations_of

        self.fields["organisation"].queryset = organisations_of(user)


class StaffReasonForm(forms.Form):
    """The reason the Secretariat gives with a verification decision (shown to the owners)."""

    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
        help_text=_("Required when rejecting; sent to the organisation's owners."),
    )


class MergeForm(forms.Form):
    """Staff choose which of two organisations survives a merge."""

    survivor = forms.ModelChoiceField(
        label=_("Keep"), queryset=Organisation.objects.none(), widget=forms.RadioSelect, empty_label=None
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survivor"].queryset = organisations


class AppointOwnerForm(forms.Form):
    """Staff appoint an owner by the email address of an existing account."""

    email = forms.EmailField(label=_("Email address of the new owner"))

    def clean_email(self):
        from django.contrib.auth import get_user_model

        email = self.cleaned_data["email"].strip()
        user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise ValidationError(_("No active account has this email address. Invite the person instead."))
        self.user = user
        return email
