"""Schemathesis against the OpenAPI schema: generated requests to every API operation never get a server error.

Runs in-process through the WSGI application on the test database (no network), with a bounded number of
generated requests per operation. (Schemathesis's own pytest plugin is not used: it does not run on this pytest.)
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from p2c.wsgi import application

# The WSGI handler closes the database connection after each request, which a test transaction cannot survive.
pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES_PER_OPERATION = 20


def test_no_generated_request_gets_a_server_error(public_data, monkeypatch):
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "1000000/minute"})
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call()
            case.validate_response(response, checks=[not_a_server_error])

        check()
