"""Every write to organisations, memberships, invitations and requests to join.

Rules kept here (issue "Organisations, members and permissions"):
- a new organisation is pending until the Secretariat verifies it (``organisation_verify`` / ``_reject``);
- an organisation keeps at least one owner: a change that would leave none is refused (an account deletion
  is the exception; staff then appoint an owner with ``membership_appoint_owner``);
- invitation links carry a random token of which only the SHA-256 digest is stored; a link works once and
  expires ``settings.P2C_INVITATION_DAYS`` days after it was (re)sent.

Mail is queued with ``transaction.on_commit`` (``organisations.tasks``). Each write records who made it in the
audit trail (django-simple-history's ``_history_user``).
"""

from ._common import RESERVED_SLUGS, unique_organisation_slug
from .invitations import (
    MAX_PENDING_INVITATIONS,
    MAX_PENDING_JOIN_REQUESTS,
    invitation_accept,
    invitation_create,
    invitation_decline,
    invitation_for_token,
    invitation_resend,
    invitation_revoke,
    user_has_verified_email,
)
from .join_requests import (
    join_request_approve,
    join_request_create,
    join_request_decline,
    join_request_withdraw,
)
from .members import membership_appoint_owner, membership_change_role, membership_remove, ownership_transfer
from .merging import MergeResult, organisation_merge
from .registration import organisation_create, organisation_reject, organisation_update, organisation_verify

__all__ = [
    "MAX_PENDING_INVITATIONS",
    "MAX_PENDING_JOIN_REQUESTS",
    "RESERVED_SLUGS",
    "MergeResult",
    "invitation_accept",
    "invitation_create",
    "invitation_decline",
    "invitation_for_token",
    "invitation_resend",
    "invitation_revoke",
    "join_request_approve",
    "join_request_create",
    "join_request_decline",
    "join_request_withdraw",
    "membership_appoint_owner",
    "membership_change_role",
    "membership_remove",
    "organisation_create",
    "organisation_merge",
    "organisation_reject",
    "organisation_update",
    "organisation_verify",
    "ownership_transfer",
    "unique_organisation_slug",
    "user_has_verified_email",
]
