"""Template context: the signed-in member's organisations and the one they work for (the switcher)."""

from django.utils.functional import SimpleLazyObject

from .selectors import current_organisation, my_organisations


def organisations(request):
    """``my_organisations`` (list) and ``current_organisation`` (or None), evaluated only when a template uses
    them (one query, shared)."""
    return {
        "my_organisations": SimpleLazyObject(lambda: my_organisations(request)),
        "current_organisation": SimpleLazyObject(lambda: current_organisation(request) or ""),
    }
