import pytest


@pytest.fixture
def bogota(settings):
    """The reporting time zone 5 hours behind UTC (no daylight saving time)."""
    settings.P2C_TIME_ZONE = "America/Bogota"
    return settings
