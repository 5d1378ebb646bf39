"""arm/errors.py: what an ARM error is (transient or not, by its code alone) and how long it asks to be waited out."""
import pytest

from azext_acr_replication.arm import errors
from azext_acr_replication.arm.errors import retry_after_seconds
from tests.helpers import http_error

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("message, transient", [
    ("InternalServerError: An internal error occurred.", True),
    ("ServiceUnavailable: anything", True), ("RetryableError: anything", True), ("gatewaytimeout: x", True),
    ("ReplicationFailed: Please retry later.", False),  # the code decides, never the wording
    ("Canceled: The operation was canceled.", False)])
def test_a_failed_operation_is_transient_by_its_error_code_alone(message, transient):
    assert errors.is_transient_failure(http_error(200, message, lro=True)) is transient
    assert errors.is_transient_failure(http_error(500, message)) is False  # not an operation that ended Failed


def test_retry_after_as_an_http_date_or_in_milliseconds_is_read():
    from email.utils import formatdate
    assert retry_after_seconds({"Retry-After": formatdate(1000.0 + 20, usegmt=True)}, now=1000.0) == 20
    assert retry_after_seconds({"Retry-After": formatdate(900.0, usegmt=True)}, now=1000.0) == 0
    assert retry_after_seconds({"retry-after-ms": "1500"}) == 1.5
    assert retry_after_seconds({"x-ms-retry-after-ms": "250", "Retry-After": "9"}) == 0.25
    assert retry_after_seconds({"Retry-After": "7"}) == 7 and retry_after_seconds({"Retry-After": "soon"}) is None
