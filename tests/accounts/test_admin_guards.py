"""The admin of accounts: a staff member who may change users cannot make anyone (itself included) a superuser,
give permissions outside the staff roles, or change a superuser's account; nobody reads a second factor's secrets."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group, Permission

from accounts.models import User
from secretariat.roles import ADMINISTRATOR, ANALYST, MODERATOR

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
RECOVERY_SEED = "5f2c1e0d9b8a77665544332211ffeedd00112233"


def _role_user(role, **kwargs):
    user = UserFactory(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name=role))
    return user


def _change_data(user, **extra):
    """The user admin's change form as the browser would post it, with ``extra`` fields added or replaced."""
    data = {
        "email": user.email,
        "name": user.name,
        "is_active": "on",
        "is_staff": "on",
        "groups": [g.pk for g in user.groups.all()],
        "date_joined_0": "2025-01-01",
        "date_joined_1": "00:00:00",
        "last_login_0": "",
        "last_login_1": "",
    }
    data.update(extra)
    return data


def _state(user):
    user = User.objects.get(pk=user.pk)
    return (
        user.email,
        user.is_active,
        user.is_staff,
        user.is_superuser,
        user.password,
        sorted(user.groups.values_list("name", flat=True)),
        sorted(user.user_permissions.values_list("codename", flat=True)),
    )


def test_an_administrator_cannot_make_itself_superuser_or_give_itself_permissions(client):
    administrator = _role_user(ADMINISTRATOR)
    everything = Group.objects.create(name="Everything")
    everything.permissions.set(Permission.objects.all())
    client.force_login(administrator)
    url = f"/admin/accounts/user/{administrator.pk}/change/"

    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="is_superuser"' not in html and 'name="user_permissions"' not in html
    offered = set(page.context["adminform"].form.fields["groups"].queryset.values_list("name", flat=True))
    assert offered == {ADMINISTRATOR, ANALYST, MODERATOR}

    before = _state(administrator)
    every_permission = list(Permission.objects.values_list("pk", flat=True))
    # The superuser flag and permissions are not fields of the form: ignored, the rest is saved.
    response = client.post(
        url, _change_data(administrator, is_superuser="on", user_permissions=every_permission)
    )
    assert response.status_code == 302
    assert _state(administrator) == before
    # A group that is not a staff role is not a choice: the form is refused, nothing changes.
    response = client.post(
        url,
        _change_data(
            administrator,
            is_superuser="on",
            groups=[Group.objects.get(name=ADMINISTRATOR).pk, everything.pk],
        ),
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors.get("groups")
    assert _state(administrator) == before
    assert not User.objects.filter(is_superuser=True).exists()


def test_an_administrator_gives_staff_roles_and_keeps_groups_it_cannot_see(client):
    administrator = _role_user(ADMINISTRATOR)
    colleague = UserFactory(is_staff=True)
    legacy = Group.objects.create(name="Legacy auditors")
    colleague.groups.add(legacy)
    client.force_login(administrator)

    response = client.post(
        f"/admin/accounts/user/{colleague.pk}/change/",
        _change_data(colleague, groups=[Group.objects.get(name=MODERATOR).pk]),
    )

    assert response.status_code == 302
    assert set(colleague.groups.values_list("name", flat=True)) == {MODERATOR, "Legacy auditors"}
    assert not User.objects.get(pk=colleague.pk).is_superuser


def test_only_a_superuser_may_change_a_superusers_account(client):
    administrator = _role_user(ADMINISTRATOR)
    superuser = UserFactory(is_staff=True, is_superuser=True)
    before = _state(superuser)
    address = EmailAddress.objects.get(user=superuser)
    client.force_login(administrator)
    url = f"/admin/accounts/user/{superuser.pk}/"

    page = client.get(f"{url}change/")
    assert page.status_code == 200  # read-only
    html = page.content.decode()
    assert 'name="_save"' not in html and 'name="email"' not in html
    response = client.post(
        f"{url}change/", _change_data(superuser, email="mine@example.org", is_active="", is_superuser="on")
    )
    assert response.status_code == 403
    assert (
        client.post(
            f"{url}password/", {"password1": "x-Tr0ub4dor-&3", "password2": "x-Tr0ub4dor-&3"}
        ).status_code
        == 403
    )
    assert client.post(f"{url}delete/", {"post": "yes"}).status_code == 403
    assert _state(superuser) == before

    # Nor through the email addresses: not the superuser's, nor a new one for the superuser.
    response = client.post(
        f"/admin/account/emailaddress/{address.pk}/change/",
        {"user": superuser.pk, "email": "mine@example.org", "verified": "on", "primary": "on"},
    )
    assert response.status_code == 403
    response = client.post(
        "/admin/account/emailaddress/add/",
        {"user": superuser.pk, "email": "mine@example.org", "verified": "on", "primary": "on"},
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors.get("user")
    assert list(EmailAddress.objects.filter(user=superuser).values_list("email", flat=True)) == [
        superuser.email
    ]

    # A superuser still may.
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(f"{url}change/", _change_data(superuser, name="Renamed", is_superuser="on"))
    assert response.status_code == 302
    assert User.objects.get(pk=superuser.pk).name == "Renamed"


def _authenticators(user):
    totp = Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": TOTP_SECRET})
    codes = Authenticator.objects.create(
        user=user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": RECOVERY_SEED, "used_mask": 0}
    )
    return totp, codes


@pytest.mark.parametrize("viewer", ["analyst", "administrator", "superuser"])
def test_nobody_reads_a_second_factors_secret_in_the_admin(client, viewer):
    person = UserFactory()
    totp, codes = _authenticators(person)
    staff = {
        "analyst": lambda: _role_user(ANALYST),
        "administrator": lambda: _role_user(ADMINISTRATOR),
        "superuser": lambda: UserFactory(is_staff=True, is_superuser=True),
    }[viewer]()
    client.force_login(staff)

    pages = [
        "/admin/mfa/authenticator/",
        f"/admin/mfa/authenticator/{totp.pk}/change/",
        f"/admin/mfa/authenticator/{codes.pk}/change/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert TOTP_SECRET not in html and RECOVERY_SEED not in html, url
        assert 'name="data"' not in html and 'name="_save"' not in html, url
    assert str(person) in html  # who it belongs to is shown
    assert client.post(f"/admin/mfa/authenticator/{totp.pk}/change/", {"data": "{}"}).status_code == 403
    assert Authenticator.objects.get(pk=totp.pk).data == {"secret": TOTP_SECRET}
    assert client.get("/admin/mfa/authenticator/add/").status_code == 403


def test_an_administrator_resets_a_second_factor_but_not_a_superusers(client):
    person, superuser = UserFactory(), UserFactory(is_staff=True, is_superuser=True)
    totp, _codes = _authenticators(person)
    super_totp, _super_codes = _authenticators(superuser)
    client.force_login(_role_user(ADMINISTRATOR))

    response = client.post(f"/admin/mfa/authenticator/{totp.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Authenticator.objects.filter(pk=totp.pk).exists()
    assert (
        client.post(f"/admin/mfa/authenticator/{super_totp.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert Authenticator.objects.filter(pk=super_totp.pk).exists()
    # The Analyst reads the list but deletes nothing.
    client.force_login(_role_user(ANALYST))
    assert client.post(f"/admin/mfa/authenticator/{_codes.pk}/delete/", {"post": "yes"}).status_code == 403
