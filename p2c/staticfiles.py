"""Static files storage of production: WhiteNoise's compressed files with hashed names, without source maps.

The vendored Bootstrap files end with ``sourceMappingURL`` comments, but their ``.map`` files are not shipped
(they only serve a browser's developer tools). Django's manifest storage rewrites those comments to hashed names
and stops ``collectstatic`` with ``MissingFileError`` when the map is missing; this storage leaves the comments
alone. A browser asks for a map only while its developer tools are open, and then gets a 404.
"""

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    kept = []
    for extension, rules in patterns:
        rules = tuple(r for r in rules if "sourceMappingURL" not in (r if isinstance(r, str) else r[0]))
        kept.append((extension, rules))
    return tuple(kept)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """``CompressedManifestStaticFilesStorage`` that does not follow ``sourceMappingURL`` comments."""

    patterns = _without_source_maps(ManifestStaticFilesStorage.patterns)
