"""Public and member pages of the secretariat app: old platform addresses, unsubscribing, notification
preferences, the terms of use and privacy notice, and the consent page."""

import re

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from accounts.redirects import safe_next

from . import selectors
from .consent import consent_accept, missing_consents
from .forms import ConsentForm, PreferencesForm
from .models import LegalDocument, NotificationPreferences
from .preferences import KINDS, read_unsubscribe_token, unsubscribe


@require_GET
def legacy_pledge(request, old_id: str):
    """``/legacy/pledges/<old_id>/``: the pledge that had this ID on the former platform (301), or 404."""
    pledge = selectors.legacy_pledge(old_id, user=request.user)
    if pledge is None:
        raise Http404(_("No pledge had this ID on the former platform."))
    return redirect(pledge.get_absolute_url(), permanent=True)


@csrf_exempt  # RFC 8058: mail programs POST "List-Unsubscribe=One-Click" without a session or CSRF token
@never_cache
def unsubscribe_view(request, token: str):
    """The unsubscribe link of an email: GET shows a button (link checkers must not unsubscribe anyone); POST
    (the button, or a mail program's one-click request) turns the kind of email off."""
    found = read_unsubscribe_token(token)
    user = get_user_model().objects.filter(pk=found[0]).first() if found else None
    if user is None:
        return render(request, "secretariat/unsubscribe.html", {"invalid": True}, status=404)
    kind = found[1]
    if request.method == "POST":
        unsubscribe(user=user, kind=kind)
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse(status=200)
        return render(request, "secretariat/unsubscribe.html", {"done": True, "kind_label": KINDS[kind]})
    return render(request, "secretariat/unsubscribe.html", {"kind_label": KINDS[kind], "email": user.email})


@login_required
def preferences_view(request):
    """``/my/notifications/``: which kinds of email the signed-in person wants, and in which language."""
    instance = NotificationPreferences.objects.filter(user=request.user).first() or NotificationPreferences(
        user=request.user
    )
    form = PreferencesForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your email preferences are saved."))
        return redirect("secretariat:preferences")
    return render(request, "secretariat/preferences.html", {"form": form})


@require_GET
def legal_document(request, kind: str):
    """``/legal/terms/`` and ``/legal/privacy/``: the version in force, with earlier versions listed."""
    if kind not in LegalDocument.Kind.values:
        raise Http404
    versions = LegalDocument.objects.filter(kind=kind, published_at__isnull=False).order_by("-version")
    requested = request.GET.get("version", "")
    if requested:
        # A version number: ASCII digits only ("²" is a digit to str.isdigit but not to int()), and short.
        if not re.fullmatch(r"[0-9]{1,9}", requested):
            raise Http404
        document = get_object_or_404(versions, version=int(requested))
    else:
        document = versions.first()
        if document is None:
            raise Http404(_("This document is not published yet."))
    paragraphs = [p.strip() for p in document.body.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return render(
        request,
        "secretariat/legal.html",
        {"document": document, "paragraphs": paragraphs, "versions": versions},
    )


@login_required
@never_cache
def consent_view(request):
    """Ask the signed-in person to accept the versions in force that they have not accepted yet."""
    documents = missing_consents(request.user)
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if not documents:
        return redirect(next_url)
    form = ConsentForm(request.POST or None, documents=documents)
    if request.method == "POST" and form.is_valid():
        consent_accept(user=request.user, documents=documents)
        messages.success(request, _("Thank you: your acceptance is recorded."))
        return redirect(next_url)
    return render(
        request, "secretariat/consent.html", {"form": form, "documents": documents, "next": next_url}
    )
