"""Template filters for names of places in the interface language."""

from django import template

from ..names import territory_name

register = template.Library()


@register.filter
def territory(code, fallback=""):
    """``{{ row.iso2|territory:row.name }}``: a country (ISO alpha-2) or region (M49 code) in the active language."""
    return territory_name(str(code or ""), fallback or str(code or ""))
