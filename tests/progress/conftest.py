import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """The progress tests read English pages and reverse English URLs, whatever language an earlier test left
    active in this thread."""
    with translation.override("en"):
        yield
