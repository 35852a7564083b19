"""This app's part in a user's data export (``p2c.personal_data``).

Pledges belong to their organisation and stay when a person deletes their account: the account deletion points
their records at the "former member" account. The export lists what the person did on pledges.
"""

from p2c.personal_data import register_exporter

from .models import PartnershipRequest, Pledge, PledgePartner, PledgeRevision, PledgeTransition


def _iso(value):
    return value.isoformat() if value else None


def export_pledges(user) -> dict:
    """Pledges ``user`` registered or is focal point of, their partner answers, workflow steps they took,
    changes they proposed and partnership messages they sent or answered."""
    return {
        "pledges_registered": list(
            Pledge.objects.filter(created_by=user).values_list("public_id", flat=True)
        ),
        "focal_point_of": list(Pledge.objects.filter(focal_point=user).values_list("public_id", flat=True)),
        "partner_answers": [
            {
                "pledge": p.pledge.public_id,
                "organisation": p.display_name,
                "answer": p.status,
                "at": _iso(p.responded_at),
            }
            for p in PledgePartner.objects.filter(responded_by=user).select_related("pledge", "organisation")
        ],
        "workflow_steps": [
            {
                "pledge": t.pledge.public_id,
                "from": t.from_status,
                "to": t.to_status,
                "reason": t.reason,
                "at": _iso(t.at),
            }
            for t in PledgeTransition.objects.filter(by=user).select_related("pledge")
        ],
        "changes_proposed": [
            {"pledge": r.pledge.public_id, "status": r.status, "at": _iso(r.created_at)}
            for r in PledgeRevision.objects.filter(created_by=user).select_related("pledge")
        ],
        "partnership_messages": [
            {
                "pledge": m.pledge.public_id,
                "message": m.message,
                "reply": m.reply,
                "status": m.status,
                "sent": _iso(m.created_at),
            }
            for m in PartnershipRequest.objects.filter(sender=user).select_related("pledge")
        ],
    }


register_exporter("pledges", export_pledges)
