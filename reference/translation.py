"""Reference data names the Secretariat edits per language (django-modeltranslation: a column per language,
``name_ar``, ``name_fr``, ...; an empty translation falls back to English). Country and region names are not
here: they come from CLDR via babel (``reference.names``)."""

from modeltranslation.translator import TranslationOptions, register

from .models import (
    SDG,
    BeneficiaryGroup,
    Campaign,
    ConnectivityTarget,
    CountryGroup,
    FocusArea,
    PartnershipNeed,
    Pillar,
    PledgeType,
    StakeholderType,
)


@register(FocusArea)
class FocusAreaTranslation(TranslationOptions):
    fields = ("name", "tagline")


@register(Pillar)
@register(PledgeType)
@register(StakeholderType)
@register(SDG)
@register(BeneficiaryGroup)
@register(ConnectivityTarget)
@register(Campaign)
@register(PartnershipNeed)
@register(CountryGroup)
class NameTranslation(TranslationOptions):
    fields = ("name",)
