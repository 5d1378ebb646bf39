"""images/compare.py: one repository across regions (missing, digest differs, a region without it), a region
against home (present, missing, extra, skewed; a bounded number shown), tags pushed or moved while reading set aside
rather than judged, and the rate and time left of a syncing replica."""
import pytest

from azext_acr_replication.images import compare
from tests.helpers import tags

pytestmark = pytest.mark.unit


def test_repository_comparison_missing_skew_and_a_region_without_it():
    listings = {"westus": tags(v1=("a", 1), v2=("b", 1)), "eastus": tags(v1=("a", 1), v2=("c", 1)),
                "japaneast": tags(v1=("a", 1)), "uksouth": None}
    result = compare.RepositoryComparison(listings)
    assert result.missing == {"v1": ["uksouth"], "v2": ["japaneast", "uksouth"]}
    assert result.skew == {"v2": {"westus": "b", "eastus": "c"}}
    assert result.tags["v2"] == {"westus": "b", "eastus": "c"}
    assert [result.region_state(r) for r in listings] == ["digest differs", "digest differs", "tags missing",
                                                          "missing"]
    assert compare.RepositoryComparison({"westus": tags(v1=("a", 1)), "eastus": tags(v1=("a", 2))}).region_state(
        "eastus") == "present"


def test_tags_changed_while_reading_are_set_aside_not_judged():
    since = 100.0
    listings = {"westus": tags(v1=("a", 50), new=("n", 101.5), moved=("m2", 100.0)),
                "eastus": tags(v1=("a", 50), moved=("m1", 40))}
    result = compare.RepositoryComparison(listings, since)
    assert result.changed == ["moved", "new"]
    assert result.missing == {} and result.skew == {}
    assert result.region_state("eastus") == "present"
    # without the reading's start, they are judged
    judged = compare.RepositoryComparison(listings)
    assert judged.missing == {"new": ["eastus"]} and "moved" in judged.skew


def test_against_home_counts_present_missing_extra_and_skewed():
    delta = compare.against_home("app", tags(v1=("a", 1), v2=("b", 1), v3=("c", 1)),
                                 tags(v1=("a", 1), v2=("x", 1), old=("o", 1)))
    assert (delta.at_home, delta.present, delta.held) == (3, 1, 3)
    assert (delta.missing, delta.skewed, delta.extra) == (["v3"], ["v2"], ["old"])
    assert delta.differs and not delta.repository_missing
    missing = compare.against_home("app", tags(v1=("a", 1)), None)
    assert missing.repository_missing and missing.missing == ["v1"] and missing.held == 0
    extra = compare.against_home("gone", None, tags(v1=("a", 1)))
    assert extra.repository_extra and extra.extra == ["v1"] and extra.at_home == 0
    changed = compare.against_home("app", tags(v1=("a", 1), v2=("b", 200)), tags(v1=("a", 1)), since=100)
    assert changed.changed == 1 and not changed.differs and changed.at_home == 1


def test_differences_show_a_bounded_number_of_tags():
    delta = compare.against_home("big", tags(**{"t%03d" % i: ("a", 1) for i in range(50)}), tags())
    shown = delta.shown()
    assert len(shown["missing"]) == compare.SHOWN and shown["tagsNotShown"] == 50 - compare.SHOWN


def test_rate_and_time_left_of_a_steady_sync():
    rate = compare.Rate()
    assert rate.seconds_left(0) is None
    for when in (10, 20, 30):
        rate.add(when, 1000 - 10 * when)  # 10 tags a second
    assert rate.per_second() == pytest.approx(10)
    assert rate.seconds_left(30) == pytest.approx(70) and rate.seconds_left(35) == pytest.approx(65)
    stalled = compare.Rate()
    stalled.add(1, 50)
    stalled.add(2, 50)
    assert stalled.per_second() is None and stalled.seconds_left(3) is None
