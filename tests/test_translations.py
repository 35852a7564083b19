"""Every string of the interface is translated into the six UN languages: a catalogue with an untranslated or
fuzzy entry, or a string in the code that is missing from a catalogue, fails this test."""

import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command

LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]


def _catalogue(path: Path):
    with path.open("rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory):
    """The committed catalogues merged with the strings the code has today (Django's makemessages)."""
    if not shutil.which("xgettext") or not shutil.which("msgmerge"):
        pytest.skip("needs GNU gettext (apt-get install gettext) to extract the strings")
    target = tmp_path_factory.mktemp("locale")
    source = Path(settings.BASE_DIR) / "locale"
    if source.exists():
        shutil.copytree(source, target, dirs_exist_ok=True)
    from django.test.utils import override_settings

    with override_settings(LOCALE_PATHS=[target]):
        call_command(
            "makemessages",
            *[f"--locale={code.replace('-', '_').replace('zh_hans', 'zh_Hans')}" for code in LANGUAGES],
            "--ignore=.venv/*",
            "--ignore=test-artifacts/*",
            "--ignore=tests/*",
            "--ignore=benchmarks/*",
            "--ignore=staticfiles/*",
            "--no-obsolete",
            "--no-location",
            verbosity=0,
        )
    return target


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated(fresh_catalogues, language):
    locale = language.replace("-", "_").replace("zh_hans", "zh_Hans")
    catalogue = _catalogue(fresh_catalogues / locale / "LC_MESSAGES" / "django.po")
    untranslated = [
        m.id for m in catalogue if m.id and not (m.string if isinstance(m.string, str) else all(m.string))
    ]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert not untranslated, f"{len(untranslated)} untranslated in {language}, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy in {language}, e.g. {fuzzy[:5]}"
