"""A pledge's editable content as plain data: to store a pending revision, compare it and apply it.

The data shape (JSON): scalar fields as strings or null (dates ISO 8601, amounts as decimal strings), many-valued
fields as sorted lists of stable keys (focus area / pillar / pledge type / group / target slugs, ISO 3166 alpha-2
country codes, M49 region codes, SDG numbers), deliverables as a list of dicts.
"""

import datetime as dt
from decimal import Decimal

from reference.models import (
    SDG,
    BeneficiaryGroup,
    Campaign,
    ConnectivityTarget,
    Country,
    Currency,
    FocusArea,
    PartnershipNeed,
    Pillar,
    PledgeType,
    Region,
)

from .models import Deliverable, Pledge

SCALAR_FIELDS = (
    "title",
    "summary",
    "description",
    "language",
    "website",
    "is_global",
    "start_date",
    "end_date",
    "value_amount",
    "value_currency",
    "campaign",
    "seeking_partners",
    "seeking_note",
)
# field name -> (model, key attribute)
MANY_FIELDS = {
    "focus_areas": (FocusArea, "slug"),
    "pillars": (Pillar, "slug"),
    "pledge_types": (PledgeType, "slug"),
    "sdgs": (SDG, "number"),
    "beneficiary_groups": (BeneficiaryGroup, "slug"),
    "connectivity_targets": (ConnectivityTarget, "slug"),
    "beneficiary_countries": (Country, "iso2"),
    "regions": (Region, "m49_code"),
    "partnership_needs": (PartnershipNeed, "slug"),
}
DELIVERABLE_FIELDS = ("title", "due_date", "indicator", "target_value", "unit", "weight")


def _plain(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dt.date | Decimal):
        return str(value)
    if isinstance(value, Currency):
        return value.code
    if isinstance(value, Campaign):
        return value.slug
    return str(value)


def deliverables_as_data(items) -> list[dict]:
    """Deliverables (model instances or dicts of cleaned form data) as plain dicts, in order."""
    rows = []
    for item in items:
        get = item.get if isinstance(item, dict) else lambda name, item=item: getattr(item, name)
        rows.append({name: _plain(get(name)) for name in DELIVERABLE_FIELDS})
    return rows


def pledge_as_data(pledge: Pledge) -> dict:
    """The published content of ``pledge`` in the revision data shape."""
    data = {name: _plain(getattr(pledge, name)) for name in SCALAR_FIELDS}
    data["value_currency"] = pledge.value_currency_id
    data["campaign"] = pledge.campaign.slug if pledge.campaign_id else None
    for name, (_model, key) in MANY_FIELDS.items():
        data[name] = sorted(_plain(v) for v in getattr(pledge, name).values_list(key, flat=True))
    data["deliverables"] = deliverables_as_data(pledge.deliverables.all())
    return data


def form_as_data(cleaned_data: dict, deliverables: list[dict]) -> dict:
    """Cleaned pledge form data (and its deliverables) in the revision data shape."""
    data = {name: _plain(cleaned_data.get(name)) for name in SCALAR_FIELDS}
    for name, (_model, key) in MANY_FIELDS.items():
        data[name] = sorted(_plain(getattr(obj, key)) for obj in cleaned_data.get(name) or [])
    data["deliverables"] = deliverables_as_data(deliverables)
    return data


def revision_differences(before: dict, after: dict) -> list[dict]:
    """Field-by-field differences: ``[{"field": name, "label": verbose name, "before": ..., "after": ...}]``."""
    labels = {f.name: str(f.verbose_name) for f in Pledge._meta.get_fields() if hasattr(f, "verbose_name")}
    labels["deliverables"] = str(Deliverable._meta.verbose_name_plural)
    changes = []
    for name in (*SCALAR_FIELDS, *MANY_FIELDS, "deliverables"):
        if before.get(name) != after.get(name):
            changes.append(
                {
                    "field": name,
                    "label": labels.get(name, name),
                    "before": before.get(name),
                    "after": after.get(name),
                }
            )
    return changes


def apply_data(pledge: Pledge, data: dict) -> tuple[Pledge, dict, list[dict]]:
    """Set the scalar fields of ``pledge`` from ``data``; return it with the many-valued objects to set and the
    deliverable dicts (the caller saves). Unknown keys (e.g. a code deleted since) are dropped."""
    for name in SCALAR_FIELDS:
        value = data.get(name)
        if name in ("start_date", "end_date"):
            value = dt.date.fromisoformat(value) if value else None
        elif name == "value_amount":
            value = Decimal(value) if value else None
        elif name == "value_currency":
            pledge.value_currency_id = value
            continue
        elif name == "campaign":
            pledge.campaign = Campaign.objects.filter(slug=value).first() if value else None
            continue
        setattr(
            pledge,
            name,
            value if value is not None or name not in ("summary", "description", "website") else "",
        )
    many = {
        name: list(model.objects.filter(**{f"{key}__in": data.get(name) or []}))
        for name, (model, key) in MANY_FIELDS.items()
    }
    deliverables = [
        {
            **row,
            "due_date": dt.date.fromisoformat(row["due_date"]) if row.get("due_date") else None,
            "target_value": Decimal(row["target_value"]) if row.get("target_value") else None,
        }
        for row in data.get("deliverables") or []
    ]
    return pledge, many, deliverables
