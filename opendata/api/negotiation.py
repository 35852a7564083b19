"""Content negotiation of the API: an unknown ``?format=`` falls back to the default instead of a 404."""

from rest_framework.negotiation import DefaultContentNegotiation


class IgnoreUnknownFormatNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, except that a ``?format=`` naming no renderer of the view (``?format=../../etc``) is
    ignored: the response uses the Accept header or the default renderer (JSON)."""

    def filter_renderers(self, renderers, format):
        return [r for r in renderers if r.format == format] or list(renderers)
