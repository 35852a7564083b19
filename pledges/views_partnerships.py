"""Views of partnerships: express interest, the inbox and replies, abuse reports, problem reports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organisations.selectors import PLEDGE_EDITING_ROLES, organisations_of
from p2c.exceptions import ApplicationError

from . import partnering
from .forms import InterestForm, ProblemReportForm, ReplyForm
from .models import PartnershipRequest, Pledge
from .selectors import pledges_published


@login_required
def express_interest(request, public_id):
    """A member of an organisation writes to the organisation behind a published pledge."""
    pledge = get_object_or_404(pledges_published(), public_id=public_id)
    organisations = organisations_of(request.user).exclude(pk=pledge.lead_organisation_id)
    if not organisations.exists():
        messages.info(request, _("Register your organisation (or join one) to write to other organisations."))
        return redirect(pledge)
    form = InterestForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            partnering.partnership_request_send(
                pledge=pledge,
                from_organisation=form.cleaned_data["organisation"],
                by=request.user,
                message=form.cleaned_data["message"],
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Your message was sent. You will hear back by email and in your inbox.")
            )
            return redirect(pledge)
    return render(request, "pledges/interest.html", {"pledge": pledge, "form": form})


@login_required
def inbox(request):
    """Partnership messages received and sent by the member's organisations."""
    mine = set(organisations_of(request.user, roles=PLEDGE_EDITING_ROLES).values_list("id", flat=True))
    items = list(partnering.partnership_inbox(request.user)[:200])
    return render(
        request,
        "pledges/inbox.html",
        {
            "received": [r for r in items if r.pledge.lead_organisation_id in mine],
            "sent": [r for r in items if r.pledge.lead_organisation_id not in mine],
            "reply_form": ReplyForm(),
        },
    )


def _received_request_or_404(user, pk):
    return get_object_or_404(
        PartnershipRequest.objects.filter(
            pledge__lead_organisation__in=organisations_of(user, roles=PLEDGE_EDITING_ROLES)
        ),
        pk=pk,
    )


@login_required
@require_POST
def reply(request, pk):
    """An owner or editor of the pledging organisation answers a message."""
    req = _received_request_or_404(request.user, pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            partnering.partnership_request_reply(
                request=req,
                by=request.user,
                reply=form.cleaned_data["reply"],
                accept=form.cleaned_data["accept"],
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your reply was sent."))
    else:
        messages.error(request, _("Please write a reply."))
    return redirect("pledges:inbox")


@login_required
@require_POST
def report_abuse(request, pk):
    """The receiving organisation flags a message as abuse for the Secretariat."""
    req = _received_request_or_404(request.user, pk)
    partnering.partnership_request_report_abuse(request=req, by=request.user)
    messages.success(request, _("Thank you: the P2C Secretariat will look at this message."))
    return redirect("pledges:inbox")


def report_problem(request, public_id):
    """Anyone reports a problem with a published pledge to the Secretariat."""
    pledge = get_object_or_404(Pledge.objects.published(), public_id=public_id)
    form = ProblemReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        partnering.problem_report_create(
            pledge=pledge,
            message=form.cleaned_data["message"],
            email=form.cleaned_data["email"],
            by=request.user,
        )
        messages.success(request, _("Thank you: your report reached the P2C Secretariat."))
        return redirect(pledge)
    return render(request, "pledges/report_problem.html", {"pledge": pledge, "form": form})
