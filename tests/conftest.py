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
