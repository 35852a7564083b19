"""This app's part in a user's data export (``p2c.personal_data``): the account itself."""

from allauth.account.models import EmailAddress

from p2c.personal_data import register_exporter


def _iso(value):
    return value.isoformat() if value else None


def export_account(user) -> dict:
    """The account: email, name, dates, email addresses, and which second factors are set up (never secrets)."""
    from allauth.mfa.models import Authenticator

    return {
        "email": user.email,
        "name": user.name,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "is_staff": user.is_staff,
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user)
        ],
        "two_factor_authentication": [
            {"type": a.type, "created_at": _iso(a.created_at), "last_used_at": _iso(a.last_used_at)}
            for a in Authenticator.objects.filter(user=user)
        ],
    }


register_exporter("account", export_account)
