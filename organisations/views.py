"""Views of organisations: registration (with duplicate check), the public profile and logo, the members page
(invitations, requests to join, roles, ownership, leaving), invitation links and switching organisation.

Every object is fetched scoped to the user (``selectors``), so another organisation's slug or ID gives 404; what a
member may do with what they see is decided by ``organisations.permissions`` (403 when the role is missing).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.redirects import safe_next
from p2c.exceptions import ApplicationError

from . import selectors, services
from .forms import (
    InvitationForm,
    JoinDecisionForm,
    JoinRequestForm,
    OrganisationForm,
    RoleForm,
    SwitchOrganisationForm,
    TransferOwnershipForm,
)
from .images import CONTENT_TYPES
from .models import FormerSlug, Invitation, JoinRequest, Membership, Organisation

# Session key: the invitation token to accept right after the person has signed up and logged in.
ACCEPT_AFTER_LOGIN_SESSION_KEY = "p2c_invitation_accept"


def _member_organisation(request, slug) -> Organisation:
    """The organisation ``slug`` if the user is a member; 404 otherwise (no hint that it exists)."""
    return get_object_or_404(selectors.organisations_of(request.user), slug=slug)


def _require(request, perm, obj):
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


def _set_current(request, organisation) -> None:
    request.session[selectors.CURRENT_ORGANISATION_SESSION_KEY] = organisation.pk


# --- public --------------------------------------------------------------------------------------------------


@require_GET
def organisation_detail(request, slug):
    """An organisation's public profile: logo, description, type, country, website, figures, pledges."""
    organisation = selectors.organisations_visible_to(request.user).filter(slug=slug).first()
    if organisation is None:
        former = FormerSlug.objects.filter(slug=slug).select_related("organisation").first()
        if former and request.user.has_perm("organisations.view_organisation", former.organisation):
            return redirect(former.organisation, permanent=True)
        raise Http404
    return render(
        request,
        "organisations/detail.html",
        {
            "organisation": organisation,
            "figures": selectors.organisation_headline_figures(organisation),
            "role": selectors.role_of(request.user, organisation),
        },
    )


@require_GET
def organisation_logo(request, slug):
    """The organisation's logo (re-encoded PNG, JPEG or WebP), for those who may see the organisation."""
    organisation = get_object_or_404(selectors.organisations_visible_to(request.user), slug=slug)
    if not organisation.logo:
        raise Http404
    ext = organisation.logo.name.rsplit(".", 1)[-1].lower()
    if ext not in CONTENT_TYPES:
        raise Http404
    try:
        handle = organisation.logo.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404 from error
    response = FileResponse(handle, content_type=CONTENT_TYPES[ext])
    response["Cache-Control"] = (
        "public, max-age=86400" if organisation.is_verified else "private, max-age=300"
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Content-Disposition"] = "inline"
    return response


# --- registering, switching ----------------------------------------------------------------------------------


@login_required
def organisation_create_view(request):
    """Register an organisation; the person registering it becomes its owner. Names close to an existing
    organisation's are shown first, with the offer to ask to join it instead."""
    form = OrganisationForm(request.POST or None, request.FILES or None, check_duplicates=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        logo = data.pop("logo", None)
        data.pop("remove_logo", None)
        organisation = services.organisation_create(created_by=request.user, logo=logo, **data)
        _set_current(request, organisation)
        messages.success(
            request,
            _("%(name)s is registered. The P2C Secretariat will verify it; meanwhile you can draft pledges.")
            % {"name": organisation.name},
        )
        return redirect("pledges:workspace")
    return render(request, "organisations/form.html", {"form": form, "similar": form.similar})


@login_required
@require_GET
def my_organisations(request):
    """The member's organisations, invitations addressed to them and their pending requests to join."""
    return render(
        request,
        "organisations/my_organisations.html",
        {
            "organisations": selectors.my_organisations(request),
            "invitations": selectors.invitations_for_user(request.user),
            "join_requests": selectors.join_requests_of(request.user),
        },
    )


@login_required
@require_POST
def organisation_switch(request):
    """Choose the organisation to work for (stored in the session, used by the workspace)."""
    form = SwitchOrganisationForm(request.POST, user=request.user)
    if not form.is_valid():
        raise Http404
    _set_current(request, form.cleaned_data["organisation"])
    return redirect(safe_next(request, request.POST.get("next")))


# --- members page --------------------------------------------------------------------------------------------


@login_required
@require_GET
def organisation_members(request, slug):
    """The organisation's page for its members: who belongs with which role; for owners, invitations,
    requests to join and the controls to change roles, remove members and transfer ownership."""
    organisation = _member_organisation(request, slug)
    _require(request, "organisations.view_members", organisation)
    can_manage = request.user.has_perm("organisations.manage_members", organisation)
    context = {
        "organisation": organisation,
        "members": selectors.organisation_members(organisation),
        "my_role": selectors.role_of(request.user, organisation),
        "can_manage": can_manage,
        "can_publish": selectors.organisation_can_publish(organisation),
        "roles": Membership.Role.choices,
    }
    if can_manage:
        context["invitations"] = selectors.invitations_pending_for_organisation(organisation)
        context["join_requests"] = selectors.join_requests_pending_for_organisation(organisation)
        context["invite_form"] = InvitationForm()
    return render(request, "organisations/members.html", context)


@login_required
def organisation_edit(request, slug):
    """Owners edit the profile and the logo. Renaming a verified organisation sends it back for verification."""
    organisation = _member_organisation(request, slug)
    _require(request, "organisations.edit_profile", organisation)
    form = OrganisationForm(request.POST or None, request.FILES or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        logo = data.pop("logo", None)
        remove = data.pop("remove_logo", False)
        was_verified = organisation.is_verified
        organisation = services.organisation_update(
            organisation=organisation, by=request.user, logo=logo, remove_logo=remove, **data
        )
        messages.success(request, _("The profile is saved."))
        if was_verified and not organisation.is_verified:
            messages.info(
                request, _("The name changed, so the P2C Secretariat will verify the organisation again.")
            )
        return redirect("organisations:members", slug=organisation.slug)
    return render(request, "organisations/edit.html", {"form": form, "organisation": organisation})


@login_required
def invitation_create_view(request, slug):
    """Owners invite someone by email with a role."""
    organisation = _member_organisation(request, slug)
    _require(request, "organisations.manage_members", organisation)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = services.invitation_create(
                organisation=organisation, by=request.user, **form.cleaned_data
            )
        except ApplicationError as error:
            form.add_error("email", error.message)
        else:
            messages.success(request, _("An invitation was sent to %(email)s.") % {"email": invitation.email})
            return redirect("organisations:members", slug=organisation.slug)
    return render(request, "organisations/invite.html", {"form": form, "organisation": organisation})


def _owned_invitation(request, slug, pk) -> Invitation:
    organisation = _member_organisation(request, slug)
    _require(request, "organisations.manage_members", organisation)
    return get_object_or_404(Invitation, pk=pk, organisation=organisation)


@login_required
@require_POST
def invitation_revoke_view(request, slug, pk):
    invitation = _owned_invitation(request, slug, pk)
    try:
        services.invitation_revoke(invitation=invitation, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The invitation to %(email)s is revoked.") % {"email": invitation.email})
    return redirect("organisations:members", slug=slug)


@login_required
@require_POST
def invitation_resend_view(request, slug, pk):
    invitation = _owned_invitation(request, slug, pk)
    try:
        services.invitation_resend(invitation=invitation, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The invitation to %(email)s was sent again.") % {"email": invitation.email}
        )
    return redirect("organisations:members", slug=slug)


def _managed_membership(request, slug, pk) -> Membership:
    organisation = _member_organisation(request, slug)
    _require(request, "organisations.manage_members", organisation)
    return get_object_or_404(Membership.objects.select_related("user"), pk=pk, organisation=organisation)


@login_required
@require_POST
def membership_role_view(request, slug, pk):
    """Owners change a member's role (the last owner cannot stop being one)."""
    membership = _managed_membership(request, slug, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the roles offered."))
        return redirect("organisations:members", slug=slug)
    try:
        services.membership_change_role(
            membership=membership, role=form.cleaned_data["role"], by=request.user
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The role of %(email)s is changed.") % {"email": membership.user.email})
    return redirect("organisations:members", slug=slug)


@login_required
@require_POST
def membership_remove_view(request, slug, pk):
    """Owners remove a member."""
    membership = _managed_membership(request, slug, pk)
    try:
        services.membership_remove(membership=membership, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("organisations:members", slug=slug)
    messages.success(request, _("%(email)s is no longer a member.") % {"email": membership.user.email})
    if membership.user_id == request.user.pk:
        return redirect("organisations:mine")
    return redirect("organisations:members", slug=slug)


@login_required
def organisation_leave(request, slug):
    """A member leaves the organisation (GET asks to confirm)."""
    organisation = _member_organisation(request, slug)
    membership = get_object_or_404(Membership, organisation=organisation, user=request.user)
    _require(request, "organisations.leave_organisation", membership)
    if request.method == "POST":
        try:
            services.membership_remove(membership=membership, by=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("organisations:members", slug=slug)
        messages.success(request, _("You left %(name)s.") % {"name": organisation.name})
        return redirect("organisations:mine")
    others = Membership.objects.filter(organisation=organisation).exclude(pk=membership.pk)
    last_owner = (
        membership.role == Membership.Role.OWNER and not others.filter(role=Membership.Role.OWNER).exists()
    )
    return render(
        request,
        "organisations/leave.html",
        {"organisation": organisation, "last_owner": last_owner, "has_others": others.exists()},
    )


@login_required
def ownership_transfer_view(request, slug):
    """An owner makes another member owner and keeps a lesser role."""
    organisation = _member_organisation(request, slug)
    _require(request, "organisations.transfer_ownership", organisation)
    form = TransferOwnershipForm(request.POST or None, organisation=organisation, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.ownership_transfer(
                organisation=organisation,
                by=request.user,
                to=form.cleaned_data["to"],
                keep_role=form.cleaned_data["keep_role"],
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("%(email)s is now an owner.") % {"email": form.cleaned_data["to"].user.email}
            )
            return redirect("organisations:members", slug=slug)
    return render(request, "organisations/transfer.html", {"form": form, "organisation": organisation})


@login_required
@require_POST
def join_request_decide(request, slug, pk):
    """Owners approve (with a role) or decline a request to join."""
    organisation = _member_organisation(request, slug)
    _require(request, "organisations.manage_members", organisation)
    join_request = get_object_or_404(
        JoinRequest.objects.select_related("user"), pk=pk, organisation=organisation
    )
    form = JoinDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to approve or decline."))
        return redirect("organisations:members", slug=slug)
    try:
        if form.cleaned_data["decision"] == "approve":
            services.join_request_approve(
                join_request=join_request,
                by=request.user,
                role=form.cleaned_data["role"] or Membership.Role.VIEWER,
            )
            messages.success(
                request, _("%(email)s joined the organisation.") % {"email": join_request.user.email}
            )
        else:
            services.join_request_decline(join_request=join_request, by=request.user)
            messages.success(
                request, _("The request of %(email)s is declined.") % {"email": join_request.user.email}
            )
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("organisations:members", slug=slug)


# --- asking to join ------------------------------------------------------------------------------------------


@login_required
def join_request_create_view(request, slug):
    """Ask to join an organisation (verified or pending); its owners decide."""
    organisation = _joinable(request, slug)
    if not request.user.has_perm("organisations.request_to_join", organisation):
        messages.info(request, _("Your request to join is already waiting for an owner's answer."))
        return redirect("organisations:mine")
    form = JoinRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.join_request_create(
                organisation=organisation, user=request.user, message=form.cleaned_data["message"]
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Your request to join %(name)s was sent to its owners.") % {"name": organisation.name},
            )
        return redirect("organisations:mine")
    return render(request, "organisations/join.html", {"form": form, "organisation": organisation})


def _joinable(request, slug) -> Organisation:
    """An organisation the user may ask to join. Pending organisations are joinable (duplicates are found
    while registering), but only by slug, never listed; rejected ones and the user's own give 404."""
    return get_object_or_404(selectors.organisations_joinable_by(request.user), slug=slug)


@login_required
@require_POST
def join_request_withdraw_view(request, pk):
    join_request = get_object_or_404(
        JoinRequest.objects.filter(user=request.user, status=JoinRequest.Status.PENDING), pk=pk
    )
    _require(request, "organisations.withdraw_join_request", join_request)
    services.join_request_withdraw(join_request=join_request, user=request.user)
    messages.success(request, _("Your request is withdrawn."))
    return redirect("organisations:mine")


# --- invitation links ----------------------------------------------------------------------------------------


@never_cache
def invitation_view(request, token):
    """The page an invitation link opens. Signed in with the invited (verified) address: accept or decline.
    Not signed in: sign up or log in first, then the invitation is accepted and the person lands in the
    organisation. Holding the link is enough to decline."""
    invitation = services.invitation_for_token(token)
    if invitation is None:
        raise Http404
    url = reverse("organisations:invitation", kwargs={"token": token})
    if request.method == "POST":
        action = request.POST.get("action")
        if not invitation.is_open:
            return redirect(url)
        if action == "decline":
            services.invitation_decline(invitation=invitation)
            messages.success(request, _("You declined the invitation."))
            return redirect("home")
        if action in ("signup", "login") and not request.user.is_authenticated:
            request.session[ACCEPT_AFTER_LOGIN_SESSION_KEY] = token
            target = reverse("account_signup" if action == "signup" else "account_login")
            query = {"next": url}
            if action == "signup":
                query["email"] = invitation.email
            return redirect(f"{target}?{urlencode(query)}")
        if action == "accept":
            if not request.user.is_authenticated:
                return redirect(f"{reverse('account_login')}?{urlencode({'next': url})}")
            try:
                services.invitation_accept(invitation=invitation, user=request.user)
            except ApplicationError as error:
                messages.error(request, error.message)
                return redirect(url)
            _set_current(request, invitation.organisation)
            messages.success(request, _("Welcome to %(name)s.") % {"name": invitation.organisation.name})
            return redirect("organisations:members", slug=invitation.organisation.slug)
        return redirect(url)
    if (
        invitation.status == Invitation.Status.ACCEPTED
        and request.user.is_authenticated
        and invitation.accepted_by_id == request.user.pk
        and Membership.objects.filter(organisation=invitation.organisation, user=request.user).exists()
    ):
        # Back from signing up or logging in through the link: the invitation was accepted at login.
        return redirect("organisations:members", slug=invitation.organisation.slug)
    matches = request.user.is_authenticated and services.user_has_verified_email(
        request.user, invitation.email
    )
    return render(
        request,
        "organisations/invitation.html",
        {"invitation": invitation, "token": token, "email_matches": matches},
    )


def accept_invitation_after_login(sender, request, user, **kwargs):
    """After a login (e.g. right after signing up and confirming the email through an invitation link), accept
    the invitation the person chose to accept on its page; the login then returns to that page, which sends
    them on to the organisation. Connected to ``django.contrib.auth.signals.user_logged_in`` in ``apps.py``."""
    if request is None or not hasattr(request, "session"):
        return
    token = request.session.pop(ACCEPT_AFTER_LOGIN_SESSION_KEY, None)
    if not token:
        return
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return
    try:
        services.invitation_accept(invitation=invitation, user=user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return
    _set_current(request, invitation.organisation)
    messages.success(request, _("Welcome to %(name)s.") % {"name": invitation.organisation.name})
