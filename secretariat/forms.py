"""Forms of the secretariat app: consent at sign-up and after a new version, notification preferences, the
registry upload, announcements."""

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .models import Announcement, AnnouncementText, NotificationPreferences
from .registry.files import human_size, max_bytes


def _documents_help(documents) -> str:
    links = format_html_join(
        ", ",
        '<a href="{}" target="_blank" rel="noopener">{} ({})</a>',
        (
            (
                reverse("secretariat:legal", kwargs={"kind": d.kind}),
                d.get_kind_display(),
                _("version %(v)s") % {"v": d.version},
            )
            for d in documents
        ),
    )
    return format_html("{} {}", _("Read:"), links)


class ConsentFieldMixin:
    """Adds the required "I accept" box for the documents in force (none while nothing is published)."""

    def _add_consent_field(self):
        from .consent import documents_in_force

        self.consent_documents = documents_in_force()
        if self.consent_documents:
            self.fields["accept_terms"] = forms.BooleanField(
                label=_("I accept the terms of use and the privacy notice."),
                required=True,
                help_text=_documents_help(self.consent_documents),
                error_messages={
                    "required": _("Please accept the terms of use and the privacy notice to continue.")
                },
            )


class SignupConsentForm(ConsentFieldMixin, forms.Form):
    """django-allauth's sign-up form is built on this class (``ACCOUNT_SIGNUP_FORM_CLASS``): it asks for consent
    to the terms of use and the privacy notice in force and records it for the new account."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_consent_field()

    def signup(self, request, user):
        from .consent import consent_accept

        if self.consent_documents:
            consent_accept(user=user, documents=self.consent_documents)


class ConsentForm(ConsentFieldMixin, forms.Form):
    """Accept the versions in force that the signed-in person has not accepted yet."""

    def __init__(self, *args, documents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accept_terms"] = forms.BooleanField(
            label=_("I accept these documents."),
            required=True,
            help_text=_documents_help(documents),
            error_messages={"required": _("Please accept the documents to continue, or log out.")},
        )


class PreferencesForm(forms.ModelForm):
    """Which kinds of email a person wants, and their language."""

    class Meta:
        model = NotificationPreferences
        fields = ["decisions", "reminders", "partnership", "announcements", "digests", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"] = forms.ChoiceField(
            label=_("Language of emails"),
            choices=[("", _("The site's default"))] + list(settings.LANGUAGES),
            required=False,
            help_text=NotificationPreferences._meta.get_field("language").help_text,
        )


class RegistryUploadForm(forms.Form):
    """Upload a spreadsheet of the former registry for its dry run."""

    file = forms.FileField(
        label=_("Registry file (CSV or XLSX)"),
        help_text=_("Columns as in the layout below. CSV in UTF-8; XLSX with values, not formulas."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    partners_file = forms.FileField(
        label=_("Partner organisations file (optional)"),
        required=False,
        help_text=_(
            "Partners of joint pledges not yet on the platform: columns name, entity_type, country_iso2."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def _check_size(self, uploaded):
        if uploaded is not None and uploaded.size > max_bytes():
            raise forms.ValidationError(
                _("The file is %(size)s; at most %(limit)s can be imported.")
                % {"size": human_size(uploaded.size), "limit": human_size(max_bytes())}
            )
        return uploaded

    def clean_file(self):
        return self._check_size(self.cleaned_data.get("file"))

    def clean_partners_file(self):
        return self._check_size(self.cleaned_data.get("partners_file"))


class AnnouncementForm(forms.ModelForm):
    class Meta:
        model = Announcement
        fields = [
            "name",
            "focus_areas",
            "regions",
            "stakeholder_types",
            "reporting_status",
            "reporting_period",
        ]

    def clean(self):
        data = super().clean()
        if data.get("reporting_status") and not data.get("reporting_period"):
            self.add_error(
                "reporting_period", _("Choose the reporting period the reporting status refers to.")
            )
        return data


class AnnouncementTextForm(forms.ModelForm):
    class Meta:
        model = AnnouncementText
        fields = ["language", "subject", "body"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"] = forms.ChoiceField(
            label=_("Language"), choices=list(settings.LANGUAGES), initial=settings.LANGUAGE_CODE
        )

    def clean_subject(self):
        subject = self.cleaned_data.get("subject", "")
        # An email subject is one line: a line break in it would make the message impossible to send (and an
        # injected header possible).
        if len(subject.splitlines()) > 1 or any(c in subject for c in "\r\n"):
            raise forms.ValidationError(_("The subject must be one line: remove the line breaks."))
        return subject
