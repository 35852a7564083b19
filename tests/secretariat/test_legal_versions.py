"""``/legal/<kind>/?version=``: a version number is ASCII digits of reasonable length, anything else a 404 (never
a 500: "²" is a digit to ``str.isdigit`` but not to ``int``, and a huge number overflows the database)."""

import pytest
from django.urls import reverse

from secretariat.consent import legal_document_publish
from secretariat.models import LegalDocument

pytestmark = pytest.mark.django_db


@pytest.fixture
def terms():
    for version, body in ((1, "Old text."), (2, "New text.")):
        document = LegalDocument.objects.create(
            kind="terms", version=version, title="Terms of use", body=body
        )
        legal_document_publish(document=document, by=None)
    return reverse("secretariat:legal", kwargs={"kind": "terms"})


@pytest.mark.parametrize(
    "version",
    ["%C2%B2", "%D9%A3", "9" * 5000, "9" * 30, "1%0A", "+1", "-1", "1.0", "%EF%BC%91", "abc"],
    ids=[
        "superscript-two",
        "arabic-three",
        "5000-nines",
        "30-nines",
        "newline",
        "plus",
        "minus",
        "decimal",
        "fullwidth-one",
        "letters",
    ],
)
def test_anything_but_a_plain_version_number_is_a_404(client, terms, version):
    client.raise_request_exception = False
    assert client.get(f"{terms}?version={version}").status_code == 404


def test_version_numbers_and_the_version_in_force(client, terms):
    assert "New text." in client.get(terms).content.decode()
    assert "New text." in client.get(f"{terms}?version=").content.decode()
    assert "Old text." in client.get(f"{terms}?version=1").content.decode()
    assert client.get(f"{terms}?version=9").status_code == 404
    assert client.get(f"{terms}?version=999999999").status_code == 404
