"""Search of published pledges: case- and accent-insensitive, weighted, the same on PostgreSQL and SQLite.

Each pledge keeps four folded copies of its text (``search_title``, ``search_summary``, ``search_organisations``,
``search_body``: lowercased, accents removed, punctuation as spaces). A query is folded the same way; every term
must occur in one of them (substring match, so scripts without word breaks, such as Chinese, work too), and
results are ranked by where the terms occur: title 8, summary 4, organisation names 2, the rest 1 (the weights
of the issue "marketplace": title, summary, organisation names, description). Country names in any common form
find the country: the body holds each beneficiary country's name, M49 name, aliases (``Country.aliases``:
"Turkey", "Swaziland", "Ivory Coast") and ISO codes. On PostgreSQL, trigram indexes (pg_trgm, migration
``pledges.0005``) make the substring matches fast.
"""

import unicodedata

from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce

WEIGHTS = {"search_title": 8, "search_summary": 4, "search_organisations": 2, "search_body": 1}
MAX_TERMS = 8


def fold(text: str) -> str:
    """``text`` lowercased, without accents or other combining marks, punctuation turned into spaces."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    kept = []
    for ch in decomposed:
        category = unicodedata.category(ch)
        if category.startswith("M"):
            continue
        kept.append(ch if category[0] in "LN" else " ")
    return " ".join("".join(kept).casefold().split())


def query_terms(q: str) -> list[str]:
    """The folded terms of a search query (at most ``MAX_TERMS``, each at least 2 characters unless CJK)."""
    terms = []
    for term in fold(q).split():
        if len(term) >= 2 or any(unicodedata.east_asian_width(ch) in "WF" for ch in term):
            terms.append(term[:100])
    return terms[:MAX_TERMS]


def search_fields_for(pledge) -> dict[str, str]:
    """The four folded search texts of ``pledge`` (uses its lead, confirmed partners and countries)."""
    from .models import PledgePartner

    organisations = [pledge.lead_organisation.name] + [
        p.organisation.name
        for p in pledge.partners.select_related("organisation").filter(status=PledgePartner.Status.CONFIRMED)
        if p.organisation_id
    ]
    from django.conf import settings

    from reference.names import territory_name

    places = []
    for country in pledge.beneficiary_countries.select_related("region", "sub_region"):
        places += [country.name, country.m49_name, country.aliases, country.iso2, country.iso3]
        # ... and its name in each of the site's languages (CLDR), so "Turquie" or "土耳其" find it too.
        places += [territory_name(country.iso2, "", code) for code, _label in settings.LANGUAGES]
        places += [r.name for r in (country.region, country.sub_region) if r]
    places += [r.name for r in pledge.regions.all()]
    return {
        "search_title": fold(pledge.title),
        "search_summary": fold(pledge.summary),
        "search_organisations": fold(" ".join(organisations)),
        "search_body": fold(" ".join([pledge.description, *places])),
    }


def refresh_search_fields(pledge) -> None:
    """Recompute and store the search texts of ``pledge`` (called by the services after every change)."""
    from .models import Pledge

    fields = search_fields_for(pledge)
    Pledge.objects.filter(pk=pledge.pk).update(**fields)
    for name, value in fields.items():
        setattr(pledge, name, value)


# Latin letters and digits: a term this short or shorter is a whole word ("AI", "5G", an ISO code such as "TR"),
# not a piece of one ("tr" would otherwise find "trained", "country", ...).
WHOLE_WORD_MAX = 3


def term_matches(field: str, term: str) -> Q:
    """Where ``term`` (folded) occurs in the folded text ``field``: anywhere for a longer term or one in a script
    without word breaks, as a whole word for a short Latin term (``WHOLE_WORD_MAX``); the folded texts separate
    words with single spaces."""
    if len(term) <= WHOLE_WORD_MAX and term.isascii() and term.isalnum():
        return (
            Q(**{field: term})
            | Q(**{f"{field}__startswith": f"{term} "})
            | Q(**{f"{field}__endswith": f" {term}"})
            | Q(**{f"{field}__contains": f" {term} "})
        )
    return Q(**{f"{field}__contains": term})


def search(queryset, q: str):
    """``queryset`` narrowed to pledges matching every term of ``q``, annotated with ``search_rank``."""
    terms = query_terms(q)
    if not terms:
        return queryset.none() if (q or "").strip() else queryset
    rank = Value(0)
    for term in terms:
        condition = Q()
        for field in WEIGHTS:
            condition |= term_matches(field, term)
        queryset = queryset.filter(condition)
        for field, weight in WEIGHTS.items():
            rank = rank + Case(
                When(term_matches(field, term), then=Value(weight)),
                default=Value(0),
                output_field=IntegerField(),
            )
    return queryset.annotate(search_rank=Coalesce(rank, Value(0), output_field=IntegerField()))
