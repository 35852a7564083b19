"""The signed-in person's account page: download their data, delete their account."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from p2c.personal_data import deletion_warnings, export_user_data

from .forms import DeleteAccountForm
from .services import account_delete


@login_required
@require_GET
def account_overview(request):
    """Links to email addresses, password, two-factor authentication, the data download and deletion."""
    return render(request, "account/overview.html")


@login_required
@require_GET
@never_cache
def account_export(request):
    """Everything the platform holds about the signed-in person, as a JSON download."""
    data = {
        "exported_at": timezone.now().isoformat(),
        "platform": "P2C Pledging Platform",
        **export_user_data(request.user),
    }
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="p2c-my-data.json"'
    return response


@login_required
@never_cache
def account_delete_view(request):
    """Delete one's own account after confirming with the password."""
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        account_delete(user=user)
        messages.success(request, _("Your account is deleted."))
        return redirect("home")
    return render(request, "account/delete.html", {"form": form, "warnings": deletion_warnings(request.user)})
