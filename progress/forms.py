"""Forms of the progress app: the progress report with its deliverables and evidence files, the best practice,
the Secretariat's reason."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from pledges.forms import LocalizedDecimalField
from reference.models import Currency, FocusArea, Region, StakeholderType

from .evidence import clean_evidence_file
from .images import clean_best_practice_image
from .models import MONEY_MAX, Evidence, ImplementationStatus
from .services import MAX_EVIDENCE_FILES, EvidenceUpload, ReportContent

MAX_LINKS = 10


class MultipleFileInput(forms.ClearableFileInput):
    """A file input that lets people choose several files at once (``<input type="file" multiple>``)."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that cleans every file chosen in its input: a list of uploaded files (possibly empty)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class ProgressReportForm(forms.Form):
    """A progress report: implementation status, % complete, figures, narrative, challenges, links and new
    evidence files. Incomplete reports may be saved as drafts; what a submission needs is checked by
    ``services.progress_report_missing_for_submit``."""

    implementation_status = forms.ChoiceField(
        label=_("Implementation status"), choices=[("", "—")] + list(ImplementationStatus.choices)
    )
    percent_complete = forms.IntegerField(
        label=_("% complete"),
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100}),
        help_text=_("Your estimate for the whole pledge, 0 to 100."),
    )
    people_reached = LocalizedDecimalField(
        label=_("People reached"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal(10**10),
        max_digits=11,
        decimal_places=0,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text=_("Since the pledge started."),
    )
    disbursed_amount = LocalizedDecimalField(
        label=_("Money disbursed"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal(MONEY_MAX),
        max_digits=16,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_(
            "Since the pledge started. Its US dollar equivalent is worked out from the Secretariat's rates."
        ),
    )
    disbursed_currency = forms.ModelChoiceField(
        label=_("Currency"), queryset=Currency.objects.all(), required=False, to_field_name="code"
    )
    narrative = forms.CharField(
        label=_("Narrative"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What was done in the period, where and for whom. Needed to submit."),
    )
    challenges = forms.CharField(
        label=_("Challenges"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    links = forms.CharField(
        label=_("Links"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Web pages about the results, one address per line (at most 10)."),
    )
    is_final = forms.BooleanField(
        label=_("This is the final report: mark the pledge completed"),
        required=False,
        help_text=_(
            "Once the P2C Secretariat publishes it, the pledge is closed and no more reports can be filed."
        ),
    )
    evidence_files = MultipleFileField(
        label=_("Add evidence files"),
        required=False,
        help_text=_(
            "PDF, PNG, JPEG or WebP images, Word, Excel, PowerPoint or OpenDocument files; at most 10 MB each. "
            "You can choose several files."
        ),
    )
    evidence_visibility = forms.ChoiceField(
        label=_("Who may see the files you add"),
        choices=Evidence.Visibility.choices,
        initial=Evidence.Visibility.PUBLIC,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, can_file_final: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_file_final:
            del self.fields["is_final"]
        self.fields["disbursed_currency"].label_from_instance = lambda c: f"{c.code} – {c.name}"
        self.fields["disbursed_currency"].widget.attrs["autocomplete"] = "off"

    def clean_links(self):
        lines = [line.strip() for line in self.cleaned_data.get("links", "").splitlines() if line.strip()]
        if len(lines) > MAX_LINKS:
            raise ValidationError(_("Give at most %(n)d links.") % {"n": MAX_LINKS})
        validate = URLValidator(schemes=["http", "https"])
        for line in lines:
            if len(line) > 500:
                raise ValidationError(_("This address is too long: %(url)s") % {"url": line[:80] + "…"})
            try:
                validate(line)
            except ValidationError as error:
                raise ValidationError(
                    _("“%(url)s” is not a web address (it must start with https:// or http://).")
                    % {"url": line}
                ) from error
        return "\n".join(lines)

    def clean_people_reached(self):
        value = self.cleaned_data.get("people_reached")
        return int(value) if value is not None else None

    def clean_evidence_files(self):
        files = self.cleaned_data.get("evidence_files") or []
        if len(files) > MAX_EVIDENCE_FILES:
            raise ValidationError(_("Add at most %(n)d files at a time.") % {"n": MAX_EVIDENCE_FILES})
        cleaned, errors = [], []
        for uploaded in files:
            try:
                cleaned.append(clean_evidence_file(uploaded))
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned

    def clean(self):
        data = super().clean()
        if data.get("disbursed_amount") is not None and not data.get("disbursed_currency"):
            self.add_error("disbursed_currency", _("Choose the currency of the money disbursed."))
        chosen = self.files.getlist("evidence_files") if hasattr(self.files, "getlist") else []
        if self.errors and chosen and "evidence_files" not in self.errors:
            self.add_error(
                "evidence_files",
                _("Files cannot be kept while the form has errors: please choose them again."),
            )
        return data

    def content(self, deliverables: list[dict]) -> ReportContent:
        """The report's content from the cleaned data and the deliverable rows."""
        data = self.cleaned_data
        currency = data.get("disbursed_currency")
        return ReportContent(
            implementation_status=data["implementation_status"],
            percent_complete=data["percent_complete"],
            narrative=data.get("narrative", ""),
            challenges=data.get("challenges", ""),
            links=data.get("links", ""),
            people_reached=data.get("people_reached"),
            disbursed_amount=data.get("disbursed_amount"),
            disbursed_currency=currency.code if currency else None,
            is_final=bool(data.get("is_final")),
            deliverables=deliverables,
        )

    def uploads(self) -> list[EvidenceUpload]:
        visibility = self.cleaned_data.get("evidence_visibility") or Evidence.Visibility.PUBLIC
        return [
            EvidenceUpload(content=content, detected=detected, name=name, visibility=visibility)
            for content, detected, name in self.cleaned_data.get("evidence_files") or []
        ]


class DeliverableProgressForm(forms.Form):
    """One deliverable's status and actual value in a progress report (the deliverable is shown as text)."""

    deliverable_id = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", "—")] + list(ImplementationStatus.choices)
    )
    actual_value = LocalizedDecimalField(
        label=_("Actual value"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal(MONEY_MAX),
        max_digits=18,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class BaseDeliverableProgressFormSet(forms.BaseFormSet):
    """The deliverable rows of a progress report, one per deliverable of the pledge.

    Args:
        deliverable_ids: the IDs of the pledge's deliverables, the only ones a row may be about (default: those
            of ``initial``, which the form lists one per row). A row about another deliverable, or a second row
            about the same one, is an error of the formset (the page shows it with what was typed), never a
            database error.
    """

    def __init__(self, *args, deliverable_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        if deliverable_ids is None:
            deliverable_ids = [row.get("deliverable_id") for row in self.initial or ()]
        self.deliverable_ids = {int(pk) for pk in deliverable_ids if pk is not None}

    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            deliverable_id = (getattr(form, "cleaned_data", None) or {}).get("deliverable_id")
            if deliverable_id is None:
                continue
            if deliverable_id not in self.deliverable_ids:
                raise ValidationError(
                    _(
                        "The form holds a deliverable that is not one of this pledge's (it may have been removed "
                        "since you opened the form). Open the form again to report on the current deliverables."
                    ),
                    code="foreign_deliverable",
                )
            if deliverable_id in seen:
                raise ValidationError(
                    _(
                        "A deliverable is listed twice in the form; each deliverable is reported once. Open the "
                        "form again to report on each deliverable once."
                    ),
                    code="repeated_deliverable",
                )
            seen.add(deliverable_id)

    def rows(self, deliverables) -> list[dict]:
        """The figures as ``ReportContent.deliverables`` rows, for the pledge's ``deliverables`` only."""
        by_id = {d.pk: d for d in deliverables}
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            deliverable = by_id.get(data.get("deliverable_id"))
            if deliverable is None:
                continue
            rows.append(
                {
                    "deliverable": deliverable,
                    "status": data.get("status") or "",
                    "actual_value": data.get("actual_value"),
                    "note": data.get("note") or "",
                }
            )
        return rows


DeliverableProgressFormSet = forms.formset_factory(
    DeliverableProgressForm, formset=BaseDeliverableProgressFormSet, extra=0, max_num=200
)


class ReasonForm(forms.Form):
    """The reason the Secretariat gives when it returns a report (or a note when it publishes one)."""

    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
        help_text=_("Required when returning a report; shown to the pledging organisation."),
    )


class BestPracticeForm(forms.Form):
    """A best practice proposed from a published progress report."""

    title = forms.CharField(label=_("Title"), max_length=200)
    story = forms.CharField(
        label=_("Story"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What was done, where, with whom."),
    )
    results = forms.CharField(
        label=_("Results"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What changed, with figures."),
    )
    lessons = forms.CharField(
        label=_("Lessons learnt"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What others should know to do the same."),
    )
    image = forms.FileField(
        label=_("Image"),
        required=False,
        help_text=_("Optional: a PNG, JPEG or WebP photo, at most 5 MB and 5,000 × 5,000 pixels."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    image_alt = forms.CharField(
        label=_("What the image shows"),
        required=False,
        max_length=250,
        help_text=_("For people who cannot see the image. Needed with an image."),
    )

    def clean_image(self):
        uploaded = self.cleaned_data.get("image")
        return clean_best_practice_image(uploaded) if uploaded else None

    def clean(self):
        data = super().clean()
        if data.get("image") and not (data.get("image_alt") or "").strip():
            self.add_error("image_alt", _("Say what the image shows, for people who cannot see it."))
        if self.errors and self.files.get("image") and "image" not in self.errors:
            self.add_error(
                "image", _("Files cannot be kept while the form has errors: please choose it again.")
            )
        return data


class GalleryFilterForm(forms.Form):
    """The filters of the public best-practices gallery."""

    focus_area = forms.ModelChoiceField(
        label=_("Focus area"),
        queryset=FocusArea.objects.all(),
        required=False,
        to_field_name="slug",
        empty_label=_("All focus areas"),
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.filter(level__in=(Region.Level.REGION, Region.Level.SUB_REGION)).order_by(
            "name"
        ),
        required=False,
        to_field_name="m49_code",
        empty_label=_("All regions"),
    )
    stakeholder_type = forms.ModelChoiceField(
        label=_("Stakeholder type"),
        queryset=StakeholderType.objects.all(),
        required=False,
        to_field_name="slug",
        empty_label=_("All stakeholder types"),
    )
