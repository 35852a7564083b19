"""The registry import pages of the admin: upload with the layout, bad files by the field, the report, roles."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from pledges.models import Pledge
from secretariat.models import RegistryImport
from secretariat.roles import ADMINISTRATOR, ANALYST
from tests.factories import UserFactory

from .helpers import registry_csv

pytestmark = pytest.mark.django_db
ADD = "/admin/secretariat/registryimport/add/"


def _login(client, role):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    "payload,expected",
    [
        (registry_csv({"value_amount": "=SUM(A1:A9)"}), "holds a formula"),
        ("pledging_entity,entity_type,title\nÉcole,Academia,T\n".encode("cp1252"), "not UTF-8"),
        (b"%PDF-1.4\n" + bytes(100), "not a CSV or XLSX file"),
        (b"name,summary\nA,B\n", "required columns are missing: pledging_entity, entity_type, title"),
    ],
    ids=["formula", "cp1252", "pdf", "columns"],
)
def test_a_bad_file_is_refused_by_the_field_never_a_500(client, payload, expected):
    _login(client, ADMINISTRATOR)
    response = client.post(ADD, {"file": SimpleUploadedFile("registry.csv", payload)})
    assert response.status_code == 200
    html = response.content.decode()
    assert expected in html and 'class="errorlist' in html
    assert not RegistryImport.objects.exists()


def test_a_file_over_the_limit_is_refused_before_it_is_read(client, settings):
    settings.P2C_IMPORT_MAX_BYTES = 2048
    _login(client, ADMINISTRATOR)
    response = client.post(ADD, {"file": SimpleUploadedFile("big.csv", b"x" * 5000)})
    assert "at most 2 KB can be imported" in response.content.decode()


def test_the_upload_page_documents_every_column(client):
    from secretariat.registry.layout import COLUMNS

    _login(client, ADMINISTRATOR)
    html = client.get(ADD).content.decode()
    assert all(f"<code>{column.name}</code>" in html for column in COLUMNS)
    assert html.count("<h1") == 1


def test_an_analyst_reads_the_report_but_cannot_upload_or_import(client, django_capture_on_commit_callbacks):
    admin_user = _login(client, ADMINISTRATOR)
    with django_capture_on_commit_callbacks(execute=True):  # the dry run is queued on commit
        response = client.post(ADD, {"file": SimpleUploadedFile("registry.csv", registry_csv({}))})
    record = RegistryImport.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{record.pk}/change/")
    assert record.uploaded_by == admin_user and record.status == RegistryImport.Status.CHECKED

    _login(client, ANALYST)
    page = client.get(f"/admin/secretariat/registryimport/{record.pk}/change/")
    assert page.status_code == 200 and "will create" in page.content.decode()
    assert "Import now" not in page.content.decode()
    assert client.get(ADD).status_code == 403
    assert client.post(f"/admin/secretariat/registryimport/{record.pk}/import/").status_code == 403
    assert not Pledge.objects.exists()


def test_the_administrator_imports_from_the_report_page(client, django_capture_on_commit_callbacks):
    _login(client, ADMINISTRATOR)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(ADD, {"file": SimpleUploadedFile("registry.csv", registry_csv({}))})
    record = RegistryImport.objects.get()
    assert (
        "Import now" in client.get(f"/admin/secretariat/registryimport/{record.pk}/change/").content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/secretariat/registryimport/{record.pk}/import/")
    response = client.get(f"/admin/secretariat/registryimport/{record.pk}/change/")
    assert "Imported" in response.content.decode()
    response = client.post(f"/admin/secretariat/registryimport/{record.pk}/import/", follow=True)
    assert Pledge.objects.get().title == "Rural towers in Kenya"
    assert "Only a file whose dry run refused no row can be imported" in response.content.decode()
    assert Pledge.objects.count() == 1
