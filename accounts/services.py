"""Writes to accounts: deleting an account (with every app's personal data, ``p2c.personal_data``)."""

from contextlib import contextmanager

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.db import models, transaction
from simple_history.models import HistoricalRecords

from p2c.personal_data import erase_user_data

from .models import User

# The account that takes the place of deleted people wherever the platform keeps what they did (pledges they
# registered, decisions, the audit trail): it holds no personal data, cannot log in, and is shown as
# "Former member". ".invalid" is reserved and never delivers mail (RFC 2606).
FORMER_MEMBER_EMAIL = "former-member@p2c.invalid"


def former_member_user() -> User:
    """The shared "Former member" account (created on first use; inactive, no usable password)."""
    user, created = User.objects.get_or_create(
        email=FORMER_MEMBER_EMAIL, defaults={"name": "Former member", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def is_former_member(user) -> bool:
    return getattr(user, "email", None) == FORMER_MEMBER_EMAIL


def _keeps_record(field) -> bool:
    """A foreign key to the user whose rows outlive the account: not CASCADE (the audit trail's
    ``history_user`` is SET_NULL, its copies of ``created_by`` and the like are DO_NOTHING)."""
    return field.remote_field.on_delete is not models.CASCADE


def _in_unique_set(model, field) -> bool:
    if field.unique:
        return True
    for fields in model._meta.unique_together:
        if field.name in fields:
            return True
    return any(
        isinstance(c, models.UniqueConstraint) and field.name in (c.fields or ())
        for c in model._meta.constraints
    )


def _reassign_records(user, ghost) -> None:
    """Point every kept record of ``user`` (in any app) at ``ghost``: pledges stay attributed to "Former
    member", the audit trail keeps "Former member" as who changed what. The admin's own log is kept the same
    way (it would otherwise be deleted with the account)."""
    for model in apps.get_models(include_auto_created=True):
        if model is User:
            continue
        for field in model._meta.concrete_fields:
            if not field.is_relation or field.related_model is not User:
                continue
            if not (_keeps_record(field) or model is LogEntry):
                continue
            rows = model._base_manager.filter(**{field.attname: user.pk})
            if _in_unique_set(model, field):
                if field.null:
                    rows.update(**{field.attname: None})
                continue
            rows.update(**{field.attname: ghost.pk})
    user_type = apps.get_model("contenttypes", "ContentType").objects.get_for_model(User)
    LogEntry.objects.filter(content_type=user_type, object_id=str(user.pk)).update(
        object_repr="Former member"
    )
    for text in {user.email, str(user)}:
        if text and len(text) >= 3:
            for entry in LogEntry.objects.filter(object_repr__contains=text):
                entry.object_repr = entry.object_repr.replace(text, "Former member")
                entry.save(update_fields=["object_repr"])


@contextmanager
def _audit_as(ghost):
    """Changes made while deleting the account are recorded as made by "Former member", not by the account
    being deleted (django-simple-history otherwise takes the request's user)."""
    context = HistoricalRecords.context
    request = getattr(context, "request", None)
    if request is not None:
        del context.request
    try:
        yield
    finally:
        if request is not None:
            context.request = request


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Delete ``user``'s account and personal data.

    Every app's eraser runs first (``p2c.personal_data``); memberships end (an organisation left without an
    owner is listed for staff, who appoint one in the admin); what the person did for an organisation stays
    with it, attributed to "Former member"; the audit trail keeps "Former member" and no personal data.

    Raises:
        ValueError: for the "Former member" account itself.
    """
    if is_former_member(user):
        raise ValueError("The former-member account cannot be deleted.")
    ghost = former_member_user()
    with _audit_as(ghost):
        erase_user_data(user)
        _reassign_records(user, ghost)
        user.delete()
