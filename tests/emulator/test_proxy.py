"""The emulator's HTTPS proxy: registry hosts get a TLS tunnel to the registry API, any other host is refused and
recorded as a leak (the session fails on one a test did not expect), and under the knob tls_inspection it presents
a certificate of a foreign CA, as a TLS-inspecting corporate proxy does."""
import pytest
import requests

from tests.helpers import registry_session

pytestmark = pytest.mark.e2e


def test_proxy_refuses_and_records_other_hosts(arm):
    http = registry_session(arm)
    with pytest.raises(requests.exceptions.ProxyError):
        http.get("https://example.com/")
    assert arm.leaks() == ["CONNECT example.com:443"]
    arm.clear_leaks()  # expected here; anywhere else a leak fails the session
    assert arm.leaks() == []


def test_tls_inspection_presents_a_certificate_of_a_foreign_ca(arm):
    arm.knobs(tls_inspection=True)
    with pytest.raises(requests.exceptions.SSLError):
        registry_session(arm).get("https://demopremium.azurecr.io/v2/")
    http = registry_session(arm)
    http.verify = arm.foreign_ca_path
    assert http.get("https://demopremium.azurecr.io/v2/").status_code == 401
