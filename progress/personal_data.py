"""This app's part in a user's data export and account deletion (``p2c.personal_data``).

Progress reports and best practices belong to the organisation: they stay when a person deletes their account
(their author becomes empty). What is the person's own: the pledges they follow and the reminders sent to them;
both rows go with the account (``on_delete=CASCADE``).
"""

from p2c.personal_data import register_exporter

from .models import PledgeFollow, ProgressReport, ReminderSent


def _iso(value):
    return value.isoformat() if value else None


def export_progress(user) -> dict:
    """The pledges ``user`` follows, the reporting reminders sent to them and the reports they wrote."""
    return {
        "following": [
            {"pledge": f.pledge.public_id, "since": _iso(f.created_at)}
            for f in PledgeFollow.objects.filter(user=user).select_related("pledge")
        ],
        "reminders_received": [
            {
                "pledge": r.pledge.public_id,
                "period": r.period.name,
                "step": r.step,
                "sent_at": _iso(r.emailed_at),
            }
            for r in ReminderSent.objects.filter(user=user).select_related("pledge", "period")
        ],
        "progress_reports_written": [
            {"pledge": r.pledge.public_id, "status": r.status, "started": _iso(r.created_at)}
            for r in ProgressReport.objects.filter(author=user).select_related("pledge")
        ],
    }


register_exporter("progress", export_progress)
