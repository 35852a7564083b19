"""The retention rule: unconfirmed accounts and abandoned drafts are deleted after the Secretariat's period,
with a warning email first; confirming the address or touching the draft keeps them."""

import datetime as dt

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from accounts.models import User
from pledges.models import Pledge
from secretariat.models import RetentionNotice, RetentionPolicy
from secretariat.retention import retention_apply
from secretariat.tasks import apply_retention
from tests.factories import PledgeFactory, UserFactory

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


@pytest.fixture
def policy():
    RetentionPolicy(unverified_account_days=30, draft_days=180, warning_days=7).save()
    return RetentionPolicy.current()


def _unconfirmed(email, joined):
    user = User.objects.create_user(email, password="x-long-password-1")
    User.objects.filter(pk=user.pk).update(date_joined=joined)
    EmailAddress.objects.create(user=user, email=email, verified=False, primary=True)
    return user


def test_an_unconfirmed_account_is_warned_then_deleted(policy):
    now = timezone.now()
    old = _unconfirmed("never.confirmed@example.org", now - 25 * DAY)
    recent = _unconfirmed("just.joined@example.org", now - 2 * DAY)
    confirmed = UserFactory(email="fine@example.org")
    User.objects.filter(pk=confirmed.pk).update(date_joined=now - 400 * DAY)
    staff = UserFactory(is_staff=True)
    EmailAddress.objects.filter(user=staff).update(verified=False)
    User.objects.filter(pk=staff.pk).update(date_joined=now - 400 * DAY)

    result = retention_apply(now=now)  # day 25: 30 - 7 days have passed -> warning, deletion on day 32
    assert (result.accounts_warned, result.accounts_deleted) == (1, 0)
    assert [m.to for m in mail.outbox] == [["never.confirmed@example.org"]]
    notice = RetentionNotice.objects.get(user=old)
    assert notice.delete_after == now + 7 * DAY

    assert retention_apply(now=now + DAY).accounts_warned == 0  # warned once
    assert retention_apply(now=now + 7 * DAY).accounts_deleted == 1
    assert not User.objects.filter(pk=old.pk).exists()
    assert set(User.objects.values_list("email", flat=True)) >= {recent.email, confirmed.email, staff.email}


def test_confirming_the_address_after_the_warning_keeps_the_account(policy):
    now = timezone.now()
    user = _unconfirmed("late@example.org", now - 29 * DAY)
    retention_apply(now=now)
    EmailAddress.objects.filter(user=user).update(verified=True)
    result = retention_apply(now=now + 30 * DAY)
    assert result.accounts_deleted == 0 and User.objects.filter(pk=user.pk).exists()
    assert not RetentionNotice.objects.exists()


def test_an_abandoned_draft_is_warned_then_deleted_unless_someone_touches_it(policy):
    now = timezone.now()
    abandoned = PledgeFactory(title="Forgotten draft")
    touched = PledgeFactory(title="Draft someone saves again")
    submitted = PledgeFactory(title="Submitted long ago", status=Pledge.Status.SUBMITTED)
    Pledge.objects.filter(pk__in=[abandoned.pk, touched.pk, submitted.pk]).update(updated_at=now - 200 * DAY)

    result = retention_apply(now=now)
    assert result.drafts_warned == 2 and result.drafts_deleted == 0
    Pledge.objects.filter(pk=touched.pk).update(updated_at=now + DAY)  # saved after the warning

    result = retention_apply(now=now + 8 * DAY)
    assert result.drafts_deleted == 1
    assert set(Pledge.objects.values_list("title", flat=True)) == {
        "Draft someone saves again",
        "Submitted long ago",
    }
    assert Pledge.history.filter(id=abandoned.pk, history_type="-").exists()  # the audit trail keeps it


def test_the_secretariat_can_switch_the_rule_off(policy):
    RetentionPolicy(enabled=False).save()
    _unconfirmed("kept@example.org", timezone.now() - 400 * DAY)
    assert retention_apply(now=timezone.now()).accounts_warned == 0
    assert mail.outbox == []


def test_the_beat_task_runs_the_rule_for_the_moment_it_is_given(policy):
    _unconfirmed("task@example.org", timezone.now() - 100 * DAY)
    result = apply_retention.apply(kwargs={"now": timezone.now().isoformat()}).get()
    assert result["accounts_warned"] == 1
    with pytest.raises(ValueError):
        apply_retention.apply(kwargs={"now": "yesterday"}).get()
