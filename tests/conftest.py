"""Shared fixtures. Reference data comes from the data migrations, so every test database has it."""

import pytest

from organisations.models import Membership

from .factories import OrganisationFactory, UserFactory, member


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    """Each test writes its files (report PDFs, snapshots, uploads) to its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def organisation(db):
    return OrganisationFactory()


@pytest.fixture
def owner(organisation):
    return member(organisation, Membership.Role.OWNER)


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts and ends in English: a request through the test client to ``/ar/...`` leaves Arabic
    active in this thread (Django's LocaleMiddleware activates and never deactivates)."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """No cached page or figure leaks from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _reference_data_in_transactional_tests(request):
    """Transactional tests (live server, real worker) empty the database when they end, reference data included;
    load it again (idempotent) so each such test starts with the countries, taxonomies and rates."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    from reference.loaders import load_reference_data
    from reference.models import ExchangeRate, StakeholderType

    if not (StakeholderType.objects.exists() and ExchangeRate.objects.exists()):
        load_reference_data(apps)
