"""Views of the pledges app: the marketplace, the pledge page, the member's workspace and the pledge form."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from organisations.selectors import PLEDGE_EDITING_ROLES, organisations_of
from p2c.exceptions import ApplicationError

from . import selectors, services
from .filters import SORT_LABELS, SORTS, PledgeFilter
from .forms import PledgeForm
from .models import Pledge, PledgePartner


@require_GET
def marketplace(request):
    """The public marketplace of published pledges: filters, search (``?q=``), ``?sort=`` and ``?page=``."""
    pledge_filter = PledgeFilter(request.GET or None, queryset=selectors.pledges_published())
    sort = request.GET.get("sort", "newest")
    if sort not in SORT_LABELS:
        sort = "newest"
    qs = pledge_filter.qs
    if sort == "value":
        qs = qs.order_by(F("value_usd").desc(nulls_last=True), "-id")
    else:
        qs = qs.order_by(*SORTS[sort])
    page = Paginator(qs, settings.P2C_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "pledges/marketplace.html",
        {
            "filter": pledge_filter,
            "page": page,
            "sort": sort,
            "sort_labels": SORT_LABELS,
            "query_without_page": query.urlencode(),
        },
    )


@require_GET
def pledge_detail(request, public_id):
    """A pledge's page. Drafts and decisions are visible only to their organisations and staff (else 404)."""
    pledge = get_object_or_404(
        selectors.pledges_visible_to(request.user)
        .select_related(
            "lead_organisation", "lead_organisation__stakeholder_type", "value_currency", "usd_rate"
        )
        .prefetch_related("focus_areas", "pillars", "pledge_types", "beneficiary_countries"),
        public_id=public_id,
    )
    partners = list(pledge.partners.select_related("organisation").order_by("organisation__name"))
    confirmed = [p for p in partners if p.status == PledgePartner.Status.CONFIRMED]
    return render(
        request,
        "pledges/detail.html",
        {
            "pledge": pledge,
            "partners": partners if pledge.status != Pledge.Status.PUBLISHED else confirmed,
            "confirmed_count": len(confirmed),
            "partner_count": len(partners),
            "can_edit": request.user.has_perm("pledges.edit_pledge", pledge),
            "can_report": request.user.has_perm("pledges.report_progress", pledge),
        },
    )


@login_required
@require_GET
def workspace(request):
    """The member's workspace: their organisations, their pledges with the last decision, partner requests."""
    return render(
        request,
        "pledges/workspace.html",
        {
            "memberships": request.user.memberships.select_related("organisation").order_by(
                "organisation__name"
            ),
            "pledges": selectors.workspace_pledges(request.user),
            "invitations": selectors.partner_invitations_for(request.user),
        },
    )


def _relations(form) -> services.PledgeRelations:
    data = form.cleaned_data
    return services.PledgeRelations(
        focus_areas=list(data.get("focus_areas") or []),
        pillars=list(data.get("pillars") or []),
        pledge_types=list(data.get("pledge_types") or []),
        beneficiary_countries=list(data.get("beneficiary_countries") or []),
        partners=list(data.get("partners") or []),
    )


def _save_and_maybe_submit(request, form, pledge):
    """Save the draft; when the "submit" button was used, submit it too. Returns a redirect response."""
    pledge = services.pledge_save(pledge=form.save(commit=False), by=request.user, relations=_relations(form))
    if request.POST.get("action") == "submit":
        try:
            services.pledge_submit(pledge=pledge, by=request.user)
        except ApplicationError as error:
            missing = error.extra.get("missing", [])
            messages.warning(
                request,
                _("Your draft is saved. Before it can be submitted, please add: %(missing)s.")
                % {"missing": "; ".join(missing)}
                if missing
                else error.message,
            )
            return redirect("pledges:edit", public_id=pledge.public_id)
        messages.success(request, _("Your pledge was submitted for review by the P2C Secretariat."))
        return redirect("pledges:workspace")
    messages.success(request, _("Your draft is saved. You can come back to it at any time."))
    return redirect("pledges:edit", public_id=pledge.public_id)


@login_required
def pledge_create(request):
    """Register a new pledge for one of the member's organisations (``?organisation=<slug>``)."""
    organisations = organisations_of(request.user, roles=PLEDGE_EDITING_ROLES)
    if not organisations.exists():
        messages.info(request, _("First register your organisation; then you can register its pledges."))
        return redirect("organisations:create")
    slug = request.POST.get("organisation") or request.GET.get("organisation")
    organisation = get_object_or_404(organisations, slug=slug) if slug else None
    if organisation is None:
        if organisations.count() == 1:
            organisation = organisations.get()
        else:
            return render(request, "pledges/choose_organisation.html", {"organisations": organisations})
    pledge = Pledge(lead_organisation=organisation)
    form = PledgeForm(request.POST or None, instance=pledge, lead_organisation=organisation)
    if request.method == "POST" and form.is_valid():
        return _save_and_maybe_submit(request, form, pledge)
    return render(request, "pledges/form.html", {"form": form, "organisation": organisation, "pledge": None})


@login_required
def pledge_edit(request, public_id):
    """Edit a draft (or a pledge whose changes were requested) and save or submit it."""
    pledge = get_object_or_404(selectors.pledges_editable_by(request.user), public_id=public_id)
    if not request.user.has_perm("pledges.edit_pledge", pledge):
        messages.info(
            request,
            _("This pledge is %(status)s and can no longer be edited.")
            % {"status": pledge.get_status_display().lower()},
        )
        return redirect(pledge)
    form = PledgeForm(request.POST or None, instance=pledge, lead_organisation=pledge.lead_organisation)
    if request.method == "POST" and form.is_valid():
        return _save_and_maybe_submit(request, form, pledge)
    return render(
        request,
        "pledges/form.html",
        {
            "form": form,
            "organisation": pledge.lead_organisation,
            "pledge": pledge,
            "missing": services.pledge_missing_for_submit(pledge=pledge),
            "last_transition": pledge.transitions.first(),
        },
    )


@login_required
@require_POST
def partner_respond(request, pk):
    """A partner organisation's owner or editor confirms or declines a joint pledge."""
    partner = get_object_or_404(
        PledgePartner.objects.filter(
            organisation__in=organisations_of(request.user, roles=PLEDGE_EDITING_ROLES)
        ),
        pk=pk,
    )
    if not request.user.has_perm("pledges.respond_partnership", partner):
        raise PermissionDenied
    confirm = request.POST.get("answer") == "confirm"
    try:
        services.partner_respond(partner=partner, by=request.user, confirm=confirm)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("You confirmed your organisation's participation.")
            if confirm
            else _("You declined the invitation."),
        )
    return redirect("pledges:workspace")
