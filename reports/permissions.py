"""Permission rules for annual reports (django-rules): ``user.has_perm("reports.<rule>", report)``."""

import rules


@rules.predicate
def is_released(user, report):
    return report is not None and report.released_at is not None and bool(report.pdf.name)


@rules.predicate
def is_staff(user):
    return bool(getattr(user, "is_staff", False))


# Anyone may download a released revision's PDF; staff may download any (the admin's own view checks the
# model permissions too).
rules.add_perm("reports.download_annual_report", is_released | is_staff)
