"""images/listing.py: Link headers (the path and query only, whatever host they name), ACR's timestamps and HTTP
dates, and the command's start on the registry's clock (what a tag pushed before it is judged against)."""
import pytest

from azext_acr_replication.images import compare
from azext_acr_replication.images.listing import next_page, parse_http_date, parse_time, registry_since
from tests.helpers import tags

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("link, expected", [
    ('</acr/v1/_catalog?last=library%2Fbusybox&n=2&orderby=>; rel="next"',
     "/acr/v1/_catalog?last=library%2Fbusybox&n=2&orderby="),
    ('</acr/v1/library%2Fhello-world/_tags?last=latest&n=1&orderby=>; rel="next"',
     "/acr/v1/library%2Fhello-world/_tags?last=latest&n=1&orderby="),
    ('<https://myreg.eastus.geo.azurecr.io/acr/v1/_catalog?last=b&n=2>; rel=next',  # another replica: same host
     "/acr/v1/_catalog?last=b&n=2"),
    ('</acr/v1/_catalog?last=b>; rel="prev"', None),
    ("", None),
    (None, None),
])
def test_next_page_from_link_keeps_the_path_and_query_only(link, expected):
    assert next_page(link) == expected


def test_acr_timestamps_and_http_dates():
    assert parse_time("2021-04-14T23:15:13.8163645Z") == pytest.approx(1618442113.816364)
    assert parse_time("2021-04-14T23:15:13Z") == 1618442113.0
    assert parse_time("2021-04-14T23:15:13.5+01:00") == 1618438513.5
    assert parse_time("yesterday") is None and parse_time(None) is None
    assert parse_http_date("Wed, 14 Apr 2021 23:15:13 GMT") == 1618442113.0
    assert parse_http_date("garbage") is None and parse_http_date(None) is None


def test_the_commands_start_on_the_registrys_clock_leaves_no_tag_pushed_before_it_aside():
    # the registry's clock 30 s ahead: Date 1030 for a request sent at 1000.4 (answered within the second 1030)
    assert registry_since(1000.0, [(1030.0, 1000.4)]) == pytest.approx(1030.6)
    # the tightest bound of several answers; one without a Date tells nothing
    assert registry_since(1000.0, [(1031.0, 1001.2), (1030.0, 1000.4), (None, 1000.1)]) == pytest.approx(1030.6)
    assert registry_since(1000.0, []) == 1000.0  # no Date at all: the clocks are taken to agree


def test_a_tag_pushed_a_moment_before_the_command_is_judged_whatever_its_fraction_of_a_second():
    """The registry's Date is whole seconds; lastUpdateTime is not. A push at 1000.7, a command started at 1000.8 whose
    first answer is dated 1000 (its moment, 1000.9, rounded down): the push is judged, not set aside."""
    since = registry_since(1000.8, [(1000.0, 1000.85)])
    listings = {"westus": tags(v1=("a", 1000.7)), "eastus": None}
    result = compare.RepositoryComparison(listings, since)
    assert result.changed == [] and result.missing == {"v1": ["eastus"]}
