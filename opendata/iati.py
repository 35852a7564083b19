"""IATI 2.03 activity XML of the published pledges, streamed one ``<iati-activity>`` at a time.

One activity per pledge, from the same rows as the CSV (``opendata.datasets.pledge_rows``). Choices, with the
IATI 2.03 codelists they use (https://iatistandard.org/en/iati-standard/203/codelists/):

- ``iati-identifier``: ``settings.P2C_IATI_PREFIX`` + "-" + the public ID. The platform publishes on behalf of the
  pledgers, so the ``reporting-org`` is the prefix's organisation (type 40 Multilateral: ITU) with
  ``secondary-reporter="1"``.
- ``participating-org``: the pledging entity with role 2 (Accountable: it answers for the pledge); each confirmed
  partner with ``PledgePartner.iati_role`` (OrganisationRole: 1 Funding, 2 Accountable, 3 Extending,
  4 Implementing), or 4 when the partner stated no role. ``type`` from the stakeholder type
  (``STAKEHOLDER_ORGANISATION_TYPES``, OrganisationType codelist), 90 Other when unknown.
- ``activity-status`` (ActivityStatus codelist) from the pledge status and its latest public progress report, see
  ``activity_status``.
- ``activity-date``: 1 planned start and 3 planned end from the pledge's timeframe; without a start date, the
  publication date is given as the planned start (the element is required).
- ``recipient-country`` (ISO 3166-1 alpha-2) and ``recipient-region`` (vocabulary 2, UN M49) for the pledge's
  countries and whole regions, in equal shares that add up to exactly 100; a global pledge naming neither gets
  region 001 (World).
- ``sector``: DAC 5-digit 22040, Information and communication technology (ICT), for every pledge (the coalition's
  subject). Focus areas and pillars as ``tag`` vocabulary 99 (reporting organisation) with the API list of the
  codes as ``vocabulary-uri``; SDGs as ``tag`` vocabulary 2 (UN SDG goals).
- ``budget`` (type 1 Original, status 1 Indicative) with the estimated value in its currency over the pledge's
  timeframe, ``value-date`` = the period start (IATI's guidance), when the pledge states a value and both dates.
- ``document-link`` to the pledge's page (category A12 Activity web page).
"""

import datetime as dt
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from pledges.models import PledgePartner

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
IATI_VERSION = "2.03"
ICT_SECTOR = "22040"
REPORTING_ORG_TYPE = "40"
REPORTING_ORG_NAME = "Partner2Connect Digital Coalition (ITU)"
# Stakeholder type slug -> IATI OrganisationType: 10 Government, 22 National NGO, 40 Multilateral, 70 Private Sector,
# 80 Academic, Training and Research, 90 Other. Unknown or new stakeholder types give 90.
STAKEHOLDER_ORGANISATION_TYPES = {
    "government": "10",
    "private-sector": "70",
    "civil-society": "22",
    "academia": "80",
    "international-organisation": "40",
    "un-entity": "40",
    "other": "90",
}
LEAD_ROLE = "2"
PARTNER_DEFAULT_ROLE = "4"


def iati_identifier(public_id: str) -> str:
    """The activity's IATI identifier: ``P2C_IATI_PREFIX`` + "-" + public ID, e.g. ``XX-P2C-PLACEHOLDER-P2C-2025-0042``."""
    return f"{settings.P2C_IATI_PREFIX}-{public_id}"


def activity_status(
    *, pledge_status: str, progress_status: str | None, start_date: str | None, today: dt.date
) -> str:
    """The IATI ActivityStatus code of a pledge.

    - closed → 4 Closed; completed or completion requested → 3 Finalisation;
    - otherwise from the latest progress report: discontinued → 5 Cancelled, completed → 3 Finalisation,
      on_track or delayed → 2 Implementation, not_started → 1 Pipeline/identification;
    - no progress report: 1 before the start date, 2 from it (or when no start date is stated).

    Args:
        pledge_status: ``Pledge.status``; progress_status: ``ProgressReport.implementation_status`` or None;
        start_date: ISO date or None; today: the date to compare the start date with.
    """
    if pledge_status == "closed":
        return "4"
    if pledge_status in ("completed", "completion_requested"):
        return "3"
    by_progress = {"discontinued": "5", "completed": "3", "on_track": "2", "delayed": "2", "not_started": "1"}
    if progress_status in by_progress:
        return by_progress[progress_status]
    if start_date and dt.date.fromisoformat(start_date) > today:
        return "1"
    return "2"


def equal_percentages(n: int) -> list[str]:
    """``n`` percentages with 2 decimals, as equal as can be, that add up to exactly 100 ("33.34", "33.33", ...)."""
    if n <= 0:
        return []
    share, rest = divmod(10000, n)
    return [f"{(share + (1 if i < rest else 0)) / 100:.2f}" for i in range(n)]


def _narrative(parent, text: str):
    element = etree.SubElement(parent, "narrative")
    element.text = text
    return element


def _clean(text: str) -> str:
    """Text without the control characters XML 1.0 cannot carry."""
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)


def activity_element(row: dict, *, today: dt.date, focus_area_uri: str, pillar_uri: str):
    """The ``<iati-activity>`` element of one pledge row (``datasets.pledge_rows``)."""
    # The activity's default language is the language its texts were written in (ISO 639-1: "zh" for zh-hans).
    language = (row.get("language") or settings.LANGUAGE_CODE).split("-")[0]
    attrs = {"last-updated-datetime": row["updated_at"], XML_LANG: language}
    if row["value_currency"]:
        attrs["default-currency"] = row["value_currency"]
    activity = etree.Element("iati-activity", attrs)
    etree.SubElement(activity, "iati-identifier").text = iati_identifier(row["public_id"])
    reporting = etree.SubElement(
        activity,
        "reporting-org",
        {"ref": settings.P2C_IATI_PREFIX, "type": REPORTING_ORG_TYPE, "secondary-reporter": "1"},
    )
    _narrative(reporting, REPORTING_ORG_NAME)
    _narrative(etree.SubElement(activity, "title"), _clean(row["title"]))
    text = row["description"] or row["summary"] or row["title"]
    _narrative(etree.SubElement(activity, "description", {"type": "1"}), _clean(text))

    lead = etree.SubElement(
        activity,
        "participating-org",
        {"role": LEAD_ROLE, "type": STAKEHOLDER_ORGANISATION_TYPES.get(row["_lead_stakeholder_type"], "90")},
    )
    _narrative(lead, _clean(row["lead_organisation_name"]))
    for _slug, name, kind, role in row["_partners"]:
        partner = etree.SubElement(
            activity,
            "participating-org",
            {
                "role": PledgePartner.IATI_ROLES.get(role, PARTNER_DEFAULT_ROLE),
                "type": STAKEHOLDER_ORGANISATION_TYPES.get(kind, "90"),
            },
        )
        _narrative(partner, _clean(name))

    status = activity_status(
        pledge_status=row["status"],
        progress_status=row["latest_progress_status"],
        start_date=row["start_date"],
        today=today,
    )
    etree.SubElement(activity, "activity-status", {"code": status})
    start = row["start_date"] or row["published_at"][:10]
    etree.SubElement(activity, "activity-date", {"type": "1", "iso-date": start})
    if row["end_date"]:
        etree.SubElement(activity, "activity-date", {"type": "3", "iso-date": row["end_date"]})

    countries, regions = row["beneficiary_countries"], row["regions"]
    if not countries and not regions and row["is_global"]:
        regions = ["001"]
    shares = iter(equal_percentages(len(countries) + len(regions)))
    for code in countries:
        etree.SubElement(activity, "recipient-country", {"code": code, "percentage": next(shares)})
    for code in regions:
        etree.SubElement(
            activity, "recipient-region", {"code": code, "vocabulary": "2", "percentage": next(shares)}
        )

    etree.SubElement(activity, "sector", {"vocabulary": "1", "code": ICT_SECTOR, "percentage": "100"})
    for code in row["focus_areas"]:
        etree.SubElement(
            activity, "tag", {"vocabulary": "99", "vocabulary-uri": focus_area_uri, "code": code}
        )
    for code in row["pillars"]:
        etree.SubElement(activity, "tag", {"vocabulary": "99", "vocabulary-uri": pillar_uri, "code": code})
    for number in row["sdgs"]:
        etree.SubElement(activity, "tag", {"vocabulary": "2", "code": number})

    if row["value_amount"] and row["start_date"] and row["end_date"]:
        budget = etree.SubElement(activity, "budget", {"type": "1", "status": "1"})
        etree.SubElement(budget, "period-start", {"iso-date": row["start_date"]})
        etree.SubElement(budget, "period-end", {"iso-date": row["end_date"]})
        value = etree.SubElement(
            budget, "value", {"currency": row["value_currency"], "value-date": row["start_date"]}
        )
        value.text = row["value_amount"]

    link = etree.SubElement(activity, "document-link", {"format": "text/html", "url": row["url"]})
    _narrative(etree.SubElement(link, "title"), "Pledge page on the P2C Pledging Platform")
    etree.SubElement(link, "category", {"code": "A12"})
    return activity


def iati_stream(rows: Iterable[dict], *, batch: int = 200) -> Iterator[bytes]:
    """An ``<iati-activities version="2.03">`` document in UTF-8, one activity per row, in pieces of ``batch``
    activities (constant memory)."""
    now = timezone.now().astimezone(dt.UTC).replace(microsecond=0).isoformat()
    today = timezone.localdate()
    api = settings.SITE_URL
    focus_area_uri = api + reverse("opendata-api:focus-area-list")
    pillar_uri = api + reverse("opendata-api:pillar-list")
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<iati-activities version="{IATI_VERSION}" generated-datetime="{now}">\n'
    ).encode()
    pieces = []
    for row in rows:
        element = activity_element(row, today=today, focus_area_uri=focus_area_uri, pillar_uri=pillar_uri)
        pieces.append(etree.tostring(element, encoding="UTF-8", xml_declaration=False, pretty_print=True))
        if len(pieces) >= batch:
            yield b"".join(pieces)
            pieces = []
    pieces.append(b"</iati-activities>\n")
    yield b"".join(pieces)
