"""Duplicate organisations are found by a normalised name: case, accents, punctuation, initials, acronyms."""

import pytest

from organisations.models import Organisation
from organisations.names import name_acronym, name_key
from organisations.selectors import similar_organisations

from ..factories import OrganisationFactory


@pytest.mark.parametrize(
    "typed,existing",
    [
        ("Ministry of I.C.T.", "Ministry of ICT"),
        ("ministry of ict", "Ministry of ICT"),
        ("Ministry of I. C. T.", "Ministry of ICT"),
        ("Ministère de l’Économie numérique", "Ministere de l'Economie Numerique"),
        ("  INTERNET   SOCIETY ", "Internet Society"),
        ("ITU", "International Telecommunication Union (ITU)"),
        ("International Telecommunication Union", "ITU"),
        ("MICT", "Ministry of Information and Communications Technology"),
        ("GSM Association (GSMA)", "GSMA"),
        ("Internet Society Foundaton", "Internet Society Foundation"),  # a typo
        ("World Health Organization", "World Health Organisation"),  # spelling
    ],
)
@pytest.mark.django_db
def test_close_names_are_found(typed, existing):
    org = OrganisationFactory(name=existing)
    assert similar_organisations(typed) == [org]


@pytest.mark.parametrize(
    "typed,existing",
    [
        ("Ministry of Health", "Ministry of ICT"),
        ("World Bank", "World Health Organization"),
        ("Smart Africa", "Internet Society"),
    ],
)
@pytest.mark.django_db
def test_different_names_are_not_flagged(typed, existing):
    OrganisationFactory(name=existing)
    assert similar_organisations(typed) == []


@pytest.mark.django_db
def test_rejected_organisations_are_not_offered():
    OrganisationFactory(name="Ministry of ICT", verification=Organisation.Verification.REJECTED)
    assert similar_organisations("Ministry of I.C.T.") == []


def test_name_key_folds_case_accents_punctuation_and_spaced_initials():
    assert name_key("Ministère of I.C.T.") == "ministere of ict"
    assert name_key("Ministry  of  I C T") == "ministry of ict"
    assert name_acronym("International Telecommunication Union (ITU)") == "itu"
    assert name_acronym("Ministry of Information and Communications Technology") == "mict"
    assert name_acronym("Internet Society") == ""


@pytest.mark.django_db
def test_name_key_is_kept_up_to_date_on_rename():
    org = OrganisationFactory(name="Old Name")
    org.name = "Ministry of I.C.T."
    org.save(update_fields=["name"])
    org.refresh_from_db()
    assert org.name_key == "ministry of ict"
