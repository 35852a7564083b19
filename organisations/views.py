"""Views of organisations: registering one, and its public profile."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .forms import OrganisationForm
from .selectors import organisations_visible_to
from .services import organisation_create


@login_required
def organisation_create_view(request):
    """Register an organisation; the person registering it becomes its owner."""
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = organisation_create(created_by=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("%(name)s is registered. The P2C Secretariat will verify it; meanwhile you can draft pledges.")
            % {"name": organisation.name},
        )
        return redirect("pledges:workspace")
    return render(request, "organisations/form.html", {"form": form})


@require_GET
def organisation_detail(request, slug):
    """An organisation's public profile with its published pledges and confirmed partnerships."""
    organisation = get_object_or_404(organisations_visible_to(request.user), slug=slug)
    return render(request, "organisations/detail.html", {"organisation": organisation})
