"""Forms of the progress app."""

from django import forms

from .models import ProgressReport


class ProgressReportForm(forms.ModelForm):
    """A progress report: implementation status, % complete (0–100) and a narrative."""

    class Meta:
        model = ProgressReport
        fields = ["implementation_status", "percent_complete", "narrative"]
        widgets = {
            "narrative": forms.Textarea(attrs={"rows": 6}),
            "percent_complete": forms.NumberInput(attrs={"min": 0, "max": 100}),
        }
