"""factory_boy factories for the platform's models (reference rows come from the data migration)."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import User
from organisations.models import Membership, Organisation
from pledges.models import Pledge
from pledges.services import PledgeRelations, pledge_load_published
from reference.models import Country, FocusArea, PledgeType, StakeholderType


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """Give the user a verified primary email address (allauth), so they can log in."""
        obj.save()
        if create:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.update_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"organisation-{n}")
    stakeholder_type = factory.LazyFunction(lambda: StakeholderType.objects.get(slug="government"))
    country = factory.LazyFunction(lambda: Country.objects.get(iso2="MW"))
    verification = Organisation.Verification.VERIFIED


def member(organisation, role=Membership.Role.OWNER, **user_kwargs):
    """A new user with ``role`` in ``organisation``."""
    user = UserFactory(**user_kwargs)
    Membership.objects.create(organisation=organisation, user=user, role=role)
    return user


class PledgeFactory(factory.django.DjangoModelFactory):
    """A complete draft pledge (ready to submit) of a new organisation."""

    class Meta:
        model = Pledge
        skip_postgeneration_save = True

    public_id = factory.Sequence(lambda n: f"P2C-2020-{n + 1:04d}")
    lead_organisation = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"Rural connectivity programme {n}")
    summary = "Connect rural schools."
    description = "Connect 500 rural schools to broadband."
    start_date = dt.date(2025, 1, 1)
    end_date = dt.date(2027, 12, 31)

    @factory.post_generation
    def relations(obj, create, extracted, **kwargs):
        if not create:
            return
        obj.focus_areas.set(FocusArea.objects.filter(slug="access"))
        obj.pledge_types.set(PledgeType.objects.filter(slug="programmatic"))
        obj.beneficiary_countries.set(Country.objects.filter(iso2__in=["MW"]))
        obj.deliverables.create(
            title="500 schools connected",
            due_date=dt.date(2026, 12, 31),
            indicator="schools online",
            target_value=Decimal("500"),
            unit="schools",
        )


def published_pledge(
    organisation=None,
    *,
    title="Published pledge",
    countries=("MW",),
    focus_areas=("access",),
    pledge_types=("financial",),
    value=None,
    currency="USD",
    published_at=None,
    partners=(),
):
    """A published pledge made through the same service as the demo data."""
    organisation = organisation or OrganisationFactory()
    return pledge_load_published(
        organisation=organisation,
        title=title,
        summary="A summary.",
        published_at=published_at or timezone.now(),
        value_amount=Decimal(value) if value is not None else None,
        value_currency_id=currency if value is not None else None,
        start_date=dt.date(2024, 1, 1),
        end_date=dt.date(2026, 12, 31),
        relations=PledgeRelations(
            focus_areas=list(FocusArea.objects.filter(slug__in=focus_areas)),
            pledge_types=list(PledgeType.objects.filter(slug__in=pledge_types)),
            beneficiary_countries=list(Country.objects.filter(iso2__in=countries)),
            partners=list(partners),
        ),
    )
