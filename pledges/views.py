"""Views of the pledges app: the marketplace, the pledge page, the member's workspace and the pledge form."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from organisations.selectors import PLEDGE_EDITING_ROLES, organisations_of
from p2c.exceptions import ApplicationError
from p2c.once import FIELD as FORM_TOKEN
from p2c.once import form_token_new, form_token_spend
from reference.models import Country

from . import partnering, revisions, selectors, services
from .filters import SORT_LABELS, SORTS, PledgeFilter
from .forms import DeliverableFormSet, PartnerInvitationFormSet, PartnerResponseForm, PledgeForm, ReasonForm
from .models import Pledge, PledgePartner, PledgeRevision

PAGE_SIZES = (10, 20, 50, 100)
# The facets the marketplace shows as checkbox lists, in this order (others are select boxes).
CHECKBOX_FACETS = (
    "focus_area",
    "pillar",
    "pledge_type",
    "stakeholder_type",
    "sdg",
    "beneficiary_group",
    "need",
)


@require_GET
def marketplace(request):
    """The public marketplace of published pledges: faceted filters with counts, search (``?q=``),
    ``?sort=`` (an allowlist), ``?per_page=`` (10, 20, 50 or 100) and ``?page=``. Works without JavaScript;
    with it, htmx replaces only the results.

    The filters and results (the same for every visitor) are cached as rendered HTML for
    ``P2C_FIGURES_CACHE_SECONDS`` under a key of the language, the query string and
    ``selectors.pledges_fingerprint()`` (any saved pledge changes it); the rest of the page is rendered for each
    request (it has the visitor's menu)."""
    htmx = bool(request.headers.get("HX-Request"))
    state = sorted((key, sorted(values)) for key, values in request.GET.lists())
    fingerprint = selectors.pledges_fingerprint()
    body = selectors.public_fragment(
        "marketplace",
        (htmx, state),
        lambda: render_to_string(
            "pledges/includes/_results.html" if htmx else "pledges/includes/_marketplace_body.html",
            _marketplace_context(request, fingerprint),
            request=request,
        ),
        fingerprint=fingerprint,
    )
    if htmx:
        return HttpResponse(body)
    return render(request, "pledges/marketplace.html", {"body": body})


def _marketplace_context(request, fingerprint: str) -> dict:
    """The context of the marketplace's filters and results (nothing in it depends on who is looking)."""
    pledge_filter = PledgeFilter(request.GET or None, queryset=selectors.pledges_published())
    qs = pledge_filter.qs
    searching = bool((request.GET.get("q") or "").strip()) and "q" not in pledge_filter.errors
    sort = request.GET.get("sort") or ("relevance" if searching else "newest")
    if sort not in SORT_LABELS or (sort == "relevance" and not searching):
        sort = "relevance" if searching else "newest"
    if sort == "relevance":
        qs = qs.order_by("-search_rank", "-published_at", "-id")
    elif sort == "value":
        qs = qs.order_by(F("value_usd").desc(nulls_last=True), "-id")
    else:
        qs = qs.order_by(*SORTS[sort])
    try:
        per_page = int(request.GET.get("per_page", settings.P2C_PAGE_SIZE))
    except ValueError:
        per_page = settings.P2C_PAGE_SIZE
    if per_page not in PAGE_SIZES:
        per_page = settings.P2C_PAGE_SIZE
    page, counts = selectors.marketplace_page(
        pledge_filter,
        qs,
        page_number=request.GET.get("page"),
        per_page=per_page,
        sort=sort,
        fingerprint=fingerprint,
    )
    query = request.GET.copy()
    query.pop("page", None)
    labels = selectors.facet_labels()
    chosen = {name: request.GET.getlist(name) for name in (*labels, "region")}
    facet_lists = [
        {
            "name": name,
            "label": pledge_filter.filters[name].label,
            "options": [
                {
                    "key": key,
                    "label": label,
                    "count": counts.get(name, {}).get(key, 0),
                    "checked": key in chosen[name],
                }
                for key, label in labels[name]
                if counts.get(name, {}).get(key) or key in chosen[name]
            ],
        }
        for name in CHECKBOX_FACETS
    ]

    def options(param, facet):
        return [
            {
                "key": key,
                "label": label,
                "count": counts.get(facet, {}).get(key, 0),
                "selected": key in chosen[param],
            }
            for key, label in labels[facet]
            if counts.get(facet, {}).get(key) or key in chosen[param]
        ]

    selects = {
        "country": options("country", "country"),
        "region": options("region", "region") + options("region", "sub_region"),
        "group": options("group", "group"),
    }
    return {
        "filter": pledge_filter,
        "page": page,
        "sort": sort,
        "sort_labels": {k: v for k, v in SORT_LABELS.items() if k != "relevance" or searching},
        "per_page": per_page,
        "page_sizes": PAGE_SIZES,
        "query_without_page": query.urlencode(),
        "facet_lists": facet_lists,
        "selects": selects,
        "seeking_count": counts.get("seeking", {}).get("yes", 0),
        "start_years": sorted(counts.get("start_year", {}).items(), reverse=True),
    }


@require_GET
def pledge_detail(request, public_id):
    """A pledge's page. Drafts and decisions are visible only to their organisations and staff (else 404).

    For visitors who are not signed in the page's content is the same for all, so it is rendered once per
    language and cached (``selectors.public_fragment``); members and staff get it rendered for them (edit links,
    focal point, the follow button, pending changes)."""
    if not request.user.is_authenticated:

        def render_public():
            context = _pledge_detail_context(request, public_id)  # Http404 for a pledge not public
            pledge = context["pledge"]
            return {
                "body": mark_safe(  # noqa: S308 - our own template rendering
                    render_to_string("pledges/includes/_detail_body.html", context, request=request)
                ),
                "pledge": {
                    "title": pledge.title,
                    "summary": pledge.summary,
                    "description": pledge.description,
                },
                "canonical_url": context["canonical_url"],
            }

        return render(
            request, "pledges/detail.html", selectors.public_fragment("pledge", public_id, render_public)
        )
    context = _pledge_detail_context(request, public_id)
    context["body"] = render_to_string("pledges/includes/_detail_body.html", context, request=request)
    return render(request, "pledges/detail.html", context)


def _pledge_detail_context(request, public_id: str) -> dict:
    """What the content of a pledge's page shows to ``request.user``; Http404 if they may not see it."""
    pledge = get_object_or_404(
        selectors.pledges_visible_to(request.user)
        .select_related(
            "lead_organisation",
            "lead_organisation__stakeholder_type",
            "value_currency",
            "usd_rate",
            "campaign",
            "focal_point",
        )
        .prefetch_related(
            "deliverables",
            Prefetch(
                "beneficiary_countries", queryset=Country.objects.select_related("region", "sub_region")
            ),
            Prefetch(
                "partners",
                queryset=PledgePartner.objects.select_related("organisation").order_by(
                    "organisation__name", "invited_name"
                ),
            ),
        ),
        public_id=public_id,
    )
    partners = list(pledge.partners.all())
    tags = selectors.pledge_tags(pledge)
    confirmed = [p for p in partners if p.status == PledgePartner.Status.CONFIRMED]
    user = request.user
    is_insider = user.is_staff or selectors.is_member_of_pledge(user, pledge)
    return {
        "pledge": pledge,
        "partners": confirmed if pledge.status in Pledge.PUBLIC_STATUSES and not is_insider else partners,
        "confirmed_count": len(confirmed),
        "partner_count": len(partners),
        "show_focal_point": is_insider,
        "flags": selectors.pledge_group_flags(pledge),
        "tags": tags,
        "regions_derived": selectors.pledge_regions_derived(pledge, tags=tags),
        "can_edit": user.has_perm("pledges.edit_pledge", pledge),
        "can_revise": user.has_perm("pledges.revise_pledge", pledge),
        "can_report": user.has_perm("pledges.report_progress", pledge),
        "can_withdraw": user.has_perm("pledges.withdraw_pledge", pledge),
        "pending_revision": pledge.revisions.filter(status=PledgeRevision.Status.PENDING).first()
        if is_insider
        else None,
        "suggestions": partnering.potential_partners_cached(pledge)
        if pledge.status in Pledge.PUBLIC_STATUSES
        else [],
        # From the configured site address, never the request's Host header (the page may be cached and shown
        # to others).
        "canonical_url": f"{settings.SITE_URL}{pledge.get_absolute_url()}",
    }


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
            "response_form": PartnerResponseForm(),
            "editable_org_ids": set(
                organisations_of(request.user, roles=PLEDGE_EDITING_ROLES).values_list("id", flat=True)
            ),
        },
    )


def _relations(form, deliverables, invitations) -> services.PledgeRelations:
    data = form.cleaned_data
    many = {name: list(data.get(name) or []) for name in revisions.MANY_FIELDS}
    return services.PledgeRelations(
        **many,
        partners=list(data.get("partners") or []),
        partner_invitations=[
            (f.cleaned_data["name"].strip(), f.cleaned_data["email"])
            for f in invitations.forms
            if f.cleaned_data.get("email")
        ],
        deliverables=deliverables.rows(),
    )


def _forms(request, pledge, organisation):
    """The pledge form with its deliverables and email invitations, bound on POST."""
    data = request.POST or None
    initial_deliverables = (
        [
            {**row, "id": d.pk}
            for row, d in zip(
                revisions.deliverables_as_data(pledge.deliverables.all()),
                pledge.deliverables.all(),
                strict=True,
            )
        ]
        if pledge.pk
        else []
    )
    return (
        PledgeForm(data, instance=pledge, lead_organisation=organisation),
        DeliverableFormSet(data, prefix="deliverables", initial=initial_deliverables),
        PartnerInvitationFormSet(data, prefix="invitations"),
    )


@transaction.atomic
def _save_and_maybe_submit(request, form, deliverables, invitations, pledge):
    """Save the draft; when the "submit" button was used, submit it too (one transaction). Returns a redirect."""
    pledge = services.pledge_save(
        pledge=form.save(commit=False), by=request.user, relations=_relations(form, deliverables, invitations)
    )
    if request.POST.get("action") == "submit":
        try:
            services.pledge_submit(pledge=pledge, by=request.user)
        except ApplicationError as error:
            missing = error.extra.get("missing", [])
            messages.warning(
                request,
                _("Your draft is saved. It cannot be submitted yet: see the checklist below.")
                if missing
                else error.message,
            )
            return redirect("pledges:edit", public_id=pledge.public_id)
        messages.success(request, _("Your pledge was submitted for review by the P2C Secretariat."))
        return redirect("pledges:workspace")
    messages.success(request, _("Your draft is saved. You can come back to it at any time."))
    return redirect("pledges:edit", public_id=pledge.public_id)


def _render_form(request, pledge, organisation, form, deliverables, invitations, **extra):
    return render(
        request,
        "pledges/form.html",
        {
            "form": form,
            "deliverables": deliverables,
            "invitations": invitations,
            "organisation": organisation,
            "pledge": pledge if pledge.pk else None,
            "duplicates": selectors.likely_duplicates(pledge) if pledge.pk else [],
            **extra,
        },
    )


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
    form, deliverables, invitations = _forms(request, pledge, organisation)
    if request.method == "POST" and all([form.is_valid(), deliverables.is_valid(), invitations.is_valid()]):
        if not form_token_spend(request.POST.get(FORM_TOKEN)):
            messages.info(request, _("This pledge form was already received; it was not registered twice."))
            return redirect("pledges:workspace")
        return _save_and_maybe_submit(request, form, deliverables, invitations, pledge)
    return _render_form(
        request,
        pledge,
        organisation,
        form,
        deliverables,
        invitations,
        form_token=request.POST.get(FORM_TOKEN) or form_token_new(),
    )


@login_required
def pledge_edit(request, public_id):
    """Edit a draft (or a pledge whose changes were requested) and save or submit it; editing a published
    pledge proposes a revision that the public sees only once a moderator approves it."""
    pledge = get_object_or_404(selectors.pledges_editable_by(request.user), public_id=public_id)
    revising = request.user.has_perm("pledges.revise_pledge", pledge)
    if not revising and not request.user.has_perm("pledges.edit_pledge", pledge):
        messages.info(
            request,
            _("This pledge is %(status)s and can no longer be edited.")
            % {"status": pledge.get_status_display()},
        )
        return redirect(pledge)
    pending = pledge.revisions.filter(status=PledgeRevision.Status.PENDING).first() if revising else None
    if pending and request.method != "POST":
        # Show the pending proposal, not the published version, so nothing proposed is lost.
        shown, many, rows = revisions.apply_data(Pledge.objects.get(pk=pledge.pk), pending.data)
        form = PledgeForm(
            instance=shown,
            lead_organisation=pledge.lead_organisation,
            initial={name: values for name, values in many.items()},
        )
        deliverables = DeliverableFormSet(prefix="deliverables", initial=rows)
        invitations = PartnerInvitationFormSet(prefix="invitations")
    else:
        form, deliverables, invitations = _forms(request, pledge, pledge.lead_organisation)
    if request.method == "POST" and all([form.is_valid(), deliverables.is_valid(), invitations.is_valid()]):
        if not revising:
            return _save_and_maybe_submit(request, form, deliverables, invitations, pledge)
        data = revisions.form_as_data(form.cleaned_data, deliverables.rows())
        try:
            services.pledge_propose_revision(pledge=pledge, by=request.user, data=data)
        except ApplicationError as error:
            messages.info(request, error.message)
        else:
            messages.success(
                request,
                _(
                    "Your changes are sent to the P2C Secretariat. The public sees the published version until they "
                    "are approved."
                ),
            )
        return redirect(pledge)
    return _render_form(
        request,
        pledge,
        pledge.lead_organisation,
        form,
        deliverables,
        invitations,
        revising=revising,
        pending=pending,
        missing=[] if revising else services.pledge_missing_for_submit(pledge=pledge),
        last_transition=pledge.transitions.first(),
    )


@login_required
def pledge_lifecycle(request, public_id, action):
    """The lead organisation withdraws its published pledge or marks it completed, with a reason or note."""
    pledge = get_object_or_404(selectors.pledges_editable_by(request.user), public_id=public_id)
    service, label = {
        "withdraw": (services.pledge_withdraw, _("Withdraw this pledge")),
        "complete": (services.pledge_request_completion, _("Mark this pledge completed")),
    }[action]
    if not request.user.has_perm("pledges.withdraw_pledge", pledge):
        messages.info(request, _("This pledge is %(status)s.") % {"status": pledge.get_status_display()})
        return redirect(pledge)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if action == "withdraw":
                service(pledge=pledge, by=request.user, reason=form.cleaned_data["reason"])
            else:
                service(pledge=pledge, by=request.user, note=form.cleaned_data["reason"])
        except ApplicationError as error:
            form.add_error("reason", error.message)
        else:
            messages.success(request, _("Done: the P2C Secretariat has been told."))
            return redirect(pledge)
    return render(request, "pledges/lifecycle.html", {"pledge": pledge, "form": form, "label": label})


@login_required
@require_POST
def partner_respond(request, pk):
    """A partner organisation's owner or editor confirms (with its role and share) or declines a joint pledge."""
    partner = get_object_or_404(
        PledgePartner.objects.filter(
            organisation__in=organisations_of(request.user, roles=PLEDGE_EDITING_ROLES)
        ),
        pk=pk,
    )
    if not request.user.has_perm("pledges.respond_partnership", partner):
        raise PermissionDenied
    confirm = request.POST.get("answer") == "confirm"
    form = PartnerResponseForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("pledges:workspace")
    try:
        services.partner_respond(
            partner=partner,
            by=request.user,
            confirm=confirm,
            role=form.cleaned_data.get("role") or "",
            share_percent=form.cleaned_data.get("share_percent"),
        )
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


@login_required
def partner_claim(request, token):
    """Someone invited by email chooses which of their organisations is the partner, then answers in /my/."""
    row = services.partner_invitation_for_token(token)
    if row is None:
        messages.error(request, _("This invitation link is not valid any more."))
        return redirect("pledges:workspace")
    organisations = organisations_of(request.user, roles=PLEDGE_EDITING_ROLES)
    if not organisations.exists():
        messages.info(request, _("Register your organisation first, then open the invitation link again."))
        return redirect("organisations:create")
    if request.method == "POST":
        organisation = get_object_or_404(organisations, slug=request.POST.get("organisation"))
        try:
            with transaction.atomic():
                services.partner_claim(token=token, organisation=organisation, by=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Now confirm or decline the partnership below."))
        return redirect("pledges:workspace")
    return render(request, "pledges/claim.html", {"row": row, "organisations": organisations})
