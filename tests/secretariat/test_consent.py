"""Consent: terms of use and privacy notice at sign-up and again for a new version; an organisation's consent
to the publication of its name and pledges."""

import pytest
from django.urls import reverse
from django.utils import timezone

from organisations.models import Organisation
from reference.models import StakeholderType
from secretariat.consent import legal_document_publish
from secretariat.models import Consent, LegalDocument, PublicationConsent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-unusual-passphrase-7"


def _publish(kind, version, title, body="Text."):
    document = LegalDocument.objects.create(kind=kind, version=version, title=title, body=body)
    return legal_document_publish(document=document, by=None)


def _signup(client, email, **extra):
    return client.post(
        reverse("account_signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD, **extra}
    )


def test_without_published_documents_sign_up_asks_nothing_more(client):
    assert 'name="accept_terms"' not in client.get(reverse("account_signup")).content.decode()
    assert _signup(client, "plain@example.org").status_code == 302


def test_sign_up_asks_for_consent_and_records_it(client):
    terms = _publish("terms", 1, "Terms of use")
    privacy = _publish("privacy", 1, "Privacy notice")
    html = client.get(reverse("account_signup")).content.decode()
    assert 'name="accept_terms"' in html and reverse("secretariat:legal", kwargs={"kind": "privacy"}) in html

    response = _signup(client, "refuser@example.org")
    assert response.status_code == 200
    assert "Please accept the terms of use and the privacy notice" in response.content.decode()
    assert not UserFactory._meta.model.objects.filter(email="refuser@example.org").exists()

    assert _signup(client, "accepter@example.org", accept_terms="on").status_code == 302
    user = UserFactory._meta.model.objects.get(email="accepter@example.org")
    assert set(Consent.objects.filter(user=user).values_list("document", flat=True)) == {terms.pk, privacy.pk}


def test_a_new_version_is_asked_for_at_the_next_visit_and_only_once(client):
    user = UserFactory()
    first = _publish("terms", 1, "Terms of use")
    Consent.objects.create(user=user, document=first)
    client.force_login(user)
    assert client.get(reverse("pledges:workspace")).status_code == 200

    second = _publish("terms", 2, "Terms of use", body="New rules.\n\nSecond paragraph.")
    response = client.get(reverse("pledges:workspace"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("secretariat:consent"))
    page = client.get(response["Location"])
    assert "version 2" in page.content.decode()
    assert client.get(reverse("secretariat:legal", kwargs={"kind": "terms"})).status_code == 200  # readable
    response = client.post(reverse("secretariat:consent"), {"next": reverse("pledges:workspace")})
    assert response.status_code == 200  # not ticked: asked again, with the reason
    response = client.post(
        reverse("secretariat:consent"), {"next": reverse("pledges:workspace"), "accept_terms": "on"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("pledges:workspace")
    assert Consent.objects.filter(user=user, document=second).exists()
    assert client.get(reverse("pledges:workspace")).status_code == 200


def test_a_person_who_does_not_accept_can_still_take_their_data_and_leave(client):
    user = UserFactory()
    _publish("privacy", 1, "Privacy notice")
    client.force_login(user)
    assert client.get(reverse("accounts:export")).status_code == 200
    assert client.get(reverse("accounts:delete")).status_code == 200


def test_published_versions_stay_as_published_and_earlier_ones_stay_readable(client):
    _publish("terms", 1, "Terms of use", body="Old text.")
    _publish("terms", 2, "Terms of use", body="New text.")
    assert "New text." in client.get(reverse("secretariat:legal", kwargs={"kind": "terms"})).content.decode()
    assert (
        "Old text."
        in client.get(reverse("secretariat:legal", kwargs={"kind": "terms"}) + "?version=1").content.decode()
    )
    assert client.get(reverse("secretariat:legal", kwargs={"kind": "privacy"})).status_code == 404
    assert (
        client.get(reverse("secretariat:legal", kwargs={"kind": "terms"}) + "?version=9").status_code == 404
    )
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    document = LegalDocument.objects.get(version=1)
    Consent.objects.create(user=staff, document=LegalDocument.objects.get(version=2))
    response = client.post(
        f"/admin/secretariat/legaldocument/{document.pk}/change/", {"title": "Changed", "body": "x"}
    )
    assert response.status_code == 403
    assert LegalDocument.objects.get(version=1).body == "Old text."


def test_registering_an_organisation_asks_for_consent_to_publication(client):
    user = UserFactory()
    client.force_login(user)
    government = StakeholderType.objects.get(slug="government").pk
    data = {"name": "Ministry of Fisheries and Digital", "stakeholder_type": government, "description": "x"}
    response = client.post(reverse("organisations:create"), data)
    assert response.status_code == 200
    assert "Please agree to publication" in response.content.decode()
    assert not Organisation.objects.exists()

    response = client.post(reverse("organisations:create"), {**data, "consent_publish": "on"})
    assert response.status_code == 302
    consent = PublicationConsent.objects.get()
    assert consent.organisation.name == data["name"] and consent.given_by == user
    assert consent.given_at <= timezone.now()
    edit = client.get(reverse("organisations:edit", kwargs={"slug": consent.organisation.slug}))
    assert 'name="consent_publish"' not in edit.content.decode()  # asked once, when registering
