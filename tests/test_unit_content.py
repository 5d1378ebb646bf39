"""Unit tests of issue 17 (what each region holds) with fakes: Link paging on one host, timestamps, the
comparison of a repository across regions and of a region against home, tags changed while reading set aside,
the rate and time left of a syncing replica, one token request for many scopes (and the fallback to one per
request), refusals naming the role per roleAssignmentMode, and the catalog read (merge of streamed catalogs,
a failing region dropped, memory bounded by the repositories in flight)."""
import base64
import json
import threading
import time
from types import SimpleNamespace
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest

from azext_acr_replication._validators import ArgumentError, validate_repositories
from azext_acr_replication.images import catalog, compare
from azext_acr_replication.images.endpoint import (CATALOG_SCOPE, SCOPES_PER_TOKEN, AadToken, DataPlaneError,
                                                   EndpointClient, covers, repository_scope)
from azext_acr_replication.images.listing import Tags, next_page, parse_http_date, parse_time
from azext_acr_replication.images.refs import parse_repository
from azext_acr_replication.images.watch import Target

HOST = "myreg.westus.geo.azurecr.io"


def jwt(**claims):
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return part({"alg": "HS256"}) + "." + part(claims) + ".c2lnbmF0dXJl"


def tags(read_at=None, **entries):
    """Tags(v1=("sha256:a", 10.0), ...)"""
    return Tags({name: value for name, value in entries.items()}, read_at)


# --- Link, timestamps -----------------------------------------------------------------------------------------
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


# --- one repository across regions -----------------------------------------------------------------------------
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


# --- a region against home --------------------------------------------------------------------------------------
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


# --- the client: paging, scopes, refusals --------------------------------------------------------------------------
class Response:
    def __init__(self, status, headers=None, body=None):
        self.status_code, self.headers, self._body, self.reason, self.content = status, headers or {}, body, "", b""

    def json(self):
        return self._body


class Registry:
    """ACR's listings and token service: pages of `page` items (Link while more follow), a token service that
    grants what `granted` allows (None: everything) and, unless multi_scope, only the first scope of a request."""

    def __init__(self, repositories, page=2, multi_scope=True, granted=None, short=False, absolute_links=False):
        self.repositories = repositories  # name -> [tags]
        self.page, self.multi_scope, self.granted, self.short = page, multi_scope, granted, short
        self.absolute_links = absolute_links
        self.calls, self.token_scopes, self.script = [], [], {}

    def send_request(self, request, **_):
        parts = urlsplit(request.url)
        self.calls.append((request.method, parts.netloc, parts.path, parts.query))
        if self.script.get(parts.path):
            return self.script[parts.path].pop(0)
        if parts.path == "/v2/":
            return Response(401, {"WWW-Authenticate": 'Bearer realm="https://%s/oauth2/token",service="myreg.azurecr.io"'
                                  % parts.netloc})
        if parts.path == "/oauth2/exchange":
            return Response(200, body={"refresh_token": jwt(exp=time.time() + 3600)})
        if parts.path == "/oauth2/token":
            scopes = request.data["scope"]
            self.token_scopes.append(list(scopes))
            access = []
            for scope in scopes if self.multi_scope else scopes[:1]:
                kind, _, rest = scope.partition(":")
                name, _, actions = rest.rpartition(":")
                allowed = [a for a in actions.split(",") if self.granted is None or (name, a) in self.granted]
                access.append({"type": kind, "name": name, "actions": allowed})
            return Response(200, body={"access_token": jwt(exp=time.time() + 3600, access=access)})
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/acr/v1/_catalog":
            return self._page(sorted(self.repositories), query, parts.path, "repositories")
        repository = unquote(parts.path)[len("/acr/v1/"):-len("/_tags")]
        if repository not in self.repositories:
            return Response(404, body={"errors": [{"code": "NAME_UNKNOWN"}]})
        items = [{"name": t, "digest": "sha256:" + t, "lastUpdateTime": "2021-04-14T23:15:13.8163645Z"}
                 for t in sorted(self.repositories[repository])]
        return self._page(items, query, "/acr/v1/%s/_tags" % quote(repository, safe=""), "tags")

    def _page(self, items, query, path, key):
        names = [i if isinstance(i, str) else i["name"] for i in items]
        after = [i for i, n in zip(items, names) if "last" not in query or n > query["last"]]
        count = min(int(query.get("n", 100)), self.page)
        count = max(1, count // 2) if self.short else count
        page = after[:count]
        headers = {"Date": "Wed, 14 Apr 2021 23:15:13 GMT"}
        if len(after) > count:
            last = page[-1] if isinstance(page[-1], str) else page[-1]["name"]
            target = "%s?last=%s&n=%s&orderby=" % (path, quote(last, safe=""), query.get("n"))
            if self.absolute_links:
                target = "https://myreg.eastus.geo.azurecr.io" + target
            headers["Link"] = '<%s>; rel="next"' % target
        return Response(200, headers, {key: page})


def client(registry, role_mode=None, host=HOST):
    return EndpointClient(host, AadToken(lambda: ("AAD", "tenant", time.time() + 3600)), pipeline=registry,
                          identity="ci-app", registry="myreg", role_mode=role_mode, sleep=lambda s: None)


def listing_calls(registry):
    return [(host, path, query) for method, host, path, query in registry.calls if path.startswith("/acr/")]


@pytest.mark.parametrize("short", [False, True], ids=["full-pages", "short-pages"])
def test_catalog_and_tags_follow_link_until_absent_never_stopping_on_a_short_page(short):
    registry = Registry({"a": ["v1"], "b": ["v1"], "c": ["v1"], "team/api": ["v%d" % i for i in range(5)]},
                        page=2, short=short)
    endpoint = client(registry)
    names = [name for page, _ in endpoint.catalog() for name in page]
    assert names == ["a", "b", "c", "team/api"]
    listed = endpoint.tags("team/api")
    assert sorted(listed.entries) == ["v0", "v1", "v2", "v3", "v4"]
    assert listed.read_at == 1618442113.0
    calls = listing_calls(registry)
    assert calls[0] == (HOST, "/acr/v1/_catalog", "n=1000")
    assert all(host == HOST for host, _, _ in calls)
    pages = [c for c in calls if c[1].endswith("_tags")]
    assert len(pages) == (5 if short else 3)  # Link followed, however short the pages
    assert pages[1][1] == "/acr/v1/team%2Fapi/_tags"  # the Link's path as the registry wrote it


def test_an_absolute_link_to_another_replica_stays_on_this_host():
    registry = Registry({"a": [], "b": [], "c": []}, page=1, absolute_links=True)
    assert [n for page, _ in client(registry).catalog() for n in page] == ["a", "b", "c"]
    assert {host for host, _, _ in listing_calls(registry)} == {HOST}


def test_a_link_that_does_not_advance_is_an_error_not_a_loop():
    registry = Registry({"a": []})
    link = {"Link": '</acr/v1/_catalog?last=a&n=1000&orderby=>; rel="next"'}
    registry.script["/acr/v1/_catalog"] = [Response(200, link, {"repositories": ["a"]}),
                                           Response(200, link, {"repositories": ["b"]})]
    with pytest.raises(DataPlaneError, match="same next page twice"):
        list(client(registry).catalog())


def test_a_catalog_out_of_lexical_order_is_an_error():
    registry = Registry({})
    registry.script["/acr/v1/_catalog"] = [Response(200, {}, {"repositories": ["b", "a"]})]
    with pytest.raises(DataPlaneError, match="out of lexical order"):
        list(client(registry).catalog())


def test_a_repository_the_region_does_not_hold_is_none():
    assert client(Registry({"a": ["v1"]})).tags("nosuch") is None


def test_one_token_request_covers_every_wanted_scope():
    names = ["repo%02d" % i for i in range(10)]
    registry = Registry({n: ["v1"] for n in names})
    endpoint = client(registry)
    endpoint.want([repository_scope(n, "metadata_read") for n in names])
    for name in names:
        assert endpoint.tags(name) is not None
    assert len(registry.token_scopes) == 1 and len(registry.token_scopes[0]) == 10
    assert registry.token_scopes[0][0] == "repository:repo00:metadata_read"


def test_forgotten_scopes_are_neither_kept_nor_asked_for():
    registry = Registry({"a": ["v1"], "b": ["v1"], "c": ["v1"]})
    endpoint = client(registry)
    endpoint.want([repository_scope(n, "metadata_read") for n in "abc"])
    endpoint.tags("a")
    endpoint.forget([repository_scope(n, "metadata_read") for n in "ab"])
    assert sorted(endpoint._access) == ["repository:c:metadata_read"]  # pylint: disable=protected-access
    endpoint.tags("b")  # asked for again, alone: nobody wants a any more
    assert registry.token_scopes[-1] == ["repository:b:metadata_read"]


def test_scopes_are_asked_for_in_batches():
    names = ["repo%03d" % i for i in range(SCOPES_PER_TOKEN + 5)]
    registry = Registry({n: ["v1"] for n in names})
    endpoint = client(registry)
    endpoint.want([repository_scope(n, "metadata_read") for n in names])
    for name in names:
        endpoint.tags(name)
    assert [len(s) for s in registry.token_scopes] == [SCOPES_PER_TOKEN, 5]


def test_a_service_that_grants_one_scope_per_request_gets_one_per_request():
    names = ["a", "b", "c", "d"]
    registry = Registry({n: ["v1"] for n in names}, multi_scope=False)
    endpoint = client(registry)
    endpoint.want([repository_scope(n, "metadata_read") for n in names])
    assert all(endpoint.tags(n) is not None for n in names)
    # asked for all four; granted the first only; b, c, d alone, and from then on alone (none left here)
    assert [len(s) for s in registry.token_scopes] == [4, 1, 1, 1]
    assert endpoint._multi_scope is False  # pylint: disable=protected-access


@pytest.mark.parametrize("mode, expected", [
    ("LegacyRegistryPermissions", "ci-app may not list the repositories of myreg: needs AcrPull on the registry"),
    ("AbacRepositoryPermissions", "ci-app may not list the repositories of myreg: needs 'Container Registry "
                                  "Repository Catalog Lister' on the registry (the registry uses ABAC repository "
                                  "permissions, where AcrPull is not honoured)"),
    (None, "ci-app may not list the repositories of myreg: needs AcrPull, or 'Container Registry Repository Catalog "
           "Lister' on registries with ABAC repository permissions"),
])
def test_no_catalog_permission_is_one_line_naming_the_role(mode, expected):
    registry = Registry({"a": ["v1"]}, granted=set())
    with pytest.raises(DataPlaneError) as raised:
        list(client(registry, role_mode=mode).catalog())
    assert raised.value.kind == "denied" and str(raised.value) == expected
    assert not [c for c in listing_calls(registry)]  # refused before asking


@pytest.mark.parametrize("mode, role", [("LegacyRegistryPermissions", "needs AcrPull on the registry"),
                                        ("AbacRepositoryPermissions", "'Container Registry Repository Reader'")])
def test_no_metadata_read_on_one_repository_is_one_line_naming_the_role(mode, role):
    registry = Registry({"a": ["v1"], "b": ["v1"]}, granted={("a", "metadata_read")})
    endpoint = client(registry, role_mode=mode)
    endpoint.want([repository_scope("a", "metadata_read"), repository_scope("b", "metadata_read")])
    assert endpoint.tags("a") is not None
    with pytest.raises(DataPlaneError) as raised:
        endpoint.tags("b")
    assert str(raised.value).startswith("ci-app may not read the tags of b in myreg: ") and role in str(raised.value)
    assert [len(s) for s in registry.token_scopes] == [2, 1]  # b asked for alone once more, then refused
    with pytest.raises(DataPlaneError):
        endpoint.tags("b")
    assert len(registry.token_scopes) == 2  # the refusal is remembered


def test_a_listing_refused_despite_the_token_names_the_role():
    registry = Registry({"a": ["v1"]})
    refused = Response(401, {"WWW-Authenticate": 'Bearer realm="x",service="y",scope="repository:a:metadata_read"'})
    registry.script["/acr/v1/a/_tags"] = [refused, refused]
    with pytest.raises(DataPlaneError) as raised:
        client(registry, role_mode="LegacyRegistryPermissions").tags("a")
    assert raised.value.kind == "denied" and "needs AcrPull" in str(raised.value)


def test_a_long_retry_after_on_a_listing_is_waited_within_bounds():
    registry = Registry({"a": ["v1"]})
    slept = []
    endpoint = client(registry)
    endpoint._sleep = slept.append  # pylint: disable=protected-access
    registry.script["/acr/v1/a/_tags"] = [Response(429, {"Retry-After": "20"})]
    assert endpoint.tags("a") is not None and slept == [20.0]
    registry.script["/acr/v1/a/_tags"] = [Response(429, {"Retry-After": "600"})]
    with pytest.raises(DataPlaneError) as raised:
        endpoint.tags("a")
    assert raised.value.kind == "throttled" and raised.value.retry_after == 600


def test_covers_reads_every_action_of_the_scope():
    token = jwt(access=[{"type": "registry", "name": "catalog", "actions": ["*"]},
                        {"type": "repository", "name": "app", "actions": ["pull"]}])
    assert covers(token, CATALOG_SCOPE) and covers(token, "repository:app:pull")
    assert not covers(token, "repository:app:pull,metadata_read") and not covers(token, "repository:x:pull")
    assert covers("opaque", "repository:x:pull")  # a token that does not say is taken at its word


# --- --repository arguments ---------------------------------------------------------------------------------------
def test_repository_names_are_checked_and_stripped_of_the_login_server():
    assert parse_repository("myreg.azurecr.io/team/api", "myreg.azurecr.io") == "team/api"
    with pytest.raises(ValueError, match="without tag or digest"):
        parse_repository("app:v1")
    with pytest.raises(ValueError, match="lowercase"):
        parse_repository("App")
    namespace = SimpleNamespace(registry_name="myreg", repository=["app,team/api", "app"], image=None,
                                all_repositories=False)
    cmd = SimpleNamespace(cli_ctx=SimpleNamespace(cloud=SimpleNamespace(suffixes=SimpleNamespace(
        acr_login_server_endpoint=".azurecr.io"))))
    validate_repositories(cmd, namespace)
    assert namespace.repository == ["app", "team/api"]
    with pytest.raises(ArgumentError, match="give one of"):
        validate_repositories(cmd, SimpleNamespace(registry_name="myreg", repository=["app"], image=["x"],
                                                   all_repositories=True))


# --- the catalog read -----------------------------------------------------------------------------------------------
class FakeEndpoint:
    """What Scan uses of an EndpointClient: catalog() pages and tags(); counts tag listings in flight."""

    def __init__(self, repositories, page=3, fail_catalog=None, fail_tags=None, gauge=None):
        self.repositories, self.page = repositories, page
        self.fail_catalog, self.fail_tags = fail_catalog, fail_tags or {}
        self.gauge = gauge
        self.wanted = []

    def want(self, scopes):
        self.wanted.extend(scopes)

    def forget(self, scopes):
        self.forgotten = getattr(self, "forgotten", []) + list(scopes)

    def catalog(self):
        names = sorted(self.repositories)
        for start in range(0, max(1, len(names)), self.page):
            if self.fail_catalog is not None and start >= self.fail_catalog[0]:
                raise self.fail_catalog[1]
            yield names[start:start + self.page], 1000.0

    def tags(self, repository):
        if repository in self.fail_tags:
            raise self.fail_tags[repository]
        if self.gauge:
            self.gauge.enter(repository)
        try:
            time.sleep(0.001)
            found = self.repositories.get(repository)
            return None if found is None else Tags(dict(found), 1000.0)
        finally:
            if self.gauge:
                self.gauge.leave(repository)


class Gauge:
    def __init__(self):
        self.lock, self.now, self.peak = threading.Lock(), set(), 0

    def enter(self, name):
        with self.lock:
            self.now.add(name)
            self.peak = max(self.peak, len(self.now))

    def leave(self, name):
        with self.lock:
            self.now.discard(name)


def targets(*regions):
    return [Target(r, r, "Succeeded", "myreg.%s.geo.azurecr.io" % r) for r in regions]


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


def test_a_repository_named_like_a_host_is_a_repository_of_this_registry():
    # ACR repositories may hold dots anywhere (an import named docker.io/library/nginx); a port is a host
    assert parse_repository("docker.io/library/nginx", "myreg.azurecr.io") == "docker.io/library/nginx"
    assert parse_repository("myreg.azurecr.io/docker.io/library/nginx", "myreg.azurecr.io") == \
        "docker.io/library/nginx"
    with pytest.raises(ValueError, match="another registry"):
        parse_repository("localhost:5000/app")


def test_a_repository_is_in_no_region_only_once_every_region_has_answered():
    from azext_acr_replication.images.repositories import RepositoryBoard, RepositoryRef
    from azext_acr_replication.images.watch import MISSING, Observation
    west = Target("westus", "westus", "Succeeded", "r.westus.geo.azurecr.io")
    east = Target("eastus", "eastus", "Succeeded", "r.eastus.geo.azurecr.io")
    nosuch = RepositoryRef("nosuch")
    board = RepositoryBoard([west, east], [nosuch])
    board.record(west, nosuch, Observation(MISSING), 0.1)
    assert board.nowhere() == []  # eastus has not answered yet: not "unreachable", not "nowhere" either
    board.record(east, nosuch, Observation(MISSING), 0.2)
    assert board.nowhere() == [nosuch]


# --- what a single read judges ------------------------------------------------------------------------------------
def test_the_commands_start_on_the_registrys_clock_leaves_no_tag_pushed_before_it_aside():
    from azext_acr_replication.images.listing import registry_since
    # the registry's clock 30 s ahead: Date 1030 for a request sent at 1000.4 (answered within the second 1030)
    assert registry_since(1000.0, [(1030.0, 1000.4)]) == pytest.approx(1030.6)
    # the tightest bound of several answers; one without a Date tells nothing
    assert registry_since(1000.0, [(1031.0, 1001.2), (1030.0, 1000.4), (None, 1000.1)]) == pytest.approx(1030.6)
    assert registry_since(1000.0, []) == 1000.0  # no Date at all: the clocks are taken to agree


def test_a_tag_pushed_a_moment_before_the_command_is_judged_whatever_its_fraction_of_a_second():
    """The registry's Date is whole seconds; lastUpdateTime is not. A push at 1000.7, a command started at 1000.8 whose
    first answer is dated 1000 (its moment, 1000.9, rounded down): the push is judged, not set aside."""
    from azext_acr_replication.images.listing import registry_since
    since = registry_since(1000.8, [(1000.0, 1000.85)])
    listings = {"westus": tags(v1=("a", 1000.7)), "eastus": None}
    result = compare.RepositoryComparison(listings, since)
    assert result.changed == [] and result.missing == {"v1": ["eastus"]}


def test_a_board_with_tags_set_aside_is_not_complete():
    from azext_acr_replication.images.repositories import RepositoryBoard, RepositoryRef
    from azext_acr_replication.images.watch import PRESENT, Observation
    west = Target("westus", "westus", "Succeeded", "r.westus.geo.azurecr.io")
    east = Target("eastus", "eastus", "Succeeded", "r.eastus.geo.azurecr.io")
    app = RepositoryRef("app")
    board = RepositoryBoard([west, east], [app], set_aside=True, started=1000.0)
    board.record(west, app, Observation(PRESENT, listing=Tags({"v1": ("a", 10.0), "new": ("n", 1005.0)}, 1000.0,
                                                              1000.0)), 0.1)
    board.record(east, app, Observation(PRESENT, listing=Tags({"v1": ("a", 10.0)}, 1000.0, 1000.0)), 0.2)
    assert board.comparison(app).changed == ["new"] and board.state(east, app) == "present"
    assert board.complete() is False  # v1 is alike everywhere, but "new" was not judged: not a yes
    waiting = RepositoryBoard([west, east], [app], set_aside=False, started=1000.0)
    waiting.record(west, app, board.observation(west, app), 0.1)
    waiting.record(east, app, board.observation(east, app), 0.2)
    assert waiting.comparison(app).missing == {"new": ["eastus"]} and waiting.complete() is False


def test_a_catalog_read_with_tags_set_aside_is_not_complete():
    from azext_acr_replication.images.catalog import result_of
    home = Target("westus", "westus", "Succeeded", "r.westus.geo.azurecr.io")
    east = Target("eastus", "eastus", "Succeeded", "r.eastus.geo.azurecr.io")
    layout = SimpleNamespace(name="r", home="westus", targets=[home, east],
                             statuses={"westus": "Ready", "eastus": "Ready"})
    home_read, east_read = SimpleNamespace(location="westus", failed=False, error=None, totals=catalog.Totals()), \
        SimpleNamespace(location="eastus", failed=False, error=None, totals=catalog.Totals())
    east_read.totals.add(compare.against_home("app", tags(v1=("a", 1), new=("n", 200)), tags(v1=("a", 1)), since=100),
                         1.0)
    scan = SimpleNamespace(regions=[home_read, east_read], others=[east_read], interrupted=False)
    result = result_of(layout, scan)
    eastus = next(r for r in result["regions"] if r["region"] == "eastus")
    assert eastus["state"] == "same" and eastus["changedWhileReading"] == 1
    assert result["complete"] is False
    line, code = catalog.verdict(result, scan)
    assert code == 1 and "eastus: 1 tags pushed or moved while the command read them, not judged" in line
