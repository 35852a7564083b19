"""Slow-changing reference data the Secretariat edits in the admin, loaded by data migrations.

Sources: UNSD M49 standard (countries, regions, LDC/LLDC/SIDS flags; see ``reference/data/SOURCES.md``),
the ITU P2C Action Framework (focus areas and pillars), the UN SDGs, and ISO 4217 currencies via babel/CLDR.
"""

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """A UN M49 region, sub-region or intermediate region (e.g. 002 Africa > 202 Sub-Saharan Africa)."""

    class Level(models.TextChoices):
        REGION = "region", _("Region")
        SUB_REGION = "sub_region", _("Sub-region")
        INTERMEDIATE = "intermediate", _("Intermediate region")

    m49_code = models.CharField(_("M49 code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        ordering = ["m49_code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The region's name in the interface language (CLDR via babel, by M49 code)."""
        from .names import territory_name

        return territory_name(self.m49_code, self.name)


class Country(models.Model):
    """A country or area of the UNSD M49 list, keyed by its ISO 3166-1 alpha-2 code."""

    iso2 = models.CharField(_("ISO 3166-1 alpha-2"), max_length=2, unique=True)
    iso3 = models.CharField(_("ISO 3166-1 alpha-3"), max_length=3, unique=True)
    m49_code = models.CharField(_("M49 code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=100, help_text=_("Display name."))
    m49_name = models.CharField(_("name in the M49 list"), max_length=100)
    aliases = models.TextField(
        _("other names"),
        blank=True,
        help_text=_("Other names people search with, one per line (former names, common short forms)."),
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("region")
    )
    sub_region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sub-region"),
    )
    intermediate_region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("intermediate region"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The country's name in the interface language (CLDR via babel; the M49 display name in English)."""
        from .names import territory_name

        return territory_name(self.iso2, self.name)

    def group_codes_on(self, date: dt.date) -> set[str]:
        """Codes ("LDC", "LLDC", "SIDS") of the groups this country belongs to on ``date``."""
        return {m.group.code for m in self.memberships.all() if m.applies_on(date)}


class CountryGroup(models.Model):
    """A UN country grouping: LDC (M49 199), LLDC (M49 432) or SIDS (M49 722)."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    m49_code = models.CharField(_("M49 code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["m49_code"]
        verbose_name = _("country group")
        verbose_name_plural = _("country groups")

    def __str__(self):
        return self.code


class CountryGroupMembershipQuerySet(models.QuerySet):
    def on(self, date: dt.date):
        """Memberships in force on ``date`` (valid_from <= date < valid_until; open ends allowed)."""
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=date)).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=date)
        )


class CountryGroupMembership(models.Model):
    """A country's membership of a group over a dated interval.

    ``valid_from`` empty means "since before the platform's records"; ``valid_until`` is the first day the
    country is no longer a member (e.g. the graduation date from the LDC category), empty while it still is.
    """

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="memberships")
    group = models.ForeignKey(CountryGroup, on_delete=models.PROTECT, related_name="memberships")
    valid_from = models.DateField(_("member from"), null=True, blank=True)
    valid_until = models.DateField(_("member until (exclusive)"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    objects = CountryGroupMembershipQuerySet.as_manager()

    class Meta:
        ordering = ["group", "country"]
        verbose_name = _("country group membership")
        verbose_name_plural = _("country group memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gt=models.F("valid_from")),
                name="membership_interval_ordered",
            )
        ]

    def __str__(self):
        return f"{self.country} – {self.group}"

    def applies_on(self, date: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= date) and (
            self.valid_until is None or date < self.valid_until
        )


class FocusArea(models.Model):
    """One of the four focus areas of the P2C Action Framework (Access, Adoption, Value creation, Accelerate)."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = _("focus area")
        verbose_name_plural = _("focus areas")

    def __str__(self):
        return self.name


class Pillar(models.Model):
    """A sub-area of a focus area. ``source_note`` says where it was published, or that it is provisional."""

    focus_area = models.ForeignKey(FocusArea, on_delete=models.PROTECT, related_name="pillars")
    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=150)
    provisional = models.BooleanField(_("provisional"), default=False)
    source_note = models.CharField(_("source note"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["focus_area__order", "order"]
        verbose_name = _("pillar")
        verbose_name_plural = _("pillars")

    def __str__(self):
        return self.name


class PledgeType(models.Model):
    """A pledge (support) type: Financial, Policy, Advocacy, Programmatic."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = _("pledge type")
        verbose_name_plural = _("pledge types")

    def __str__(self):
        return self.name


class StakeholderType(models.Model):
    """The kind of organisation: Government, Private sector, Civil society, Academia, ..."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = _("stakeholder type")
        verbose_name_plural = _("stakeholder types")

    def __str__(self):
        return self.name


class SDG(models.Model):
    """One of the 17 UN Sustainable Development Goals (A/RES/70/1)."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["number"]
        verbose_name = _("SDG")
        verbose_name_plural = _("SDGs")

    def __str__(self):
        return f"{self.number}. {self.name}"


class Currency(models.Model):
    """An ISO 4217 currency (names from CLDR via babel)."""

    code = models.CharField(_("ISO 4217 code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("currency")
        verbose_name_plural = _("currencies")

    def __str__(self):
        return f"{self.code} – {self.name}"


class ExchangeRate(models.Model):
    """How many US dollars one unit of ``currency`` was worth on ``date``, with the source of the figure."""

    currency = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="rates")
    date = models.DateField(_("rate date"))
    usd_per_unit = models.DecimalField(_("USD per unit"), max_digits=18, decimal_places=8)
    source = models.CharField(_("source"), max_length=300)

    class Meta:
        ordering = ["currency", "-date"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(fields=["currency", "date"], name="one_rate_per_currency_and_date"),
            models.CheckConstraint(condition=Q(usd_per_unit__gt=0), name="rate_positive"),
        ]

    def __str__(self):
        return f"1 {self.currency_id} = {self.usd_per_unit} USD ({self.date})"


class BeneficiaryGroup(models.Model):
    """A group of people a pledge is meant to reach (women and girls, youth, persons with disabilities, ...)."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = _("beneficiary group")
        verbose_name_plural = _("beneficiary groups")

    def __str__(self):
        return self.name


class ConnectivityTarget(models.Model):
    """A 2030 target for universal and meaningful connectivity that a pledge contributes to."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    source_note = models.CharField(_("source note"), max_length=400, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = _("connectivity target")
        verbose_name_plural = _("connectivity targets")

    def __str__(self):
        return self.name


class Campaign(models.Model):
    """A campaign or event at which pledges were announced (WTDC-22, LDC5, MWC 2024, ...)."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "name"]
        verbose_name = _("campaign or event")
        verbose_name_plural = _("campaigns and events")

    def __str__(self):
        return self.name


class PartnershipNeed(models.Model):
    """What a pledge seeks partners for: funding, an implementing partner, technical expertise, ..."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    # The pledge type that answers this need (e.g. "financial" for funding), for matchmaking; may be empty.
    offered_by_pledge_type = models.ForeignKey(
        PledgeType,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("answered by pledge type"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = _("partnership need")
        verbose_name_plural = _("partnership needs")

    def __str__(self):
        return self.name
