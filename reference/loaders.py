"""Load the reference data files of ``reference/data/`` into the database (used by the data migration).

Every function takes the app registry's model classes (``apps.get_model``) so that it works inside migrations.
Sources of each file: ``reference/data/SOURCES.md``.
"""

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
M49_SOURCE = "UNSD M49 standard, overview export (December 2024 LDC list)"


def read_m49_rows() -> list[dict[str, str]]:
    """Rows of ``m49.csv`` with every value as text (never parsed: Namibia's ISO code is "NA")."""
    with open(DATA_DIR / "m49.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_reference_json() -> dict:
    with open(DATA_DIR / "reference.json", encoding="utf-8") as f:
        return json.load(f)


def load_reference_data(apps) -> None:
    """Create or update every reference row. Idempotent: running it twice changes nothing."""
    ref = read_reference_json()
    _load_countries(apps, ref)
    _load_taxonomies(apps, ref)
    _load_currencies(apps)
    try:
        apps.get_model("reference", "PartnershipNeed")
    except LookupError:  # an older migration state
        return
    load_marketplace_data(apps, ref)
    load_translations(apps)


def _load_countries(apps, ref) -> None:
    Region = apps.get_model("reference", "Region")
    Country = apps.get_model("reference", "Country")
    CountryGroup = apps.get_model("reference", "CountryGroup")
    Membership = apps.get_model("reference", "CountryGroupMembership")

    groups = {}
    for g in ref["country_groups"]:
        groups[g["code"]], _ = CountryGroup.objects.update_or_create(
            code=g["code"], defaults={"m49_code": g["m49_code"], "name": g["name"]}
        )

    def region(code, name, level, parent):
        if not code:
            return None
        obj, _ = Region.objects.update_or_create(
            m49_code=code, defaults={"name": name, "level": level, "parent": parent}
        )
        return obj

    display = ref["display_names"]
    for row in read_m49_rows():
        r = region(row["Region Code"], row["Region Name"], "region", None)
        s = region(row["Sub-region Code"], row["Sub-region Name"], "sub_region", r)
        i = region(row["Intermediate Region Code"], row["Intermediate Region Name"], "intermediate", s)
        iso2 = row["ISO-alpha2 Code"]
        country, _ = Country.objects.update_or_create(
            iso2=iso2,
            defaults={
                "iso3": row["ISO-alpha3 Code"],
                "m49_code": row["M49 Code"],
                "name": display.get(iso2, row["Country or Area"]),
                "m49_name": row["Country or Area"],
                "region": r,
                "sub_region": s,
                "intermediate_region": i,
            },
        )
        for g in ref["country_groups"]:
            if row[g["csv_column"]].strip().lower() == "x":
                Membership.objects.get_or_create(
                    country=country, group=groups[g["code"]], valid_from=None, defaults={"source": M49_SOURCE}
                )

    with open(DATA_DIR / "ldc_graduations.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            country = Country.objects.get(iso2=row["iso2"])
            until = dt.date.fromisoformat(row["valid_until"])
            m, created = Membership.objects.get_or_create(
                country=country,
                group=groups[row["group"]],
                valid_from=None,
                defaults={"valid_until": until, "source": row["source"]},
            )
            if not created:
                m.valid_until = until
                m.source = f"{M49_SOURCE}; {row['source']}"
                m.save()


def _load_taxonomies(apps, ref) -> None:
    FocusArea = apps.get_model("reference", "FocusArea")
    Pillar = apps.get_model("reference", "Pillar")
    PledgeType = apps.get_model("reference", "PledgeType")
    StakeholderType = apps.get_model("reference", "StakeholderType")
    SDG = apps.get_model("reference", "SDG")

    for fa in ref["focus_areas"]:
        area, _ = FocusArea.objects.update_or_create(
            slug=fa["slug"], defaults={"name": fa["name"], "tagline": fa["tagline"], "order": fa["order"]}
        )
        for n, p in enumerate(fa["pillars"], start=1):
            Pillar.objects.update_or_create(
                slug=p["slug"],
                defaults={
                    "focus_area": area,
                    "name": p["name"],
                    "provisional": p.get("provisional", False),
                    "source_note": p["source_note"],
                    "order": n,
                },
            )
    for model, key in ((PledgeType, "pledge_types"), (StakeholderType, "stakeholder_types")):
        for n, item in enumerate(ref[key], start=1):
            model.objects.update_or_create(slug=item["slug"], defaults={"name": item["name"], "order": n})
    for number, name in ref["sdgs"]:
        SDG.objects.update_or_create(number=number, defaults={"name": name})
    load_pledge_tags(apps, ref)


def load_marketplace_data(apps, ref) -> None:
    """Partnership needs and country aliases (added by migration 0006)."""
    PartnershipNeed = apps.get_model("reference", "PartnershipNeed")
    PledgeType = apps.get_model("reference", "PledgeType")
    Country = apps.get_model("reference", "Country")
    for n, item in enumerate(ref.get("partnership_needs", []), start=1):
        PartnershipNeed.objects.update_or_create(
            slug=item["slug"],
            defaults={
                "name": item["name"],
                "order": n,
                "offered_by_pledge_type": PledgeType.objects.filter(slug=item["offered_by"]).first()
                if item["offered_by"]
                else None,
            },
        )
    with open(DATA_DIR / "country_aliases.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            aliases = "\n".join(a.strip() for a in row["aliases"].split(";") if a.strip())
            Country.objects.filter(iso2=row["iso2"]).update(aliases=aliases)


def load_pledge_tags(apps, ref) -> None:
    """Beneficiary groups, 2030 connectivity targets and campaigns (added by migration 0003)."""
    models = {
        "beneficiary_groups": ("BeneficiaryGroup", ("name",)),
        "connectivity_targets": ("ConnectivityTarget", ("name", "source_note")),
        "campaigns": ("Campaign", ("name", "year")),
    }
    for key, (model_name, fields) in models.items():
        try:
            model = apps.get_model("reference", model_name)
        except LookupError:  # an older migration state, before the model existed
            continue
        for n, item in enumerate(ref.get(key, []), start=1):
            defaults = {f: item.get(f) for f in fields}
            if model_name != "Campaign":
                defaults["order"] = n
            model.objects.update_or_create(slug=item["slug"], defaults=defaults)


def _load_currencies(apps) -> None:
    """Currencies legal tender in any M49 country on 1 January 2025 (CLDR via babel), plus their USD rates."""
    from babel.numbers import get_currency_name, get_territory_currencies

    Currency = apps.get_model("reference", "Currency")
    ExchangeRate = apps.get_model("reference", "ExchangeRate")
    codes = set()
    for row in read_m49_rows():
        codes.update(
            get_territory_currencies(row["ISO-alpha2 Code"], start_date=dt.date(2025, 1, 1), tender=True)
        )
    for code in sorted(codes):
        Currency.objects.update_or_create(code=code, defaults={"name": get_currency_name(code, locale="en")})
    with open(DATA_DIR / "exchange_rates.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            ExchangeRate.objects.update_or_create(
                currency_id=row["currency"],
                date=dt.date.fromisoformat(row["date"]),
                defaults={"usd_per_unit": Decimal(row["usd_per_unit"]), "source": row["source"]},
            )


TRANSLATED_MODELS = {
    "FocusArea": ("slug", ("name", "tagline")),
    "Pillar": ("slug", ("name",)),
    "PledgeType": ("slug", ("name",)),
    "StakeholderType": ("slug", ("name",)),
    "SDG": ("number", ("name",)),
    "BeneficiaryGroup": ("slug", ("name",)),
    "ConnectivityTarget": ("slug", ("name",)),
    "Campaign": ("slug", ("name",)),
    "PartnershipNeed": ("slug", ("name",)),
    "CountryGroup": ("code", ("name",)),
}


def load_translations(apps) -> None:
    """Fill the per-language names (``name_ar``, ``name_fr``, ...) from ``data/translations.json``:
    ``{model: {key: {field: {language: text}}}}``; English copies the base column. Idempotent."""
    path = DATA_DIR / "translations.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    for model_name, (key, fields) in TRANSLATED_MODELS.items():
        model = apps.get_model("reference", model_name)
        if "name_en" not in {f.name for f in model._meta.fields}:
            continue  # an older migration state, before the per-language columns
        given = data.get(model_name, {})
        for obj in model.objects.all():
            changed = []
            for field in fields:
                base = obj.__dict__.get(field)
                if base and not obj.__dict__.get(f"{field}_en"):
                    setattr(obj, f"{field}_en", base)
                    changed.append(f"{field}_en")
                for language, text in given.get(str(getattr(obj, key)), {}).get(field, {}).items():
                    column = f"{field}_{language.replace('-', '_')}"
                    if hasattr(obj, column) and text:
                        setattr(obj, column, text)
                        changed.append(column)
            if changed:
                obj.save(update_fields=changed)
