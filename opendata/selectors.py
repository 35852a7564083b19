"""What the platform publishes as open data, and when it last changed.

Public means: pledges in ``Pledge.PUBLIC_STATUSES`` (``Pledge.objects.published()``, the marketplace's rule),
organisations verified by the Secretariat, progress reports on public pledges (and, once progress reports carry a
review ``status``, only the published ones), and the reference data. Nothing here reads a person: no user, email
address, focal point or invitation.
"""

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Max, Q
from django.utils import timezone

from organisations.models import Organisation
from pledges.filters import PledgeFilter
from pledges.models import Deliverable, Pledge, PledgePartner
from progress.models import ProgressReport

# The value of ``ProgressReport.status`` that makes a report public, once the field exists.
PROGRESS_PUBLISHED = "published"


def groups_date() -> dt.date:
    """Today in the reporting time zone (``settings.P2C_TIME_ZONE``): the date on which LDC / LLDC / SIDS
    membership is taken for the downloads, as the dashboard does for its headline figures."""
    return timezone.now().astimezone(ZoneInfo(settings.P2C_TIME_ZONE)).date()


def public_pledges():
    """Published pledges (``Pledge.objects.published()``), in no particular order."""
    return Pledge.objects.published()


def pledge_filter(params) -> PledgeFilter:
    """The marketplace's filters (``pledges.filters.PledgeFilter``) bound to ``params`` over the public pledges.

    Args:
        params: a QueryDict (``request.GET``); the same parameters as ``/pledges/`` (``q``, ``focus_area``,
            ``pledge_type``, ``stakeholder_type``, ``country``, ``group``...). Unknown parameter names are ignored.
    Returns: the filter set; check ``is_valid()`` (an unknown value is an error), then read ``.qs``.
    """
    return PledgeFilter(params or None, queryset=public_pledges())


def pledge_filter_is_used(params) -> bool:
    """Whether ``params`` holds any parameter of the marketplace's filters."""
    return any(name in params for name in PledgeFilter.base_filters)


def _progress_has(field_name: str) -> bool:
    try:
        ProgressReport._meta.get_field(field_name)
    except FieldDoesNotExist:
        return False
    return True


def progress_reported_at_field() -> str:
    """The field that says when a progress report became public: ``published_at`` once reports are reviewed,
    else ``created_at``."""
    return "published_at" if _progress_has("published_at") else "created_at"


def public_progress_reports():
    """Progress reports on public pledges; only published ones once progress reports have a review status."""
    qs = ProgressReport.objects.filter(pledge__status__in=Pledge.PUBLIC_STATUSES)
    if _progress_has("status"):
        qs = qs.filter(status=PROGRESS_PUBLISHED)
    return qs


def public_organisations():
    """Organisations verified by the Secretariat."""
    return Organisation.objects.filter(verification=Organisation.Verification.VERIFIED)


def organisations_in_pledges(pledges):
    """Verified organisations that lead one of ``pledges`` (a queryset) or are a confirmed partner in one."""
    ids = pledges.values("pk")
    return public_organisations().filter(
        Q(pk__in=Pledge.objects.filter(pk__in=ids).values("lead_organisation_id"))
        | Q(
            pk__in=PledgePartner.objects.filter(
                pledge_id__in=ids, status=PledgePartner.Status.CONFIRMED
            ).values("organisation_id")
        )
    )


def confirmed_partners():
    """Partner rows that the open data shows: confirmed, with an organisation on the platform."""
    return PledgePartner.objects.filter(status=PledgePartner.Status.CONFIRMED, organisation__isnull=False)


def _history_max(model) -> tuple:
    """(number of history rows, latest history date) of a model with django-simple-history."""
    history = getattr(model, "history", None)
    if history is None:
        return (None, None)
    found = history.model.objects.aggregate(n=Count("pk"), last=Max("history_date"))
    return (found["n"], found["last"])


def data_version() -> tuple[dt.datetime, str]:
    """When the published data last changed, and a token that changes whenever it does.

    Read from: pledges (count, latest ``updated_at``), the change history of partners, deliverables, organisations
    and progress reports (django-simple-history records every save and delete), the Django admin's log (edits of
    reference data by the Secretariat), and today's date in the reporting time zone (LDC / LLDC / SIDS membership is
    dated, so the downloads can change at midnight). A handful of aggregate queries.

    Returns:
        ``(last_modified, token)``: an aware datetime in UTC, whole seconds (HTTP dates have no fractions), and a
        hex digest of everything read.
    """
    pledges = Pledge.objects.aggregate(n=Count("pk"), last=Max("updated_at"))
    parts = [
        ("pledges", pledges["n"], pledges["last"]),
        ("partners", PledgePartner.objects.count(), *_history_max(PledgePartner)),
        ("deliverables", Deliverable.objects.count(), *_history_max(Deliverable)),
        ("organisations", *_history_max(Organisation)),
        ("progress", ProgressReport.objects.count(), *_history_max(ProgressReport)),
        ("admin", LogEntry.objects.aggregate(last=Max("action_time"))["last"]),
        ("date", groups_date()),
    ]
    today = groups_date()
    moments = [dt.datetime(today.year, today.month, today.day, tzinfo=ZoneInfo(settings.P2C_TIME_ZONE))]
    moments += [value for part in parts for value in part if isinstance(value, dt.datetime)]
    last_modified = max(moments).astimezone(dt.UTC).replace(microsecond=0)
    token = hashlib.sha256(repr(parts).encode()).hexdigest()
    return last_modified, token
