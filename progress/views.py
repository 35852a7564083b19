"""Views of the progress app."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from organisations.selectors import PROGRESS_REPORTING_ROLES, organisations_of
from p2c.exceptions import ApplicationError
from p2c.once import FIELD as FORM_TOKEN
from p2c.once import form_token_new, form_token_spend
from pledges.models import Pledge

from .forms import ProgressReportForm
from .services import progress_report_create


@login_required
def progress_create(request, public_id):
    """Post a progress report on a published pledge of one of the member's organisations."""
    pledge = get_object_or_404(
        Pledge.objects.published().filter(
            lead_organisation__in=organisations_of(request.user, roles=PROGRESS_REPORTING_ROLES)
        ),
        public_id=public_id,
    )
    form = ProgressReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not form_token_spend(request.POST.get(FORM_TOKEN)):
            messages.info(request, _("This progress report was already received; it was not posted twice."))
            return redirect(pledge)
        try:
            progress_report_create(pledge=pledge, by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your progress report is published on the pledge's page."))
            return redirect(pledge)
    return render(
        request,
        "progress/form.html",
        {"form": form, "pledge": pledge, "form_token": request.POST.get(FORM_TOKEN) or form_token_new()},
    )
