"""images/catalog.py: the catalog read of `status --all-repositories` over fake endpoints (tests.helpers.FakeEndpoint).
Every region compared with home repository by repository, a failing region dropped and the others compared, a
refused catalog as the one line naming the role, tag listings in flight bounded, progress and its rate, and a read
with tags set aside that is not complete."""
from types import SimpleNamespace

import pytest

from azext_acr_replication.images import catalog, compare
from azext_acr_replication.images.endpoint import DataPlaneError
from azext_acr_replication.images.watch import Target
from tests.helpers import FakeEndpoint, Gauge, tags, targets

pytestmark = pytest.mark.unit


def run_scan(clients, home="westus"):
    found = targets(*clients)
    home_target = next(t for t in found if t.location == home)
    return catalog.Scan(home_target, [t for t in found if t is not home_target],
                        lambda host: clients[host.split(".")[1]]).run()


def content(n, tags_each=3, digest="a"):
    return {"repo%03d" % i: {"v%d" % t: (digest, 1.0) for t in range(tags_each)} for i in range(n)}


def test_scan_compares_every_region_with_home_repository_by_repository():
    home = content(10)
    eastus = content(10)
    del eastus["repo003"]                               # a repository missing
    eastus["repo005"] = {"v0": ("a", 1.0), "v1": ("x", 1.0)}  # one tag missing, one skewed
    eastus["zzz"] = {"old": ("o", 1.0)}                 # deleted at home, still here
    scan = run_scan({"westus": FakeEndpoint(home), "eastus": FakeEndpoint(eastus), "japaneast": FakeEndpoint(home)})
    east = scan.others[0].totals
    assert (east.missing_repositories, east.missing_tags, east.extra_repositories, east.extra_tags, east.skewed) == \
        (1, 4, 1, 1, 1)
    assert (east.at_home, east.present) == (30, 25)
    assert [d["repository"] for d in east.differences] == ["repo003", "repo005", "zzz"]
    assert not scan.others[1].totals.differs and scan.home.totals.repositories == 10
    assert scan.read == 11
    # the catalog's names were announced for one token request per batch, and forgotten once read
    assert "repository:repo000:metadata_read" in scan.others[0].client.wanted
    assert sorted(scan.others[0].client.forgotten) == sorted(set(scan.others[0].client.wanted))


def test_a_failing_region_is_dropped_and_the_others_compared():
    home = content(12)
    down = DataPlaneError("unreachable", "myreg.eastus.geo.azurecr.io did not answer")
    scan = run_scan({"westus": FakeEndpoint(home), "eastus": FakeEndpoint(home, fail_catalog=(3, down)),
                     "japaneast": FakeEndpoint(home)})
    assert scan.others[0].failed and scan.others[0].error is down
    assert not scan.others[1].failed and scan.others[1].totals.present == 36
    layout = SimpleNamespace(name="myreg", home="westus", targets=targets("westus", "eastus", "japaneast"),
                             statuses={})
    result = catalog.result_of(layout, scan)
    assert [r["state"] for r in result["regions"]] == ["home", "unreachable", "same"]
    message, code = catalog.verdict(result, scan)
    assert code == 1 and "eastus: unreachable (myreg.eastus.geo.azurecr.io did not answer)" in message


def test_a_refused_catalog_is_the_one_line_saying_which_role():
    denied = DataPlaneError("denied", "ci-app may not list the repositories of myreg: needs AcrPull on the registry")
    scan = run_scan({"westus": FakeEndpoint({}, fail_catalog=(0, denied)),
                     "eastus": FakeEndpoint({}, fail_catalog=(0, denied))})
    layout = SimpleNamespace(name="myreg", home="westus", targets=targets("westus", "eastus"), statuses={})
    assert catalog.verdict(catalog.result_of(layout, scan), scan) == (str(denied), 1)


def test_tag_listings_in_flight_are_bounded_by_the_window():
    gauges = {r: Gauge() for r in ("westus", "eastus")}
    scan = run_scan({r: FakeEndpoint(content(200), page=50, gauge=gauges[r]) for r in gauges})
    assert scan.read == 200
    assert all(0 < g.peak <= catalog.PER_REGION for g in gauges.values())


def test_progress_of_a_region_with_and_without_a_rate():
    totals = catalog.Totals()
    totals.add(compare.against_home("a", tags(v1=("a", 1), v2=("b", 1)), tags(v1=("a", 1))), when=10)
    assert catalog.progress_of(totals) == {"tagsPresent": 1, "tagsAtHome": 2, "percent": 50.0,
                                           "tagsPerMinute": None, "secondsLeft": None}
    rate = compare.Rate()
    rate.add(0, 3)
    rate.add(10, 1)  # 0.2 tags a second
    progress = catalog.progress_of(totals, rate, now=10)
    assert progress["tagsPerMinute"] == 12.0 and progress["secondsLeft"] == 5
    assert catalog.progress_text(progress) == "50.0%, 12.0 tags/min, about 5s left"


def test_a_catalog_read_with_tags_set_aside_is_not_complete():
    home = Target("westus", "westus", "Succeeded", "r.westus.geo.azurecr.io")
    east = Target("eastus", "eastus", "Succeeded", "r.eastus.geo.azurecr.io")
    layout = SimpleNamespace(name="r", home="westus", targets=[home, east],
                             statuses={"westus": "Ready", "eastus": "Ready"})
    home_read, east_read = SimpleNamespace(location="westus", failed=False, error=None, totals=catalog.Totals()), \
        SimpleNamespace(location="eastus", failed=False, error=None, totals=catalog.Totals())
    east_read.totals.add(compare.against_home("app", tags(v1=("a", 1), new=("n", 200)), tags(v1=("a", 1)), since=100),
                         1.0)
    scan = SimpleNamespace(regions=[home_read, east_read], others=[east_read], interrupted=False)
    result = catalog.result_of(layout, scan)
    eastus = next(r for r in result["regions"] if r["region"] == "eastus")
    assert eastus["state"] == "same" and eastus["changedWhileReading"] == 1
    assert result["complete"] is False
    line, code = catalog.verdict(result, scan)
    assert code == 1 and "eastus: 1 tags pushed or moved while the command read them, not judged" in line
