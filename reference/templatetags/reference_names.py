"""Template filters for names of places in the interface language."""

from django import template
from django.utils.translation import gettext_lazy as _

from ..names import territory_name

register = template.Library()


@register.filter
def territory(code, fallback=""):
    """``{{ row.iso2|territory:row.name }}``: a country (ISO alpha-2) or region (M49 code) in the active language."""
    return territory_name(str(code or ""), fallback or str(code or ""))


# The UN country groups by their short names, translated (the same short names as on pledge pages).
GROUP_SHORT_NAMES = {"LDC": _("LDC"), "LLDC": _("LLDC"), "SIDS": _("SIDS")}


@register.filter
def group_short_name(code) -> str:
    """``{{ code|group_short_name }}``: "LDC", "LLDC" or "SIDS" in the active language ("PMA" in French)."""
    return str(GROUP_SHORT_NAMES.get(str(code), code))
